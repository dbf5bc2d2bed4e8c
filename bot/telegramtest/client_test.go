package telegramtest_test

import (
	"bytes"
	"context"
	"errors"
	"html"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

const (
	chatID int64 = 42
	userID int64 = 42
)

// newClient returns a go-telegram/bot client talking to srv.
func newClient(t *testing.T, srv *telegramtest.Server, opts ...bot.Option) *bot.Bot {
	t.Helper()
	opts = append([]bot.Option{
		bot.WithServerURL(srv.URL()),
		bot.WithSkipGetMe(),
		bot.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) {}),
		bot.WithErrorsHandler(func(error) {}),
	}, opts...)
	b, err := bot.New("123:TEST", opts...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

func keyboard(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

func cb(text, data string) models.InlineKeyboardButton {
	return models.InlineKeyboardButton{Text: text, CallbackData: data}
}

func TestSendMessageWithKeyboardShowsInChat(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	ctx := context.Background()

	srv.SendText(chatID, userID, "/start", "nl")
	msg, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID:      chatID,
		Text:        "<b>Welkom!</b> Zullen we beginnen?",
		ParseMode:   models.ParseModeHTML,
		ReplyMarkup: keyboard([]models.InlineKeyboardButton{cb("Start", "start"), cb("Later", "later")}, []models.InlineKeyboardButton{{Text: "Info", URL: "https://example.org"}}),
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if msg.ID != 2 || msg.Chat.ID != chatID || msg.Chat.Type != models.ChatTypePrivate || msg.From.ID != telegramtest.BotID {
		t.Errorf("message = id %d chat %+v from %+v; want id 2 (after the user's /start) in private chat %d from the bot", msg.ID, msg.Chat, msg.From, chatID)
	}
	if msg.Text != "Welkom! Zullen we beginnen?" || len(msg.Entities) != 1 || msg.Entities[0].Type != models.MessageEntityTypeBold {
		t.Errorf("text %q entities %+v", msg.Text, msg.Entities)
	}
	if msg.ReplyMarkup == nil || len(msg.ReplyMarkup.InlineKeyboard) != 2 || msg.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "later" {
		t.Errorf("reply_markup not echoed: %+v", msg.ReplyMarkup)
	}

	got := srv.Chat(chatID)
	if len(got) != 2 || got[0].FromBot || got[0].Text != "/start" || !got[1].FromBot {
		t.Fatalf("transcript:\n%s", telegramtest.FormatTranscript(got))
	}
	last := srv.LastBotMessage(chatID)
	if last.Text != "Welkom! Zullen we beginnen?" || last.Source != "<b>Welkom!</b> Zullen we beginnen?" {
		t.Errorf("last bot message = %+v", last)
	}
	if btn, ok := last.Button("Lat"); !ok || btn.CallbackData != "later" {
		t.Errorf("Button(Lat) = %+v, %v", btn, ok)
	}
	if btn, ok := last.Button("Info"); !ok || btn.URL != "https://example.org" || btn.CallbackData != "" {
		t.Errorf("Button(Info) = %+v, %v", btn, ok)
	}
	if _, ok := last.Button("Nope"); ok {
		t.Error("Button(Nope) found")
	}
}

func TestEditMessageText(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	ctx := context.Background()

	kb := keyboard([]models.InlineKeyboardButton{cb("Ja", "yes"), cb("Nee", "no")})
	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: "Vraag 1?", ReplyMarkup: kb})
	if err != nil {
		t.Fatal(err)
	}
	edited, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chatID, MessageID: sent.ID, Text: "Vraag 1? <i>Ja</i>", ParseMode: models.ParseModeHTML, ReplyMarkup: kb})
	if err != nil {
		t.Fatalf("EditMessageText: %v", err)
	}
	if edited.Text != "Vraag 1? Ja" || edited.EditDate == 0 || edited.ReplyMarkup == nil {
		t.Errorf("edited = %+v", edited)
	}
	if m := srv.LastBotMessage(chatID); m.Text != "Vraag 1? Ja" || m.Edits != 1 || len(m.Buttons()) != 2 {
		t.Errorf("after edit: %+v", m)
	}

	// Same text, entities and keyboard: Telegram refuses.
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chatID, MessageID: sent.ID, Text: "Vraag 1? <i>Ja</i>", ParseMode: models.ParseModeHTML, ReplyMarkup: kb})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified: specified new message content and reply markup are exactly the same") {
		t.Errorf("unchanged edit: err = %v", err)
	}
	// Same text with other formatting is a change.
	if _, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chatID, MessageID: sent.ID, Text: "Vraag 1? <b>Ja</b>", ParseMode: models.ParseModeHTML, ReplyMarkup: kb}); err != nil {
		t.Errorf("re-formatting edit: %v", err)
	}
	// Without reply_markup the keyboard goes away.
	if _, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chatID, MessageID: sent.ID, Text: "Vraag 1? Ja"}); err != nil {
		t.Fatal(err)
	}
	if m := srv.LastBotMessage(chatID); m.Keyboard != nil || m.Edits != 3 {
		t.Errorf("keyboard should be gone: %+v", m)
	}
	// editMessageReplyMarkup: adding a keyboard works, repeating it does not.
	if _, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: chatID, MessageID: sent.ID, ReplyMarkup: kb}); err != nil {
		t.Errorf("EditMessageReplyMarkup: %v", err)
	}
	if _, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: chatID, MessageID: sent.ID, ReplyMarkup: kb}); err == nil || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("repeated EditMessageReplyMarkup: err = %v", err)
	}
	// Unknown and user messages.
	if _, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chatID, MessageID: 99, Text: "x"}); err == nil || !strings.Contains(err.Error(), "message to edit not found") {
		t.Errorf("unknown message: err = %v", err)
	}
	srv.SendText(chatID, userID, "hoi", "")
	userMsg := srv.Chat(chatID)[1]
	if _, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chatID, MessageID: int(userMsg.ID), Text: "x"}); err == nil || !strings.Contains(err.Error(), "message can't be edited") {
		t.Errorf("user message: err = %v", err)
	}
}

