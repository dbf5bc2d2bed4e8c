package telegram

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegram/pace"
)

// TelegramAPI is the part of the Bot API client the edge uses;
// *github.com/go-telegram/bot.Bot implements it.
type TelegramAPI interface {
	SendMessage(ctx context.Context, p *tgbot.SendMessageParams) (*models.Message, error)
	EditMessageText(ctx context.Context, p *tgbot.EditMessageTextParams) (*models.Message, error)
	AnswerCallbackQuery(ctx context.Context, p *tgbot.AnswerCallbackQueryParams) (bool, error)
	SendDocument(ctx context.Context, p *tgbot.SendDocumentParams) (*models.Message, error)
	// /exit deletes messages, or clears the keyboard of those too old.
	DeleteMessages(ctx context.Context, p *tgbot.DeleteMessagesParams) (bool, error)
	EditMessageReplyMarkup(ctx context.Context, p *tgbot.EditMessageReplyMarkupParams) (*models.Message, error)
	// Staff get a command menu of their own.
	SetMyCommands(ctx context.Context, p *tgbot.SetMyCommandsParams) (bool, error)
	DeleteMyCommands(ctx context.Context, p *tgbot.DeleteMyCommandsParams) (bool, error)
}

// The sender's production settings, used where a Sender field is zero.
const (
	// DefaultPerSecond is the bot's budget: Telegram allows about 30
	// messages per second to different chats.
	DefaultPerSecond = 30
	// DefaultPerChatInterval and DefaultPerChatBurst: about one message per
	// second in one chat, with a burst of 4 so that the answer to a press
	// (an edit and the next question) is not slowed down.
	DefaultPerChatInterval = time.Second
	DefaultPerChatBurst    = 4
	// DefaultMaxRetryAfter caps the retry_after of a 429 the sender waits
	// out; above it the send gives up.
	DefaultMaxRetryAfter = 60 * time.Second
	// DefaultAttempts bounds the tries of a request that fails with a 5xx
	// or a network error.
	DefaultAttempts = 4
	// DefaultBackoff is the first wait after such a failure; it doubles
	// (with jitter) up to maxBackoff.
	DefaultBackoff = 500 * time.Millisecond
	// DefaultLiveReserve is the part of the shared send budget bulk
	// traffic leaves to live replies.
	DefaultLiveReserve = 5

	maxBackoff = 10 * time.Second
	// maxRateLimited bounds the 429s one send waits out (each one at most
	// MaxRetryAfter), so that a send without deadline can't loop forever.
	maxRateLimited = 8
)

// Sender sends replies within Telegram's limits: per chat in order and at
// about PerChatInterval (after a burst of PerChatBurst), at most PerSecond
// requests per second for the whole bot, a person's live reply (Send, Edit,
// SendDocument) before bulk traffic (SendBulk). It honours 429 retry_after
// (only the chat concerned waits), retries 5xx and network failures with
// backoff a limited number of times, and falls back to plain text when
// Telegram refuses the markup, so that a summary always arrives. No mutex is
// held while the Bot API is called, and every wait ends with ctx.
//
// The zero value of every field but API works; the settings are read on
// first use and must not change afterwards. A Sender must not be copied.
// One Sender should serve the whole process: the budget is per Sender.
type Sender struct {
	API     TelegramAPI
	Log     *slog.Logger
	Metrics *metrics.Metrics
	// MaxRetryAfter caps how long one 429 may hold a reply. Zero: 60 s.
	MaxRetryAfter time.Duration
	// PerSecond is the bot's budget of requests in any one second. Zero: 30.
	PerSecond int
	// PerChatInterval is the pace of one chat after its burst. Zero: 1 s.
	PerChatInterval time.Duration
	// PerChatBurst is how many requests a quiet chat may get at once. Zero: 4.
	PerChatBurst int
	// Attempts bounds the tries of a request failing with a 5xx or a network
	// error (not 429s, which are bounded by MaxRetryAfter). Zero: 4.
	Attempts int
	// Backoff is the first wait before a retry after a 5xx or a network
	// error. Zero: 500 ms.
	Backoff time.Duration
	// Budget, when not nil, is the send budget all replicas of the bot
	// share (Telegram's 30 a second are the bot's): every request takes
	// from it too, live replies first; bulk traffic leaves LiveReserve
	// sends of it to live replies. When it does not answer, the replica's
	// own limits hold alone (counted in BudgetFallbacks).
	Budget pace.Budget
	// LiveReserve is the part of the shared Budget bulk traffic leaves to
	// live replies. Zero: 5.
	LiveReserve int
	// OnSent, when not nil, learns the ID of every message that arrived
	// (document: a file), for the /exit trail. It must not block.
	OnSent func(chat int64, msgID int, document bool)

	once   sync.Once
	lim    *pace.Limiter
	shared *pace.Shared  // nil without Budget
	alone  *pace.Limiter // the bot's pace when Budget does not answer
	log    *slog.Logger
	m      *metrics.Metrics
	// undecoded holds the methods whose undecodable answer was logged.
	undecoded sync.Map
}

