package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// The office acts on the domain's sentinel for a link that does not open:
// a malformed token (refused before Redis is asked) and an unknown one
// must both carry it to the bot, which gets storage's Links as it is.
func TestLinksTellBotALinkDoesNotOpen(t *testing.T) {
	t.Parallel()
	codec := testCodec(t)
	var links bot.LinkStore = storage.NewPeople(redistest.Start(t).Client(t), codec, "", time.Now).Links
	for _, tt := range []struct{ name, token string }{
		{"malformed", "not-a-token"},
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAA"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := links.UseLink(context.Background(), tt.token)
			if !errors.Is(err, domain.ErrLinkInvalid) {
				t.Errorf("UseLink: err = %v; want domain.ErrLinkInvalid", err)
			}
		})
	}
}
