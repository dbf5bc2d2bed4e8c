package telegramtest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

// Each spoiled answer still delivers the message; only the client's view
// of it suffers.
func TestSpoiledAnswersStillDeliver(t *testing.T) {
	tests := []struct {
		name    string
		fault   telegramtest.Fault
		wantErr string
	}{
		{"odd body", telegramtest.Fault{Spoil: telegramtest.SpoilOddBody}, "error decode response result for method sendMessage"},
		{"cut", telegramtest.Fault{Spoil: telegramtest.SpoilCut}, "error do request for method sendMessage"},
		{"slow", telegramtest.Fault{Spoil: telegramtest.SpoilSlow, Delay: 2 * time.Second}, "Client.Timeout exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := telegramtest.New(t)
			b := newClient(t, srv, bot.WithHTTPClient(time.Minute, &http.Client{Timeout: 200 * time.Millisecond}))
			srv.SetFault(func(method string, _ map[string]string) *telegramtest.Fault {
				if method == "sendMessage" {
					return &tc.fault
				}
				return nil
			})
			msg, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: chatID, Text: "hallo"})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
			if tc.fault.Spoil == telegramtest.SpoilOddBody && (msg == nil || msg.ID != 1) {
				t.Errorf("odd body: the client still decodes what it can, got %+v", msg)
			}
			if tc.fault.Spoil == telegramtest.SpoilSlow && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("slow: err = %v, want a deadline", err)
			}
			if msgs := srv.Chat(chatID); len(msgs) != 1 || msgs[0].Text != "hallo" {
				t.Fatalf("chat: %s", telegramtest.FormatTranscript(msgs))
			}
			if calls := srv.CallsTo("sendMessage"); len(calls) != 1 || !calls[0].Faulted || !calls[0].OK() {
				t.Errorf("calls = %+v", calls)
			}
		})
	}
	t.Run("odd boolean", func(t *testing.T) {
		srv := telegramtest.New(t)
		b := newClient(t, srv)
		srv.SetFault(func(string, map[string]string) *telegramtest.Fault {
			return &telegramtest.Fault{Spoil: telegramtest.SpoilOddBody}
		})
		if _, err := b.DeleteMyCommands(context.Background(), &bot.DeleteMyCommandsParams{}); err == nil || !strings.Contains(err.Error(), "error decode response result") {
			t.Fatalf("err = %v", err)
		}
	})
}
