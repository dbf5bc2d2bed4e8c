package telegramtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// callbackQuery is a button press the bot has not answered yet. Answered
// ones are forgotten: a second answer then finds no query, and Telegram
// gives the same error for both.
type callbackQuery struct {
	seq int64 // order of the presses
}

// chatActions are the actions sendChatAction accepts.
var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true,
	"choose_sticker": true, "find_location": true, "record_video_note": true,
	"upload_video_note": true,
}

func (a *botAPI) getMe(*request) response {
	me := botUser()
	me.CanJoinGroups = true
	return okResult(me)
}

func (a *botAPI) setWebhook(r *request) response {
	u := strings.TrimSpace(r.params["url"])
	if u != "" && !strings.HasPrefix(u, "https://") {
		return badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	a.webhook, a.hooked = u, u != ""
	a.wakeLocked()
	a.touchLocked()
	return okResult(true)
}

func (a *botAPI) deleteWebhook(r *request) response {
	a.webhook, a.hooked = "", false
	a.wakeLocked()
	if boolParam(r.params, "drop_pending_updates") {
		a.updates = nil
		a.confirmed = max(a.confirmed, a.nextUpdate)
	}
	a.touchLocked()
	return okResult(true)
}

func (a *botAPI) getWebhookInfo(*request) response {
	return okResult(models.WebhookInfo{URL: a.webhook, PendingUpdateCount: len(a.updates)})
}

// commandKey names a (scope, language) pair; the default scope has an
// empty scope part.
func commandKey(scope, lang string) string {
	var v struct {
		Type string `json:"type"`
	}
	if json.Unmarshal([]byte(scope), &v) == nil && v.Type == "default" {
		scope = ""
	}
	var buf bytes.Buffer
	if scope != "" && json.Compact(&buf, []byte(scope)) == nil {
		scope = buf.String()
	}
	return scope + "|" + lang
}

func (a *botAPI) setMyCommands(r *request) response {
	var cmds []models.BotCommand
	if json.Unmarshal([]byte(r.params["commands"]), &cmds) != nil {
		return badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !validCommand(c.Command) {
			return badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(c.Description)); n == 0 || n > 256 {
			return badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	a.commands[commandKey(r.params["scope"], r.params["language_code"])] = cmds
	a.touchLocked()
	return okResult(true)
}

// validCommand: 1-32 characters, lower-case English letters, digits and
// underscores (the Bot API's rule; no leading slash).
func validCommand(c string) bool {
	if c == "" || len(c) > 32 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if b := c[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

func (a *botAPI) deleteMyCommands(r *request) response {
	delete(a.commands, commandKey(r.params["scope"], r.params["language_code"]))
	a.touchLocked()
	return okResult(true)
}

// Commands returns the commands set with setMyCommands for the default
// scope and this language code ("" for all languages), nil if none. Other
// scopes are only visible through Calls.
func (s *Server) Commands(languageCode string) []models.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]models.BotCommand(nil), s.commands[commandKey("", languageCode)]...)
}

func (a *botAPI) sendChatAction(r *request) response {
	if _, fail := a.chatParam(r.params, true); fail != nil {
		return *fail
	}
	if !chatActions[r.params["action"]] {
		return badRequest("wrong parameter action in request")
	}
	return okResult(true)
}

// answerCallbackQuery accepts one answer per query the fake handed out;
// an unknown id or a second answer is refused, as Telegram refuses late
// answers.
func (a *botAPI) answerCallbackQuery(r *request) response {
	id := r.params["callback_query_id"]
	if a.callbacks[id] == nil {
		return badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	delete(a.callbacks, id)
	a.touchLocked()
	return okResult(true)
}

// Unanswered returns the ids of callback queries (from PressButton) the bot
// has not answered, in the order they were made. Telegram clients show a
// spinner on the button until the answer comes.
func (s *Server) Unanswered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id := range s.callbacks {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(s.callbacks[a].seq, s.callbacks[b].seq) })
	return out
}