func TestTextValidation(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		parseMode models.ParseMode
		wantErr   string // empty: accepted
		wantText  string // checked when accepted and non-empty
	}{
		{name: "4096 characters", text: strings.Repeat("a", 4096)},
		{name: "4097 characters", text: strings.Repeat("a", 4097), wantErr: "Bad Request: message is too long"},
		{name: "2048 emoji are 4096 units", text: strings.Repeat("😀", 2048)},
		{name: "2049 emoji are 4098 units", text: strings.Repeat("😀", 2049), wantErr: "message is too long"},
		{name: "tags do not count", text: "<b>" + strings.Repeat("a", 4096) + "</b>", parseMode: models.ParseModeHTML},
		{name: "entities count once", text: strings.Repeat("&amp;", 4097), parseMode: models.ParseModeHTML, wantErr: "message is too long"},
		{name: "empty", text: "", wantErr: "Bad Request: message text is empty"},
		{name: "only whitespace", text: " \n ", wantErr: "message text is empty"},
		{name: "only empty tags", text: "<b></b>", parseMode: models.ParseModeHTML, wantErr: "message text is empty"},
		{name: "trimmed", text: "  hoi\n", wantText: "hoi"},
		{name: "unbalanced", text: "<b>vet", parseMode: models.ParseModeHTML, wantErr: "Bad Request: can't parse entities: Can't find end tag"},
		{name: "bare less-than", text: "5 < 6", parseMode: models.ParseModeHTML, wantErr: "can't parse entities: Unsupported start tag"},
		{name: "bare ampersand", text: "jij & ik", parseMode: models.ParseModeHTML, wantErr: "can't parse entities"},
		{name: "unknown tag", text: "<p>x</p>", parseMode: models.ParseModeHTML, wantErr: "Unsupported start tag \"p\""},
		{name: "escaped", text: html.EscapeString(`5 < 6 & "ja" > 'nee'`), parseMode: models.ParseModeHTML, wantText: `5 < 6 & "ja" > 'nee'`},
		{name: "no parse mode keeps tags", text: "<b>x</b>", wantText: "<b>x</b>"},
		{name: "bad parse mode", text: "x", parseMode: "Html5", wantErr: "unsupported parse_mode"},
		{name: "invalid UTF-8", text: "a\xffb", wantErr: "text must be encoded in UTF-8"},
	}
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: chatID, Text: tt.text, ParseMode: tt.parseMode})
			if tt.wantErr != "" {
				if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want bad request containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("SendMessage: %v", err)
			}
			if tt.wantText != "" && msg.Text != tt.wantText {
				t.Errorf("text = %q, want %q", msg.Text, tt.wantText)
			}
		})
	}
	for _, c := range srv.CallsTo("sendMessage") {
		if c.Status == 0 {
			t.Errorf("call %d has no status", c.Seq)
		}
	}
}

