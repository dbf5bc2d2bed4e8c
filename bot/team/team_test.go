package team_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/team"
	"github.com/intakebot/intakebot/dialog"
)

type staffStore map[int64]domain.StaffMember

func (s staffStore) Staff(_ context.Context, id int64) (domain.StaffMember, bool, error) {
	if id == 666 {
		return domain.StaffMember{}, false, errors.New("redis down")
	}
	m, ok := s[id]
	return m, ok, nil
}

type languages struct{}

func (languages) MatchLanguage(code string) string {
	if code == "en" {
		return "en"
	}
	return "nl"
}

type auditStore struct{ entries []domain.AuditEntry }

func (a *auditStore) Audit(_ context.Context, e domain.AuditEntry) error {
	a.entries = append(a.entries, e)
	return nil
}

func TestDirectoryNamesStaffAndTheirLanguage(t *testing.T) {
	d := team.Directory{Staff: staffStore{
		1: {UserID: 1, Role: domain.RoleDirector, Name: "Sanne", Lang: "en"},
		2: {UserID: 2, Role: domain.RoleCounsellor, Name: "Fatima"},
	}, Languages: languages{}}
	ctx := context.Background()
	if d.Lang(ctx, 1) != "en" || d.Lang(ctx, 2) != "nl" || d.Lang(ctx, 3) != "nl" || d.Lang(ctx, 666) != "nl" {
		t.Error("languages of staff, of an admin who is no staff member, and with the store down")
	}
	if d.Name(ctx, 1) != "Sanne" || textID(d.Name(ctx, 3)) != "alert.an_admin" {
		t.Error("names")
	}
	if m, ok, err := d.Director(ctx, domain.Case{Director: 1}); err != nil || !ok || m.Name != "Sanne" {
		t.Errorf("director: %v %v %v", m, ok, err)
	}
	// A counsellor or someone revoked is not a director of the case.
	for _, c := range []domain.Case{{Director: 2}, {Director: 3}, {}} {
		if _, ok, _ := d.Director(ctx, c); ok {
			t.Errorf("%d counts as director", c.Director)
		}
		if textID(d.DirectorName(ctx, c)) != "ack.no_director" {
			t.Errorf("name of no director for %d", c.Director)
		}
	}
	if _, _, err := d.Director(ctx, domain.Case{Director: 666}); err == nil {
		t.Error("a store error is hidden")
	}
	if d.SessionLang(dialog.Session{}) != "nl" || d.SessionLang(dialog.Session{Lang: "en"}) != "en" {
		t.Error("session language")
	}
	if got := (team.Directory{}).CrisisLines("16_17"); got.ID != "help.crisis.nl" {
		t.Errorf("crisis lines without a country: %s", got.ID)
	}
	if textID(team.Who("")) != "invite.someone" || team.Who("Sam") != "Sam" {
		t.Error("who")
	}
}

// The trail keeps who did what to which intake as a pseudonym, and the
// young person's own actions as actor 0: an entry may outlive their data.
func TestAuditorKeepsPseudonymsAndHidesTheYoungPerson(t *testing.T) {
	store := &auditStore{}
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	p := chat.NewPseudonyms([]byte("k"))
	a := team.Auditor{Store: store, Pseudonyms: p, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	ctx := context.Background()
	a.Record(ctx, 4242, "data.exported", "4242")
	a.Record(ctx, 42, "summary.opened", "4242")
	if len(store.entries) != 2 {
		t.Fatalf("%d entries", len(store.entries))
	}
	own, staff := store.entries[0], store.entries[1]
	if own.Actor != 0 || staff.Actor != 42 {
		t.Errorf("actors %d and %d", own.Actor, staff.Actor)
	}
	if own.Case != p.Of(4242) || staff.Case != p.Of(4242) || own.Case == "4242" {
		t.Errorf("cases %q and %q", own.Case, staff.Case)
	}
	if !own.At.Equal(now) || own.Action != "data.exported" {
		t.Errorf("entry %+v", own)
	}
}

// textID is the text ID of a name that is a text (not a person's name).
func textID(v any) string {
	t, _ := v.(dialog.Text)
	return t.ID
}
