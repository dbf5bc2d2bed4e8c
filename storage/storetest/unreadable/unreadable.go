// Package unreadable is the part of the stores' contract (package
// storetest) about records that do not open: a read says so
// (domain.ErrUnreadable, never "not found", so nobody mistakes one for a
// new conversation), a list leaves the entry out and reports it, and the
// record can be set aside so that its key starts anew. It needs
// storetest.Stores.Damage and ReportSkipped, and runs beside storetest.Run.
package unreadable

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/storetest"
)

// Run runs these behaviours against the stores open makes.
func Run(t *testing.T, open storetest.Open) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, open storetest.Open)
	}{
		{"Sessions/AnUnreadableSessionIsSetAsideAndItsKeyStartsAnew", sessionUnreadableIsSetAside},
		{"Staff/AnUnreadableMemberIsLeftOutCountedAndCanBeSetAside", staffUnreadableIsSkippedAndSetAside},
		{"Cases/AnUnreadableCaseIsLeftOutCountedAndCanBeSetAside", casesUnreadableIsSkipped},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open)
		})
	}
}

var fixedNow = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func openFixed(t *testing.T, open storetest.Open) storetest.Stores {
	t.Helper()
	s := open(t, storetest.Config{Clock: storetest.NewFakeClock(fixedNow)})
	if s.Damage == nil || s.ReportSkipped == nil {
		t.Fatal("the stores lack Damage or ReportSkipped")
	}
	return s
}

func intakeSession(key string) dialog.Session {
	return dialog.Session{
		Key: key, FlowID: "intake", FlowVersion: 3, Lang: "nl", State: dialog.StateAsking, Current: "q_money",
		Answers: map[string]dialog.Answer{"q_name": {Text: "Zoe", At: fixedNow}}, Started: fixedNow, Updated: fixedNow,
	}
}

func mustSave(t *testing.T, s storetest.Stores, sess dialog.Session) dialog.Session {
	t.Helper()
	saved, err := s.Sessions.Save(t.Context(), sess)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	return saved
}

func mustAddStaff(t *testing.T, s storetest.Stores, m domain.StaffMember) {
	t.Helper()
	if err := s.Staff.AddStaff(t.Context(), m); err != nil {
		t.Fatalf("AddStaff: %v", err)
	}
}

func userIDs(ms []domain.StaffMember) []int64 {
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return ids
}

// skips counts what ReportSkipped reports, by kind.
type skips struct {
	mu sync.Mutex
	n  map[string]int
}

func countSkips(s storetest.Stores) *skips {
	c := &skips{n: map[string]int{}}
	s.ReportSkipped(func(kind string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.n[kind]++
	})
	return c
}

func (c *skips) of(kind string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[kind]
}

func sessionUnreadableIsSetAside(t *testing.T, open storetest.Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	mustSave(t, s, intakeSession("1001"))
	mustSave(t, s, intakeSession("1002"))
	s.Damage(t, "session", "1001")

	for _, load := range []struct {
		name string
		f    func() error
	}{
		{"Load", func() error { _, err := s.Sessions.Load(ctx, "1001"); return err }},
		{"LoadFresh", func() error { _, err := s.Sessions.LoadFresh(ctx, "1001"); return err }},
	} {
		err := load.f()
		if !errors.Is(err, domain.ErrUnreadable) || errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("%s of a damaged session: %v; want domain.ErrUnreadable, not ErrNotFound", load.name, err)
		}
	}
	moved, err := s.Sessions.Quarantine(ctx, "1001")
	if err != nil || !moved {
		t.Fatalf("Quarantine = %v, %v; want true, nil", moved, err)
	}
	if _, err := s.Sessions.Load(ctx, "1001"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Load after Quarantine: %v; want ErrNotFound (the young person starts again)", err)
	}
	fresh := intakeSession("1001")
	fresh.Version = 0
	if saved := mustSave(t, s, fresh); saved.Version != 1 {
		t.Errorf("a new start under the key has version %d, want 1", saved.Version)
	}
	if _, err := s.Sessions.Load(ctx, "1002"); err != nil {
		t.Errorf("the other session: %v", err) // untouched
	}
	if moved, err := s.Sessions.Quarantine(ctx, "4040"); moved || err != nil {
		t.Errorf("Quarantine of no session = %v, %v; want false, nil", moved, err)
	}
	// Once set aside, the new start can be set aside in turn: nothing is
	// overwritten on the way.
	s.Damage(t, "session", "1001")
	if moved, err := s.Sessions.Quarantine(ctx, "1001"); !moved || err != nil {
		t.Errorf("second Quarantine = %v, %v; want true, nil", moved, err)
	}
}

