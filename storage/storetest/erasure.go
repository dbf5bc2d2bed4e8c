package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

var erasureContract = []contract{
	{"EraseTracesAndCaseLinks", eraseTracesAndCaseLinks},
}

func eraseTracesAndCaseLinks(t *testing.T, open Open) {
	s := open(t, Config{})
	ctx := t.Context()
	now := now(s)
	const user, director = int64(4711), int64(9)
	key := strconv.FormatInt(user, 10)

	// What the person leaves: failed links, a pending staff link, a trail,
	// an urgent alert, a re-attach link, beside another person's things
	// that must stay.
	for _, id := range []int64{user, 4712} {
		if _, err := s.Links.LinkFailure(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	staffLink := domain.Link{Kind: domain.LinkStaff, Role: domain.RoleCounsellor, Created: now, Expires: now.Add(time.Hour)}
	if err := s.Staff.SetPendingStaff(ctx, user, staffLink); err != nil {
		t.Fatal(err)
	}
	if err := s.Trail.Push(ctx, map[string][]string{key: {"1:1"}, "4712": {"2:2"}}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{key, "4712"} {
		a := domain.Alert{Key: k, Kind: dialog.AlertUrgent, Started: now}
		if _, _, err := s.Alerts.OpenAlert(ctx, a, now.Add(-time.Minute), 24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	relink := mustCreateLink(t, s, domain.Link{Kind: domain.LinkInvite, Director: director, CaseKey: key, FirstName: "Sam", Created: now, Expires: now.Add(time.Hour)})
	otherRelink := mustCreateLink(t, s, domain.Link{Kind: domain.LinkInvite, Director: director, CaseKey: "4712", Created: now, Expires: now.Add(time.Hour)})
	invite := mustCreateLink(t, s, inviteLink(director, "Noor", now))

	if err := s.Erasure.EraseTraces(ctx, user, key); err != nil {
		t.Fatal(err)
	}
	n, err := s.Links.DeleteCaseLinks(ctx, key, director, 0, 12345)
	if err != nil || n != 1 {
		t.Fatalf("DeleteCaseLinks = %d, %v; want 1 link deleted", n, err)
	}
	// Again: nothing left, not an error.
	if n, err := s.Links.DeleteCaseLinks(ctx, key, director); err != nil || n != 0 {
		t.Fatalf("DeleteCaseLinks again = %d, %v", n, err)
	}
	if err := s.Erasure.EraseTraces(ctx, user, key); err != nil {
		t.Fatalf("EraseTraces again: %v", err)
	}

	if n, _ := s.Links.LinkFailures(ctx, user); n != 0 {
		t.Errorf("%d failed links survived", n)
	}
	if _, ok, _ := s.Staff.TakePendingStaff(ctx, user); ok {
		t.Error("the pending staff link survived")
	}
	if _, ok, _ := s.Alerts.Alert(ctx, key); ok {
		t.Error("the alert survived")
	}
	claimed, err := s.Alerts.ClaimAlerts(ctx, now, time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0] != "4712" {
		t.Errorf("ClaimAlerts = %v, %v; want only the other person's alert: the erased one's due time survived", claimed, err)
	}
	if n, _ := s.Links.LinkFailures(ctx, 4712); n != 1 {
		t.Error("another person's failed links were erased")
	}
	if _, ok, _ := s.Alerts.Alert(ctx, "4712"); !ok {
		t.Error("another person's alert was erased")
	}
	if got, _ := s.Trail.Take(ctx, "4712"); len(got) != 1 {
		t.Error("another person's trail was erased")
	}
	if got, _ := s.Trail.Take(ctx, key); len(got) != 0 {
		t.Errorf("the trail survived: %v", got)
	}
	if _, err := s.Links.UseLink(ctx, relink); err == nil {
		t.Error("the re-attach link still works")
	}
	for _, tok := range []string{otherRelink, invite} {
		if _, err := s.Links.UseLink(ctx, tok); err != nil {
			t.Errorf("another link was deleted: %v", err)
		}
	}
}
