package storage

import (
	"context"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

// ChangeCase writes the plain fields and the sealed copy alike.
func TestChangeCaseWritesThePlainFieldsToo(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	mustSaveCase(t, p, domain.Case{Key: "8301", Director: 100, FirstName: "Ada", Linked: fixedNow})
	acked, escalated := fixedNow.Add(2*time.Hour), fixedNow.Add(4*time.Hour)
	ok, err := p.Cases.ChangeCase(ctx, "8301", func(c *domain.Case) bool {
		c.Acknowledged, c.AckBy, c.Escalated = acked, 100, escalated
		return true
	})
	if err != nil || !ok {
		t.Fatalf("ChangeCase = %v, %v", ok, err)
	}
	for f, want := range map[string]string{"acknowledged": itoa(acked.Unix()), "escalated": itoa(escalated.Unix())} {
		if v := e.client.HGet(ctx, L("t:case:8301"), f).Val(); v != want {
			t.Errorf("plain %s = %q, want %q", f, v, want)
		}
	}
}
