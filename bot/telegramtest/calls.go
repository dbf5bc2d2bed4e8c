package telegramtest

import (
	"maps"
	"strings"
	"testing"
	"time"
)

// Call is one API request the server received.
type Call struct {
	// Seq is the call's position in Calls(), from 0. To wait for a call
	// after some point, remember len(Calls()) and match Seq >= it. Without
	// history it still counts the calls in order of arrival.
	Seq int
	// Method is the method name with Telegram's spelling (e.g. "sendMessage")
	// whatever case the client used; unknown methods keep the client's
	// spelling.
	Method string
	// Token is the bot token from the URL.
	Token string
	// Params are the request parameters. JSON values that are not strings
	// (numbers, objects such as reply_markup) appear as compact JSON text.
	Params map[string]string
	// Files are the uploaded files of a multipart request, by field name.
	Files map[string]File
	// Time is when the request arrived.
	Time time.Time
	// Faulted is set when the call was answered by a Fault from SetFault.
	Faulted bool
	// Status is the HTTP status (and error_code) of the answer, or 0 while
	// the call is still running (a long-polling getUpdates).
	Status int
	// Description is the error description when Status is not 200.
	Description string
}

// OK reports whether the call was answered successfully.
func (c Call) OK() bool { return c.Status == 200 }

func (c Call) clone() Call {
	c.Params = maps.Clone(c.Params)
	c.Files = maps.Clone(c.Files)
	return c
}

// recordLocked logs a call that arrived and returns its Seq. Without
// history only the number is kept.
func (s *state) recordLocked(c Call) int {
	c.Seq = s.seq
	s.seq++
	if s.opts.noHistory {
		return c.Seq
	}
	s.calls = append(s.calls, c)
	s.touchLocked()
	return c.Seq
}

// finishLocked records the answer of call c.
func (s *state) finishLocked(c Call, resp response) {
	s.countLocked(c.Method, resp)
	if s.opts.noHistory {
		return
	}
	s.calls[c.Seq].Status = resp.status
	if resp.status != 200 {
		s.calls[c.Seq].Description = resp.description
	}
	s.touchLocked()
}

// Calls returns every recorded call in order of arrival. Calls with an
// unknown method, a wrong token or a fault are recorded too. A server made
// WithoutHistory records none; see Stats and OnCall.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.clone()
	}
	return out
}

// CallsTo returns the recorded calls of one method (compared without
// regard to case) in order of arrival.
func (s *Server) CallsTo(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if strings.EqualFold(c.Method, method) {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall waits until a recorded call satisfies match (nil matches any)
// and returns the first such call; calls recorded before WaitCall was
// called count too. A non-long-poll call is only seen once its effects (a
// new message, an edit) are visible in Chat; a getUpdates call once its
// offset has confirmed updates (ConfirmedOffset). On timeout it fails the test
// with the list of recorded methods, so call it from the test goroutine.
func (s *Server) WaitCall(tb testing.TB, timeout time.Duration, match func(Call) bool) Call {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		calls := s.Calls()
		for _, c := range calls {
			if match == nil || match(c) {
				return c
			}
		}
		select {
		case <-ch:
		case <-timer.C:
			tb.Fatalf("telegramtest: no matching call within %v; recorded: %s", timeout, describeCalls(calls))
			return Call{}
		}
	}
}

func describeCalls(calls []Call) string {
	if len(calls) == 0 {
		return "none"
	}
	parts := make([]string, len(calls))
	for i, c := range calls {
		parts[i] = c.Method
		if c.Status != 0 && c.Status != 200 {
			parts[i] += "(" + itoa(int64(c.Status)) + ")"
		}
	}
	return strings.Join(parts, ", ")
}