func TestKeyboardValidation(t *testing.T) {
	tests := []struct {
		name    string
		markup  models.ReplyMarkup
		wantErr string
	}{
		{"64 bytes of callback data", keyboard([]models.InlineKeyboardButton{cb("ok", strings.Repeat("x", 64))}), ""},
		{"65 bytes of callback data", keyboard([]models.InlineKeyboardButton{cb("ok", strings.Repeat("x", 65))}), "Bad Request: BUTTON_DATA_INVALID"},
		{"multi-byte data counts bytes", keyboard([]models.InlineKeyboardButton{cb("ok", strings.Repeat("é", 33))}), "BUTTON_DATA_INVALID"},
		{"button without action", keyboard([]models.InlineKeyboardButton{{Text: "plain"}}), "Text buttons are unallowed"},
		{"empty inline keyboard", keyboard(), ""},
		{"reply keyboard", &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{{{Text: "Ja"}, {Text: "Nee"}}}}, ""},
	}
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: chatID, Text: "kies", ReplyMarkup: tt.markup})
			if tt.wantErr == "" && err != nil {
				t.Fatalf("SendMessage: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	if m := srv.LastBotMessage(chatID); len(m.ReplyKeyboard) != 1 || m.ReplyKeyboard[0][1] != "Nee" || m.Keyboard != nil {
		t.Errorf("reply keyboard message = %+v", m)
	}
}

func TestAnswerCallbackQueryTwice(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	ctx := context.Background()

	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: "Start?", ReplyMarkup: keyboard([]models.InlineKeyboardButton{cb("Start", "start")})})
	if err != nil {
		t.Fatal(err)
	}
	srv.Press(t, chatID, userID, "Sta")
	ids := srv.Unanswered()
	if len(ids) != 1 {
		t.Fatalf("Unanswered = %v", ids)
	}
	if ok, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: ids[0], Text: "Top"}); err != nil || !ok {
		t.Fatalf("first answer: %v, %v", ok, err)
	}
	if len(srv.Unanswered()) != 0 {
		t.Errorf("still unanswered: %v", srv.Unanswered())
	}
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: ids[0]})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "query is too old and response timeout expired or query ID is invalid") {
		t.Errorf("second answer: err = %v", err)
	}
	if _, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: "made-up"}); err == nil {
		t.Error("answer to an unknown query accepted")
	}
	if c := srv.CallsTo("answerCallbackQuery")[0]; c.Params["text"] != "Top" || !c.OK() {
		t.Errorf("recorded answer = %+v", c)
	}
	_ = sent
}

func TestFaultTooManyRequests(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	srv.SetFault(func(method string, params map[string]string) *telegramtest.Fault {
		if method == "sendMessage" && params["text"] == "flood" {
			return &telegramtest.Fault{RetryAfter: 7}
		}
		return nil
	})
	_, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: chatID, Text: "flood"})
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 || !strings.Contains(tooMany.Message, "Too Many Requests: retry after 7") {
		t.Fatalf("err = %#v, want *bot.TooManyRequestsError with RetryAfter 7", err)
	}
	if _, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: chatID, Text: "fine"}); err != nil {
		t.Fatalf("unfaulted call: %v", err)
	}
	calls := srv.CallsTo("sendMessage")
	if len(calls) != 2 || !calls[0].Faulted || calls[0].Status != 429 || calls[1].Faulted {
		t.Errorf("calls = %+v", calls)
	}
	if msgs := srv.Chat(chatID); len(msgs) != 1 || msgs[0].Text != "fine" {
		t.Errorf("a faulted message must not appear: %s", telegramtest.FormatTranscript(msgs))
	}

	srv.SetFault(func(string, map[string]string) *telegramtest.Fault { return &telegramtest.Fault{Status: 403} })
	_, err = b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: chatID, Text: "x"})
	if !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Errorf("403 fault: err = %v", err)
	}
}

