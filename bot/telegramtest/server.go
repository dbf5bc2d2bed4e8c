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
//
// The code is laid out by the side it serves: Server is the test's side
// (this file, person.go, transcript.go and the public parts of updates.go,
// calls.go and stats.go); botAPI is the bot's side, the HTTP front (api.go)
// and one handler per Bot API method (messages.go, updates.go, misc.go);
// both work on the shared state (state.go) under its one lock.
package telegramtest

import (
	"fmt"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/telegramtest/floodlimit"
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
	srv *httptest.Server
	*state
}

// Option changes how NewServer (or New) sets up a server.
type Option func(*serverOptions)

type serverOptions struct {
	addr      string
	noHistory bool
	limits    *floodlimit.Gate // nil: no flood limits
}

// WithAddr makes the server listen on addr (e.g. "127.0.0.1:8081") instead
// of a free loopback port, so a bot started by hand can be pointed at it.
func WithAddr(addr string) Option {
	return func(o *serverOptions) { o.addr = addr }
}

// KeptMessages is how many messages per chat a server made WithoutHistory
// keeps.
const KeptMessages = 16

// WithoutHistory bounds the server's memory for long runs such as a load
// test: the call log is not kept (Calls, CallsTo and WaitCall see nothing;
// Stats and OnCall still count and see every call), and each chat keeps
// only its last KeptMessages messages (Chat, History and LastBotMessage
// show those). An edit, delete or button press of an older message is
// treated as one of a message that does not exist.
func WithoutHistory() Option {
	return func(o *serverOptions) { o.noHistory = true }
}

// NewServer starts a fake server, on a free loopback port unless WithAddr
// says otherwise, for use outside tests (a load generator, a manual run).
// Close stops it.
func NewServer(opts ...Option) (*Server, error) {
	var o serverOptions
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{state: newState(o)}
	handler := &botAPI{state: s.state}
	if o.addr == "" {
		s.srv = httptest.NewServer(handler)
		return s, nil
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, fmt.Errorf("telegramtest: can't listen on %s: %w", o.addr, err)
	}
	s.srv = httptest.NewUnstartedServer(handler)
	_ = s.srv.Listener.Close()
	s.srv.Listener = ln
	s.srv.Start()
	return s, nil
}

// New starts a fake server on a loopback address and closes it when the
// test ends. Long polls still waiting then return an empty result at once.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server: waiting long polls return an empty result at
// once, and Close returns when every request in flight has been answered.
// Calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.srv.Close()
	})
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
	// Spoil, when not SpoilNone, lets the call be handled as usual (the
	// message arrives in the chat) and spoils only the answer, the way a
	// real network or a changed Bot API does; Status, Description and
	// RetryAfter are then ignored.
	Spoil Spoil
	// Delay is how long SpoilSlow holds the answer back. Zero: 10 s.
	Delay time.Duration
}

// Spoil is what happens to the answer of a call that was handled.
type Spoil int

const (
	// SpoilNone answers with the Fault's error instead of handling the call.
	SpoilNone Spoil = iota
	// SpoilOddBody answers 200 with valid JSON of a shape the client does
	// not expect, as when Telegram adds or changes fields: "date" becomes a
	// string, a new object field appears, a boolean result becomes an
	// object.
	SpoilOddBody
	// SpoilCut closes the connection without a word once the request was
	// read and handled.
	SpoilCut
	// SpoilSlow answers only after Delay (or when the client hangs up or
	// the server closes), to go past the client's timeout.
	SpoilSlow
)

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

// OnCall installs a function that is called once for every API request the
// server answers, with the call as recorded (Status set), after its effects
// are visible (in Chat, LastBotMessage, Stats) and before the answer is
// written to the client. It runs without the server's lock held, so it may
// call the server; it runs on the request's goroutine, so it should be
// quick, and it may run concurrently for concurrent requests, in any order.
// nil removes it. The Call's maps belong to the function.
func (s *Server) OnCall(f func(Call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onCall = f
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
