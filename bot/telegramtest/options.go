package telegramtest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/go-telegram/bot/models"
)

// Option changes how NewServer (or New) sets up a server.
type Option func(*serverOptions)

type serverOptions struct {
	addr      string
	noHistory bool
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
	s := &Server{
		serverState: serverState{opts: o, arrived: make(chan struct{}), stats: map[string]*MethodStats{}},
		done:        make(chan struct{}),
		changed:     make(chan struct{}),
		nextUpdate:  1,
		chats:       map[int64]*chat{},
		langs:       map[int64]string{},
		callbacks:   map[string]*callbackQuery{},
		commands:    map[string][]models.BotCommand{},
	}
	handler := http.HandlerFunc(s.serveHTTP)
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

// MethodStats are the counts of one method.
type MethodStats struct {
	Calls  int64 // answered calls
	Failed int64 // answered with an error status (faults included)
	// Errors counts the failures by description (at most maxErrorKinds
	// different ones; the rest count under "other").
	Errors map[string]int64
}

const maxErrorKinds = 64

// Stats are the server's running counts. They are kept with and without
// history.
type Stats struct {
	Methods   map[string]MethodStats // by method name, as in Call.Method
	Updates   int64                  // updates queued since the start
	Pending   int                    // queued and not confirmed
	Confirmed int64                  // ConfirmedOffset
	Chats     int                    // chats the server knows
	// Unanswered is the number of button presses the bot has not answered.
	Unanswered int
	// Polling is set while a getUpdates long poll waits.
	Polling bool
}

// Stats returns a copy of the running counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Methods: make(map[string]MethodStats, len(s.stats)), Updates: s.nextUpdate - 1,
		Pending: len(s.updates), Confirmed: s.confirmed, Chats: len(s.chats), Unanswered: len(s.callbacks),
		Polling: s.poll != nil,
	}
	for name, m := range s.stats {
		c := *m
		c.Errors = make(map[string]int64, len(m.Errors))
		for k, v := range m.Errors {
			c.Errors[k] = v
		}
		st.Methods[name] = c
	}
	return st
}

// countLocked adds an answered call to the stats.
func (s *Server) countLocked(method string, resp response) {
	m := s.stats[method]
	if m == nil {
		if len(s.stats) >= maxErrorKinds*4 { // unknown methods a client made up
			method = "other"
			if m = s.stats[method]; m == nil {
				m = &MethodStats{}
				s.stats[method] = m
			}
		} else {
			m = &MethodStats{}
			s.stats[method] = m
		}
	}
	m.Calls++
	if resp.status == http.StatusOK {
		return
	}
	m.Failed++
	if m.Errors == nil {
		m.Errors = map[string]int64{}
	}
	desc := resp.description
	if _, ok := m.Errors[desc]; !ok && len(m.Errors) >= maxErrorKinds {
		desc = "other"
	}
	m.Errors[desc]++
}

// serverState is the part of Server that options.go looks after. opts is
// fixed at the start; the rest but closeOnce is guarded by Server.mu.
type serverState struct {
	opts      serverOptions
	closeOnce sync.Once
	arrived   chan struct{} // closed and replaced when getUpdates may have news
	onCall    func(Call)
	seq       int // calls recorded, with or without history
	stats     map[string]*MethodStats
}

// wakeLocked wakes a waiting getUpdates: an update arrived or the webhook
// changed. Other changes (messages, calls) do not concern it.
func (s *Server) wakeLocked() {
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// trimLocked forgets the oldest messages of a chat beyond KeptMessages when
// the server keeps no history.
func (s *Server) trimLocked(c *chat) {
	if !s.opts.noHistory || len(c.msgs) <= KeptMessages {
		return
	}
	drop := len(c.msgs) - KeptMessages
	for _, m := range c.msgs[:drop] {
		delete(c.byID, m.id)
	}
	c.msgs = slices.Delete(c.msgs, 0, drop)
}
