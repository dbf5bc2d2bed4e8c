package telegramtest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/intakebot/intakebot/bot/telegramtest/floodlimit"
)

// Limits are the flood limits a server made WithLimits enforces the way
// Telegram does (see package floodlimit): past them a sendMessage,
// sendDocument, editMessageText or editMessageReplyMarkup is answered 429
// Too Many Requests with parameters.retry_after, and has no effect.
type Limits = floodlimit.Limits

// TelegramLimits are Telegram's: about 30 messages a second per bot, about
// one a second per chat after a short burst, 20 a minute per group.
var TelegramLimits = floodlimit.Telegram

// WithLimits makes the server enforce l (zero fields take TelegramLimits'
// values). Without it the server never limits.
func WithLimits(l Limits) Option {
	return func(o *serverOptions) { o.limits = floodlimit.New(l) }
}

// admit answers the 429 of a call past the limits.
func (s *state) admit(method string, params map[string]string, now time.Time) (response, bool) {
	if s.opts.limits == nil {
		return response{}, true
	}
	secs, ok := s.opts.limits.Admit(method, params["chat_id"], now)
	if ok {
		return response{}, true
	}
	return response{status: http.StatusTooManyRequests, retryAfter: secs,
		description: "Too Many Requests: retry after " + strconv.Itoa(secs)}, false
}
