// Package telegramtest is a fake Telegram Bot API server for end-to-end
// tests of the intake bot.
//
// It speaks real HTTP on a loopback address, so production client code runs
// against it unchanged: the go-telegram/bot client
// (bot.New(token, bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())) as well
// as the project's own getUpdates loop. Requests may be multipart/form-data
// (what go-telegram/bot sends), application/json or
// application/x-www-form-urlencoded.
//
// The fake plays both sides of a conversation:
//
//   - towards the bot it answers the Bot API methods a text bot uses
//     (getUpdates with long polling, sendMessage, editMessageText,
//     editMessageReplyMarkup, deleteMessage(s), sendDocument,
//     answerCallbackQuery, sendChatAction, setMyCommands and friends) with
//     Telegram-shaped JSON and Telegram's error texts, and it validates like
//     Telegram where bots commonly trip: HTML markup (package tghtml), the
//     4096 UTF-16 unit limit, callback data over 64 bytes, "message is not
//     modified", answering a callback query twice;
//   - towards the test it offers a person: SendText, SendMedia, PressButton
//     queue updates, and Chat returns the transcript as the person sees it.
//
// Message ids are counted per chat, starting at 1, and shared by the user's
// and the bot's messages, as in a private Telegram chat. Update ids start at
// 1. Every call is recorded (Calls, WaitCall, OnCall, Stats) and SetFault
// injects errors such as 429 Too Many Requests. All methods are safe for
// concurrent use.
//
// Outside tests (a load generator), NewServer starts one without a
// testing.TB, and WithoutHistory keeps its memory bounded over long runs.
package telegramtest

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// The bot's identity, as getMe reports it and as the sender of its messages.
const (
	BotID        int64 = 1000
	BotFirstName       = "Intake"
	BotUsername        = "intake_test_bot"
)

// Server is a fake Telegram Bot API server. Create it with New in a test,
// or NewServer elsewhere.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed when the server shuts down

	mu sync.Mutex
	serverState

	changed chan struct{} // closed and replaced on every change (calls, chats, updates)
	token   string        // required token; "" accepts any
	fault   func(method string, params map[string]string) *Fault
	webhook string // URL of the "set" webhook; see SetWebhookActive
	hooked  bool

	calls []Call // empty WithoutHistory

	updates    []queuedUpdate // not yet confirmed, sorted by id
	nextUpdate int64
	confirmed  int64
	poll       chan struct{} // closed to terminate the running getUpdates

	chats        map[int64]*chat
	langs        map[int64]string          // language_code per user id
	callbacks    map[string]*callbackQuery // unanswered presses
	nextCallback int64
	commands     map[string][]models.BotCommand // by commandKey
}

// Fault is an error the server returns instead of handling a call; see
// SetFault.
type Fault struct {
	// Status is the HTTP status and error_code. Zero means 429 when
	// RetryAfter is set and 500 otherwise.
	Status int
	// Description is the error text. Empty gives Telegram's usual text for
	// the status, e.g. "Too Many Requests: retry after 3" or "Forbidden: bot
	// was blocked by the user".
	Description string
	// RetryAfter, when positive, is sent as "parameters":{"retry_after":N}.
	RetryAfter int
}

// URL is the server's base URL, for bot.WithServerURL; API requests go to
// URL()+"/bot<token>/<method>".
func (s *Server) URL() string { return s.srv.URL }

