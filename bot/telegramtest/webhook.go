package telegramtest

import "encoding/json"

// TakeUpdates removes every queued update and returns them in update_id
// order, as JSON, for a test that delivers them to a webhook itself (in any
// order, as often as it likes). getUpdates no longer sees them.
func (s *Server) TakeUpdates() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]json.RawMessage, len(s.updates))
	for i, u := range s.updates {
		out[i] = u.raw
	}
	s.updates = nil
	s.touchLocked()
	return out
}