func staffUnreadableIsSkippedAndSetAside(t *testing.T, open storetest.Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	seen := countSkips(s)
	for id := int64(201); id <= 203; id++ {
		mustAddStaff(t, s, domain.StaffMember{UserID: id, Role: domain.RoleDirector, Name: "D" + strconv.FormatInt(id, 10), Lang: "nl", Added: fixedNow})
	}
	s.Damage(t, "staff", "202")

	list, err := s.Staff.ListStaff(ctx)
	if err != nil {
		t.Fatalf("ListStaff with one unreadable member: %v; want the others", err)
	}
	if got := userIDs(list); len(got) != 2 || got[0] == 202 || got[1] == 202 {
		t.Errorf("ListStaff = %v, want 201 and 203", got)
	}
	if n := seen.of("staff"); n != 1 {
		t.Errorf("skipped staff reported %d times, want 1", n)
	}
	if _, ok, err := s.Staff.Staff(ctx, 202); !errors.Is(err, domain.ErrUnreadable) || ok {
		t.Errorf("Staff(202) = %v, %v; want domain.ErrUnreadable", ok, err)
	}
	if _, ok, err := s.Staff.Staff(ctx, 201); !ok || err != nil {
		t.Errorf("Staff(201) = %v, %v; want found", ok, err)
	}

	moved, err := s.Staff.QuarantineStaff(ctx, 202)
	if err != nil || !moved {
		t.Fatalf("QuarantineStaff = %v, %v; want true, nil", moved, err)
	}
	if _, ok, err := s.Staff.Staff(ctx, 202); ok || err != nil {
		t.Errorf("Staff(202) after QuarantineStaff = %v, %v; want not staff", ok, err)
	}
	if list, err := s.Staff.ListStaff(ctx); err != nil || len(list) != 2 {
		t.Errorf("ListStaff after QuarantineStaff = %v, %v", userIDs(list), err)
	}
	if n := seen.of("staff"); n != 1 {
		t.Errorf("skipped staff reported %d times after QuarantineStaff, want still 1", n)
	}
	if moved, err := s.Staff.QuarantineStaff(ctx, 999); moved || err != nil {
		t.Errorf("QuarantineStaff of nobody = %v, %v; want false, nil", moved, err)
	}
	// Added again by an admin, they are staff as before.
	mustAddStaff(t, s, domain.StaffMember{UserID: 202, Role: domain.RoleDirector, Name: "D202", Lang: "nl", Added: fixedNow})
	if _, ok, err := s.Staff.Staff(ctx, 202); !ok || err != nil {
		t.Errorf("Staff(202) added again = %v, %v", ok, err)
	}
}

func casesUnreadableIsSkipped(t *testing.T, open storetest.Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	seen := countSkips(s)
	for i, key := range []string{"1001", "1002", "1003"} {
		c := domain.Case{Key: key, Director: 201, FirstName: "Y" + key, Linked: fixedNow.Add(-time.Duration(i) * time.Minute)}
		if err := s.Cases.SaveCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Damage(t, "case", "1002")
	cases, err := s.Cases.CasesOf(ctx, 201)
	if err != nil {
		t.Fatalf("CasesOf with one unreadable case: %v; want the others", err)
	}
	if len(cases) != 2 || cases[0].Key != "1001" || cases[1].Key != "1003" {
		t.Errorf("CasesOf = %+v, want 1001 and 1003", cases)
	}
	if n := seen.of("case"); n != 1 {
		t.Errorf("skipped cases reported %d times, want 1", n)
	}
	if _, _, err := s.Cases.Case(ctx, "1002"); !errors.Is(err, domain.ErrUnreadable) {
		t.Errorf("Case of the damaged one: %v; want domain.ErrUnreadable", err)
	}
	if moved, err := s.Cases.QuarantineCase(ctx, "1002"); !moved || err != nil {
		t.Fatalf("QuarantineCase = %v, %v; want true, nil", moved, err)
	}
	if _, ok, err := s.Cases.Case(ctx, "1002"); ok || err != nil {
		t.Errorf("Case after QuarantineCase = %v, %v; want none", ok, err)
	}
	if cases, err := s.Cases.CasesOf(ctx, 201); err != nil || len(cases) != 2 || seen.of("case") != 1 {
		t.Errorf("CasesOf after QuarantineCase = %d cases, %v, %d skipped; want 2, nil, still 1", len(cases), err, seen.of("case"))
	}
	if moved, err := s.Cases.QuarantineCase(ctx, "4040"); moved || err != nil {
		t.Errorf("QuarantineCase of none = %v, %v; want false, nil", moved, err)
	}
}