func (s *Sender) init() {
	s.once.Do(func() {
		s.log, s.m = s.Log, s.Metrics
		if s.log == nil {
			s.log = slog.New(slog.DiscardHandler)
		}
		if s.m == nil {
			s.m = &metrics.Metrics{}
		}
		perSecond := orDefault(s.PerSecond, DefaultPerSecond)
		guard := perSecond
		if s.Budget != nil {
			// The shared budget keeps the bot's pace; the replica's own
			// window is a guard above it, and alone (a window of its own,
			// without chats) holds when the budget does not answer.
			s.shared = &pace.Shared{Budget: s.Budget, Reserve: orDefault(s.LiveReserve, DefaultLiveReserve), Metrics: s.m, Log: s.log}
			s.alone = pace.New(perSecond, time.Nanosecond, 1<<30, s.m)
			guard = 2 * perSecond
		}
		s.lim = pace.New(guard,
			orDefault(s.PerChatInterval, DefaultPerChatInterval),
			orDefault(s.PerChatBurst, DefaultPerChatBurst),
			s.m)
	})
}

func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Send sends an HTML message as a live reply; it reports whether it arrived.
func (s *Sender) Send(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) bool {
	_, ok := s.sendText(ctx, chatID, text, kb, pace.Live)
	return ok
}

// SendBulk sends an HTML message that nobody is waiting for right now
// (a reminder): it waits behind live replies, in the chat and in the bot's
// budget. It reports whether the message arrived.
func (s *Sender) SendBulk(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) bool {
	_, ok := s.sendText(ctx, chatID, text, kb, pace.Bulk)
	return ok
}

// sendForID sends an HTML message as a live reply and returns its message
// ID, 0 when it did not arrive (alert messages are edited later).
func (s *Sender) sendForID(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) int {
	id, _ := s.sendText(ctx, chatID, text, kb, pace.Live)
	return id
}

// sendText sends an HTML message in lane prio; it returns the message's
// ID (0 when Telegram gave none) and whether it arrived.
func (s *Sender) sendText(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup, prio pace.Priority) (int, bool) {
	id, err := s.sendTextErr(ctx, chatID, text, kb, prio)
	return id, err == nil
}

// SendBulkErr is SendBulk that says why a message did not arrive: the
// error wraps chat.ErrBlocked when the person blocked the bot (403).
func (s *Sender) SendBulkErr(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) error {
	_, err := s.sendTextErr(ctx, chatID, text, kb, pace.Bulk)
	if errors.Is(err, tgbot.ErrorForbidden) {
		return errors.Join(chat.ErrBlocked, err)
	}
	return err
}

