package telegramtest

import "net/http"

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
	// TooMany counts the calls answered 429 Too Many Requests: past the
	// limits of WithLimits, or by a fault.
	TooMany int64
}

// Stats returns a copy of the running counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{
		Methods: make(map[string]MethodStats, len(s.stats)), Updates: s.nextUpdate - 1,
		Pending: len(s.updates), Confirmed: s.confirmed, Chats: len(s.chats), Unanswered: len(s.callbacks),
		Polling: s.poll != nil, TooMany: s.tooMany,
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
func (s *state) countLocked(method string, resp response) {
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
	if resp.status == http.StatusTooManyRequests {
		s.tooMany++
	}
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