func TestDeleteMessages(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	ctx := context.Background()
	var ids []int
	for _, text := range []string{"een", "twee", "drie", "vier"} {
		m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	if ok, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: chatID, MessageID: ids[0]}); err != nil || !ok {
		t.Fatalf("DeleteMessage: %v %v", ok, err)
	}
	if _, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: chatID, MessageID: ids[0]}); err == nil || !strings.Contains(err.Error(), "message to delete not found") {
		t.Errorf("second delete: err = %v", err)
	}
	if ok, err := b.DeleteMessages(ctx, &bot.DeleteMessagesParams{ChatID: chatID, MessageIDs: []int{ids[1], ids[2], 999}}); err != nil || !ok {
		t.Fatalf("DeleteMessages: %v %v", ok, err)
	}
	if _, err := b.DeleteMessages(ctx, &bot.DeleteMessagesParams{ChatID: chatID, MessageIDs: []int{998, 999}}); err == nil || !strings.Contains(err.Error(), "message to delete not found") {
		t.Errorf("DeleteMessages of unknown ids: err = %v", err)
	}
	if msgs := srv.Chat(chatID); len(msgs) != 1 || msgs[0].Text != "vier" {
		t.Errorf("Chat = %s", telegramtest.FormatTranscript(msgs))
	}
	if h := srv.History(chatID); len(h) != 4 || !h[0].Deleted || h[3].Deleted {
		t.Errorf("History = %s", telegramtest.FormatTranscript(h))
	}
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chatID, MessageID: ids[0], Text: "x"}); err == nil || !strings.Contains(err.Error(), "message to edit not found") {
		t.Errorf("edit of a deleted message: err = %v", err)
	}
}

func TestSendDocument(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	data := []byte("%PDF-1.4 intake")
	msg, err := b.SendDocument(context.Background(), &bot.SendDocumentParams{
		ChatID:    chatID,
		Document:  &models.InputFileUpload{Filename: "intake.pdf", Data: bytes.NewReader(data)},
		Caption:   "Je <b>intake</b>",
		ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatalf("SendDocument: %v", err)
	}
	if msg.Document == nil || msg.Document.FileName != "intake.pdf" || msg.Document.MimeType != "application/pdf" || msg.Document.FileSize != int64(len(data)) || msg.Caption != "Je intake" {
		t.Errorf("message = %+v, document %+v", msg, msg.Document)
	}
	c := srv.WaitCall(t, 0, func(c telegramtest.Call) bool { return c.Method == "sendDocument" })
	if f := c.Files["document"]; f.Filename != "intake.pdf" || !bytes.Equal(f.Data, data) || c.Params["caption"] != "Je <b>intake</b>" {
		t.Errorf("recorded call = %+v", c)
	}
	if m := srv.LastBotMessage(chatID); m.Kind != "document" || m.Document == nil || m.Text != "Je intake" || m.ParseMode != "HTML" {
		t.Errorf("transcript message = %+v", m)
	}

	_, err = b.SendDocument(context.Background(), &bot.SendDocumentParams{ChatID: chatID, Document: &models.InputFileUpload{Filename: "x.pdf", Data: bytes.NewReader(data)}, Caption: strings.Repeat("a", 1025)})
	if err == nil || !strings.Contains(err.Error(), "message caption is too long") {
		t.Errorf("long caption: err = %v", err)
	}
}

func TestMiscMethods(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	ctx := context.Background()

	me, err := b.GetMe(ctx)
	if err != nil || me.ID != 1000 || !me.IsBot || me.FirstName != "Intake" || me.Username != "intake_test_bot" {
		t.Errorf("GetMe = %+v, %v", me, err)
	}
	cmds := []models.BotCommand{{Command: "start", Description: "Begin"}, {Command: "stop", Description: "Pauzeer"}}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: cmds, LanguageCode: "nl"}); err != nil {
		t.Fatalf("SetMyCommands: %v", err)
	}
	if got := srv.Commands("nl"); len(got) != 2 || got[1].Command != "stop" {
		t.Errorf("Commands(nl) = %+v", got)
	}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Start", Description: "x"}}}); err == nil || !strings.Contains(err.Error(), "BOT_COMMAND_INVALID") {
		t.Errorf("upper-case command: err = %v", err)
	}
	if _, err := b.DeleteMyCommands(ctx, &bot.DeleteMyCommandsParams{LanguageCode: "nl"}); err != nil || srv.Commands("nl") != nil {
		t.Errorf("DeleteMyCommands: %v, left %+v", err, srv.Commands("nl"))
	}
	if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: chatID, Action: models.ChatActionTyping}); err != nil {
		t.Errorf("SendChatAction: %v", err)
	}
	if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: chatID, Action: "dancing"}); err == nil {
		t.Error("unknown chat action accepted")
	}
	if info, err := b.GetWebhookInfo(ctx); err != nil || info.URL != "" {
		t.Errorf("GetWebhookInfo = %+v, %v", info, err)
	}
}
