package telegram

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	tgbot "github.com/go-telegram/bot"
)

// The error go-telegram/bot returns for an answer that is not its JSON
// quotes the body whole; loggable never lets it through.
func FuzzLoggable(f *testing.F) {
	f.Add("sendMessage", []byte(`<html>502 Bad Gateway</html>`))
	f.Add("editMessageText", []byte(`{"ok":true,"result":{"text":"Ik voel me niet veilig thuis"`))
	f.Add("sendDocument", []byte("for method x, error decode response body for method y, z"))
	f.Fuzz(func(t *testing.T, method string, body []byte) {
		err := fmt.Errorf("error decode response body for method %s, %s, %w", method, body, errors.New("invalid character"))
		got := loggable(err)
		if secret := strings.TrimSpace(string(body)); len(secret) >= 8 && strings.Contains(got, secret) &&
			!strings.Contains("error decode response body for method "+method+" (body not shown)", secret) {
			t.Fatalf("loggable(%q) = %q holds the body", err, got)
		}
		// classify never panics and never calls a decode failure a 200
		// without a traced status.
		if v := classify(context.Background(), err, &probe{}); v == delivered {
			t.Fatalf("an undecodable body was taken as delivered without a status: %q", err)
		}
	})
}

func TestClassify(t *testing.T) {
	ctx := context.Background()
	traced := func(wrote bool, status int32) *probe {
		p := &probe{}
		p.seen.Store(true)
		p.wrote.Store(wrote)
		p.status.Store(status)
		return p
	}
	reset := fmt.Errorf("error do request for method sendMessage, %w", syscall.ECONNRESET)
	tests := []struct {
		name string
		err  error
		p    *probe
		want verdict
	}{
		{"reset before the request was written", reset, traced(false, 0), notDelivered},
		{"reset after it was written", reset, traced(true, 0), uncertain},
		{"reset, client not traced", reset, &probe{}, uncertain},
		{"refused, client not traced", fmt.Errorf("error do request for method sendMessage, %w", syscall.ECONNREFUSED), &probe{}, notDelivered},
		{"200 whose body does not decode", errors.New("error decode response body for method sendMessage, <x>, invalid"), traced(true, 200), delivered},
		{"502 page of a proxy", errors.New("error decode response body for method sendMessage, <html>, invalid"), traced(true, 502), notDelivered},
		{"200 cut in the body", errors.New("error read response body for method sendMessage, unexpected EOF"), traced(true, 200), delivered},
		{"result of another shape", errors.New("error decode response result for method sendMessage, json: cannot unmarshal"), &probe{}, delivered},
		{"500", errors.New("error response from telegram for method sendMessage, 500 Internal Server Error"), traced(true, 500), notDelivered},
		{"400", fmt.Errorf("%w, chat not found", tgbot.ErrorBadRequest), traced(true, 400), refused},
		{"413", errors.New("error response from telegram for method sendDocument, 413 Request Entity Too Large"), traced(true, 413), refused},
	}
	for _, tc := range tests {
		if got := classify(ctx, tc.err, tc.p); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if got := classify(done, reset, traced(false, 0)); got != refused {
		t.Errorf("after the caller's context ended, nothing written: %d", got)
	}
	if got := classify(done, context.Canceled, traced(true, 0)); got != uncertain {
		t.Errorf("the caller's context ended after the request was written: %d", got)
	}
}
