package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// The office acts on the domain's sentinel for a link that does not open:
// a malformed token (refused before Redis is asked) and an unknown one
// must both carry it through the adapter.
func TestPeopleStoreTellsBotALinkDoesNotOpen(t *testing.T) {
	t.Parallel()
	codec, err := storage.NewCodec(mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	p := newPeopleStore(storage.NewPeople(redistest.Start(t).Client(t), codec, "", time.Now))
	for _, tt := range []struct{ name, token string }{
		{"malformed", "not-a-token"},
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAA"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.UseLink(context.Background(), tt.token)
			if !errors.Is(err, domain.ErrLinkInvalid) {
				t.Errorf("UseLink: err = %v; want domain.ErrLinkInvalid", err)
			}
		})
	}
}