// SetToken makes the server accept only requests with this bot token;
// others get 401 Unauthorized. The empty token (the default) accepts any.
func (s *Server) SetToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// SetFault installs a function that is asked before every call to a known
// method; when it returns a non-nil Fault the call is answered with that
// error instead of being handled, and recorded with Faulted set. nil
// removes the function. It runs without the server's lock held, so it may
// call the server (e.g. count Calls) and keep state of its own; it may run
// concurrently for concurrent requests.
func (s *Server) SetFault(f func(method string, params map[string]string) *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// SetWebhookActive switches the fake webhook on or off, as setWebhook and
// deleteWebhook do. While it is on, getUpdates answers 409 Conflict. The
// fake never delivers updates to a webhook.
func (s *Server) SetWebhookActive(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooked = on
	if on && s.webhook == "" {
		s.webhook = "https://example.invalid/webhook"
	}
	if !on {
		s.webhook = ""
	}
	s.wakeLocked()
	s.touchLocked()
}

// request is one API call as a handler sees it.
type request struct {
	ctx    context.Context
	params map[string]string
	files  map[string]File
	// kill, for getUpdates, is closed when a later getUpdates arrives.
	kill chan struct{}
}

// response is what a handler answers: a result when status is 200.
type response struct {
	status      int
	result      any
	raw         []byte // a result already in JSON, used instead of result
	description string
	retryAfter  int
}

func okResult(v any) response { return response{status: http.StatusOK, result: v} }

func failure(status int, description string) response {
	return response{status: status, description: description}
}

func badRequest(description string) response {
	return failure(http.StatusBadRequest, "Bad Request: "+description)
}

// methodSpec is a supported API method. Handlers run with s.mu held, except
// those marked unlocked (getUpdates, which long-polls).
type methodSpec struct {
	name     string
	handle   func(s *Server, r *request) response
	unlocked bool
}

// methods maps lower-case method names (Telegram ignores case) to handlers.
var methods = map[string]methodSpec{}

func init() {
	for _, m := range []methodSpec{
		{name: "getUpdates", handle: (*Server).getUpdates, unlocked: true},
		{name: "getMe", handle: (*Server).getMe},
		{name: "setWebhook", handle: (*Server).setWebhook},
		{name: "deleteWebhook", handle: (*Server).deleteWebhook},
		{name: "getWebhookInfo", handle: (*Server).getWebhookInfo},
		{name: "setMyCommands", handle: (*Server).setMyCommands},
		{name: "deleteMyCommands", handle: (*Server).deleteMyCommands},
		{name: "sendChatAction", handle: (*Server).sendChatAction},
		{name: "answerCallbackQuery", handle: (*Server).answerCallbackQuery},
		{name: "sendMessage", handle: (*Server).sendMessage},
		{name: "editMessageText", handle: (*Server).editMessageText},
		{name: "editMessageReplyMarkup", handle: (*Server).editMessageReplyMarkup},
		{name: "deleteMessage", handle: (*Server).deleteMessage},
		{name: "deleteMessages", handle: (*Server).deleteMessages},
		{name: "sendDocument", handle: (*Server).sendDocument},
	} {
		methods[strings.ToLower(m.name)] = m
	}
}

// splitPath splits "/bot<token>/<method>" (also ".../test/<method>", the
// test environment path of go-telegram/bot).
func splitPath(path string) (token, method string, ok bool) {
	rest, found := strings.CutPrefix(path, "/bot")
	if !found {
		return "", "", false
	}
	token, method, found = strings.Cut(rest, "/")
	method = strings.TrimPrefix(method, "test/")
	if !found || token == "" || method == "" || strings.Contains(method, "/") {
		return "", "", false
	}
	return token, method, true
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	token, name, ok := splitPath(r.URL.Path)
	if !ok {
		writeResponse(w, failure(http.StatusNotFound, "Not Found"))
		return
	}
	params, files, parseErr := parseParams(r)
	spec, known := methods[strings.ToLower(name)]
	if known {
		name = spec.name
	}
	call := Call{Method: name, Token: token, Params: params, Files: files, Time: time.Now()}

	s.mu.Lock()
	faultFn, want := s.fault, s.token
	s.mu.Unlock()

	var resp response
	switch {
	case want != "" && token != want:
		resp = failure(http.StatusUnauthorized, "Unauthorized")
	case !known:
		resp = failure(http.StatusNotFound, "Not Found")
	case parseErr != nil:
		resp = badRequest(parseErr.Error())
	case faultFn != nil:
		if f := faultFn(name, maps.Clone(params)); f != nil {
			resp, call.Faulted = f.response(), true
		}
	}

	req := &request{ctx: r.Context(), params: params, files: files}
	s.mu.Lock()
	if resp.status == 0 && spec.unlocked {
		// getUpdates confirms with its offset before it waits: do that in
		// the same step as recording the call, so whoever sees the call
		// also sees the confirmation (getUpdates applies it again, which
		// changes nothing).
		s.confirmOffsetLocked(params)
		// A later poll ends this one, as with Telegram: decided here, in
		// the order the calls are recorded, not when they get to wait.
		if s.poll != nil {
			close(s.poll)
		}
		req.kill = make(chan struct{})
		s.poll = req.kill
	}
	call.Seq = s.recordLocked(call)
	if resp.status == 0 && !spec.unlocked {
		resp = spec.handle(s, req)
	}
	if resp.status != 0 {
		s.finishLocked(call, resp)
	}
	hook := s.onCall
	s.mu.Unlock()

	if resp.status == 0 { // a long poll: handled without the lock
		resp = spec.handle(s, req)
		s.mu.Lock()
		s.finishLocked(call, resp)
		hook = s.onCall
		s.mu.Unlock()
	}
	if hook != nil {
		call.Status = resp.status
		if resp.status != http.StatusOK {
			call.Description = resp.description
		}
		if !s.opts.noHistory {
			call = call.clone() // the log holds the maps too
		}
		hook(call)
	}
	writeResponse(w, resp)
}

func (f *Fault) response() response {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
		if f.RetryAfter > 0 {
			status = http.StatusTooManyRequests
		}
	}
	desc := f.Description
	if desc == "" {
		switch status {
		case http.StatusTooManyRequests:
			desc = "Too Many Requests: retry after " + itoa(int64(f.RetryAfter))
		case http.StatusForbidden:
			desc = "Forbidden: bot was blocked by the user"
		case http.StatusBadRequest:
			desc = "Bad Request"
		default:
			desc = http.StatusText(status)
		}
	}
	return response{status: status, description: desc, retryAfter: f.RetryAfter}
}

type envelope struct {
	OK          bool        `json:"ok"`
	Result      any         `json:"result,omitempty"`
	ErrorCode   int         `json:"error_code,omitempty"`
	Description string      `json:"description,omitempty"`
	Parameters  *errorParam `json:"parameters,omitempty"`
}

type errorParam struct {
	RetryAfter int `json:"retry_after"`
}

func writeResponse(w http.ResponseWriter, resp response) {
	if resp.status == http.StatusOK && resp.raw != nil {
		body := make([]byte, 0, len(resp.raw)+len(`{"ok":true,"result":}`))
		body = append(body, `{"ok":true,"result":`...)
		body = append(body, resp.raw...)
		body = append(body, '}')
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
		return
	}
	env := envelope{OK: resp.status == http.StatusOK}
	if env.OK {
		env.Result = resp.result
	} else {
		env.ErrorCode, env.Description = resp.status, resp.description
		if resp.retryAfter > 0 {
			env.Parameters = &errorParam{RetryAfter: resp.retryAfter}
		}
	}
	body, err := json.Marshal(env)
	if err != nil {
		resp = failure(http.StatusInternalServerError, "Internal Server Error: "+err.Error())
		body, _ = json.Marshal(envelope{ErrorCode: resp.status, Description: resp.description})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	_, _ = w.Write(body)
}

// touchLocked wakes everyone waiting for a change.
func (s *Server) touchLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
