package telegram

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	tgbot "github.com/go-telegram/bot"
)

// Traced returns a copy of c whose transport tells the Sender, for each of
// its Bot API requests, whether the request was written out and which
// status came back. With it the sender knows a request that can't have
// arrived (retried) from one that may have (retried only when safe to
// repeat), and a 200 it could not decode from a proxy's error page. Give
// it to the Bot API client: tgbot.WithHTTPClient(timeout, Traced(c)).
// Requests of others (the poller) pass through unchanged.
func Traced(c *http.Client) *http.Client {
	cp := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cp.Transport = &tracedTransport{base: base}
	return &cp
}

type tracedTransport struct{ base http.RoundTripper }

func (t *tracedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p, _ := req.Context().Value(probeKey{}).(*probe)
	if p == nil {
		return t.base.RoundTrip(req)
	}
	p.seen.Store(true)
	ctx := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				p.wrote.Store(true)
			}
		},
	})
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if resp != nil {
		p.status.Store(int32(resp.StatusCode))
	}
	return resp, err
}

// probe is what the traced transport learned of one attempt.
type probe struct {
	seen   atomic.Bool  // the attempt went through a traced transport
	wrote  atomic.Bool  // the whole request was written
	status atomic.Int32 // the answer's HTTP status, 0 without one
}

type probeKey struct{}

func withProbe(ctx context.Context) (context.Context, *probe) {
	p := &probe{}
	return context.WithValue(ctx, probeKey{}, p), p
}

// verdict is what a failed attempt means for the message.
type verdict int

const (
	// notDelivered: the request can't have been acted on (a 5xx, a
	// connection refused, broken before the request was written); try
	// again.
	notDelivered verdict = iota
	// delivered: Telegram answered 200 but the client could not read or
	// decode the answer; the call took effect.
	delivered
	// uncertain: the request was written and the answer lost (a timeout,
	// a connection cut); it may have taken effect.
	uncertain
	// refused: Telegram said no (4xx), or the caller's context ended.
	refused
)

// statusText matches go-telegram/bot's error for answers it has no
// sentinel for (5xx, and 4xx other than 400, 401, 403, 404, 409, 429).
var statusText = regexp.MustCompile(`error response from telegram for method \S+, (\d{3}) `)

// classify says what err from one attempt means; p is that attempt's
// probe. 429s are handled before. go-telegram/bot reports (raw_request.go):
// "error do request" (the HTTP client failed: nothing or no answer came
// back), "error read response body", "error decode response body" (not
// Telegram's envelope), "error decode response result" (ok:true, but the
// result has another shape), a sentinel for 400/401/403/404/409, and
// "error response from telegram ..., <code>" for the rest.
func classify(ctx context.Context, err error, p *probe) verdict {
	if ctx.Err() != nil { // the caller gave up: no more tries either way
		if p.seen.Load() && p.wrote.Load() && p.status.Load() == 0 {
			return uncertain
		}
		return refused
	}
	msg := err.Error()
	if strings.Contains(msg, "error decode response result for method") {
		return delivered // the envelope said ok:true
	}
	for _, e := range []error{tgbot.ErrorBadRequest, tgbot.ErrorForbidden, tgbot.ErrorUnauthorized,
		tgbot.ErrorNotFound, tgbot.ErrorConflict} {
		if errors.Is(err, e) {
			return refused
		}
	}
	var migrate *tgbot.MigrateError
	if errors.As(err, &migrate) {
		return refused
	}
	if m := statusText.FindStringSubmatch(msg); m != nil {
		if code, _ := strconv.Atoi(m[1]); code >= 500 {
			return notDelivered
		}
		return refused
	}
	if p.seen.Load() {
		switch status := p.status.Load(); {
		case status == http.StatusOK:
			return delivered
		case status >= 500 || status == http.StatusTooManyRequests:
			return notDelivered // a proxy's error page: not Telegram's JSON
		case status != 0:
			return refused
		case !p.wrote.Load():
			return notDelivered
		default:
			return uncertain
		}
	}
	// A client without Traced: only what the error itself proves.
	var dns *net.DNSError
	if errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dns) {
		return notDelivered
	}
	return uncertain
}

// errUncertain marks a send given up because it may have arrived.
var errUncertain = errors.New("the answer was lost after the request was written; not sent again")

// loggable is err's text without what may hold a person's words:
// go-telegram/bot quotes an undecodable answer whole.
func loggable(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	if i := strings.Index(msg, "error decode response body for method"); i >= 0 {
		rest := msg[i+len("error decode response body for method "):]
		method, _, _ := strings.Cut(rest, ",")
		return msg[:i] + "error decode response body for method " + method + " (body not shown)"
	}
	return msg
}