func (s *Sender) sendTextErr(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup, prio pace.Priority) (int, error) {
	p := &tgbot.SendMessageParams{ChatID: chatID, Text: text, ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	if kb != nil {
		p.ReplyMarkup = kb
	}
	var sent *models.Message
	err := s.exchange(ctx, "sendMessage", chatID, prio,
		func(ctx context.Context) error {
			m, err := s.API.SendMessage(ctx, p)
			sent = m
			return err
		},
		func() { p.ParseMode, p.Text = "", render.PlainText(text) })
	if err != nil {
		s.m.SendFailures.Add(1)
		s.log.Error("can't send message", "lane", prio.String(), "err", loggable(err))
		return 0, err
	}
	s.m.Sent.Add(1)
	s.sent(chatID, sent, false)
	if sent == nil {
		return 0, nil
	}
	return sent.ID, nil
}

// sent tells OnSent about a message that arrived.
func (s *Sender) sent(chat int64, m *models.Message, document bool) {
	if s.OnSent != nil && m != nil && m.ID != 0 {
		s.OnSent(chat, m.ID, document)
	}
}

// Edit replaces a message; it reports false when the message could not be
// edited (too old, deleted), so the caller sends a new one instead.
func (s *Sender) Edit(ctx context.Context, chatID int64, msgID int, text string, kb *models.InlineKeyboardMarkup) bool {
	p := &tgbot.EditMessageTextParams{ChatID: chatID, MessageID: msgID, Text: text, ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	if kb != nil {
		p.ReplyMarkup = kb
	}
	err := s.exchange(ctx, "editMessageText", chatID, pace.Live,
		func(ctx context.Context) error {
			_, err := s.API.EditMessageText(ctx, p)
			return err
		},
		func() { p.ParseMode, p.Text = "", render.PlainText(text) })
	if err != nil && strings.Contains(err.Error(), "message is not modified") {
		return true
	}
	if err != nil {
		s.log.Info("can't edit message, sending a new one", "err", loggable(err))
		return false
	}
	s.m.Sent.Add(1)
	return true
}

// SendDocument uploads data as a file named filename with an HTML caption
// (may be empty), as a live reply; it reports whether it arrived. Every
// attempt uploads from a fresh reader, so a retry sends the whole file.
func (s *Sender) SendDocument(ctx context.Context, chatID int64, filename string, data []byte, caption string) bool {
	p := &tgbot.SendDocumentParams{ChatID: chatID, Caption: caption}
	if caption != "" {
		p.ParseMode = models.ParseModeHTML
	}
	var sent *models.Message
	err := s.exchange(ctx, "sendDocument", chatID, pace.Live,
		func(ctx context.Context) error {
			p.Document = &models.InputFileUpload{Filename: filename, Data: bytes.NewReader(data)}
			m, err := s.API.SendDocument(ctx, p)
			sent = m
			return err
		},
		func() { p.ParseMode, p.Caption = "", render.PlainText(caption) })
	if err != nil {
		s.m.SendFailures.Add(1)
		s.log.Error("can't send document", "err", loggable(err))
		return false
	}
	s.m.Sent.Add(1)
	s.sent(chatID, sent, true)
	return true
}

// AnswerCallback stops the spinner on a pressed button, with an optional
// short notice. It takes no share of the message budget. As the chat is
// not known here, a 429 on it pauses all requests; prefer AnswerCallbackIn.
func (s *Sender) AnswerCallback(ctx context.Context, id, text string) {
	s.answerCallback(ctx, 0, false, id, text)
}

// AnswerCallbackIn is AnswerCallback for a press in chatID: it waits while
// Telegram holds that chat back (429), and a 429 on it holds back only
// that chat.
func (s *Sender) AnswerCallbackIn(ctx context.Context, chatID int64, id, text string) {
	s.answerCallback(ctx, chatID, true, id, text)
}

func (s *Sender) answerCallback(ctx context.Context, chat int64, hasChat bool, id, text string) {
	s.init()
	p := &tgbot.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text}
	r := s.newRetrier()
	for {
		if waited, err := s.lim.ClearOf(ctx, chat, hasChat); err != nil {
			s.log.Info("can't answer button press", "err", loggable(errors.Join(r.last, err)))
			return
		} else if waited {
			s.m.Throttled.Add(1)
		}
		actx, probe := withProbe(ctx)
		_, err := s.API.AnswerCallbackQuery(actx, p)
		if err == nil {
			return
		}
		wait, again, arrived := r.next(ctx, "answerCallbackQuery", err, probe)
		if arrived {
			return
		}
		switch {
		case wait.block && hasChat:
			s.lim.Block(chat, wait.until)
		case wait.block && again: // a flood 429 without chat; beyond the cap only this call gives up
			s.lim.Pause(wait.until)
		}
		if !again {
			s.log.Info("can't answer button press", "err", loggable(r.last))
			return
		}
	}
}

// exchange runs one send in the chat's order: call is one Bot API request
// and runs once per attempt, each time with a slot from the limiter. plain,
// when not nil, switches the request to plain text after Telegram refused
// its markup; that happens at most once and is not counted as a retry.
func (s *Sender) exchange(ctx context.Context, method string, chat int64, prio pace.Priority, call func(context.Context) error, plain func()) error {
	s.init()
	if err := ctx.Err(); err != nil { // spend no slot on a request that can't go out
		return err
	}
	if err := s.lim.Enter(ctx, chat, prio); err != nil {
		return err
	}
	defer s.lim.Leave(chat)
	r := s.newRetrier()
	for {
		// The chat's own pace, then the shared budget, then the replica's
		// window: a slot of that window is spent when granted and must not
		// be held by a bulk send while it waits for the bot's budget.
		var fellBack bool
		var err error
		if s.shared != nil {
			if err = s.lim.ChatReady(ctx, chat); err == nil {
				fellBack, err = s.shared.Wait(ctx, prio)
			}
		}
		if err == nil && fellBack { // the budget is down: the replica's own one holds
			_, err = s.alone.Take(ctx, 0, prio)
		}
		if err == nil {
			var waited bool
			waited, err = s.lim.Take(ctx, chat, prio)
			if waited {
				s.m.Throttled.Add(1)
			}
		}
		if err != nil {
			return errors.Join(r.last, err)
		}
		actx, probe := withProbe(ctx)
		err = call(actx)
		if err == nil {
			return nil
		}
		if plain != nil && isMarkupError(err) {
			s.log.Warn("markup refused, sending plain text", "method", method)
			plain()
			plain = nil
			continue
		}
		wait, again, arrived := r.next(ctx, method, err, probe)
		if arrived {
			return nil
		}
		if wait.block { // also when giving up: the chat's next sends wait too
			s.lim.Block(chat, wait.until)
		}
		if !again {
			return r.last
		}
	}
}

// retrier decides, failure by failure, whether and when to try again.
type retrier struct {
	s        *Sender
	backoff  time.Duration
	failures int // 5xx and network errors
	limited  int // 429s
	last     error
}

// retryWait says how the next attempt waits: for a 429, the requests of
// the chat (or all) are held back until until; otherwise next already
// slept the backoff.
type retryWait struct {
	block bool
	until time.Time
}

func (s *Sender) newRetrier() *retrier {
	return &retrier{s: s, backoff: orDefault(s.Backoff, DefaultBackoff)}
}

// next reports whether to try again after err, and how to wait; for a 5xx
// or a network error it sleeps the backoff itself. A request is tried again
// only when it can't have arrived, or when it may have but is safe to
// repeat (safeToRepeat). arrived is true when Telegram answered 200 that
// the client could not decode: the call took effect and counts as done.
// p is the failed attempt's probe (see Traced).
func (r *retrier) next(ctx context.Context, method string, err error, p *probe) (wait retryWait, again, arrived bool) {
	s := r.s
	r.last = err
	var tooMany *tgbot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		s.m.RateLimited.Add(1)
		wait := time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
		until := time.Now().Add(wait)
		if limit := orDefault(s.MaxRetryAfter, DefaultMaxRetryAfter); wait > limit {
			s.m.RetryAfterTooLong.Add(1)
			s.log.Error("Telegram asks to wait longer than allowed, giving up", "method", method, "retry_after", wait, "max", limit)
			return retryWait{block: true, until: until}, false, false // still honour it for the next sends
		}
		if r.limited++; r.limited > maxRateLimited {
			return retryWait{block: true, until: until}, false, false
		}
		s.m.Retries.Add(1)
		return retryWait{block: true, until: until}, true, false
	}
	switch classify(ctx, err, p) {
	case refused:
		return retryWait{}, false, false
	case delivered:
		s.undecodedAnswer(method)
		return retryWait{}, false, true
	case uncertain:
		if !safeToRepeat[method] || ctx.Err() != nil {
			s.m.SendsUncertain.Add(1)
			r.last = errors.Join(errUncertain, err)
			return retryWait{}, false, false
		}
	}
	if r.failures++; r.failures >= orDefault(s.Attempts, DefaultAttempts) {
		return retryWait{}, false, false
	}
	s.m.Retries.Add(1)
	d := r.backoff/2 + rand.N(r.backoff/2+1)
	r.backoff = min(2*r.backoff, maxBackoff)
	if err := sleep(ctx, d); err != nil {
		r.last = errors.Join(r.last, err)
		return retryWait{}, false, false
	}
	return retryWait{}, true, false
}

// safeToRepeat are the calls whose second arrival changes nothing (an edit
// to the same text is "not modified", a deleted message is gone, a press
// answered twice is refused): tried again even when the first may have
// arrived.
var safeToRepeat = map[string]bool{
	"editMessageText": true, "editMessageReplyMarkup": true,
	"deleteMessage": true, "deleteMessages": true, "answerCallbackQuery": true,
}

// undecodedAnswer counts a 200 the client could not decode, and logs it
// once per method (never the answer: it holds the message's text).
func (s *Sender) undecodedAnswer(method string) {
	s.m.UndecodedAnswers.Add(1)
	if _, seen := s.undecoded.LoadOrStore(method, true); !seen {
		s.log.Warn("Telegram's answer could not be read; the call took effect and counts as done (logged once per method)", "method", method)
	}
}

func isMarkupError(err error) bool {
	return err != nil && errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "can't parse entities")
}
