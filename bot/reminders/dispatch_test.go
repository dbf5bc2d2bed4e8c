package reminders_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/bot/reminders"
	"github.com/intakebot/intakebot/bot/team"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/dialog/checkin"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/remindstore"
)

// countingOut counts the reminders sent, by the reminder ID in their
// first button.
type countingOut struct {
	mu   sync.Mutex
	sent map[string]int
}

func (o *countingOut) Say(context.Context, int64, string, [][]dialog.Button, ...dialog.Text) bool {
	return true
}
func (o *countingOut) Edit(context.Context, chat.Request, string, [][]dialog.Button, ...dialog.Text) {
}
func (o *countingOut) Remind(_ context.Context, _ int64, _ string, b [][]dialog.Button, _ ...dialog.Text) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent[b[0][0].Data]++
	return nil
}

func (o *countingOut) Show(context.Context, chat.Request, string, *dialog.Text, []dialog.Message) {}
func (o *countingOut) Answer(context.Context, chat.Request, string)                               {}

// noCheckins keeps no check-in; noAlerts raises none.
type noCheckins struct{}

func (noCheckins) Load(context.Context, string) (dialog.Session, bool, error) {
	return dialog.Session{}, false, nil
}
func (noCheckins) LoadFresh(context.Context, string) (dialog.Session, bool, error) {
	return dialog.Session{}, false, nil
}
func (noCheckins) Save(_ context.Context, s dialog.Session) (dialog.Session, error) { return s, nil }
func (noCheckins) Delete(context.Context, string) error                             { return nil }

type noAlerts struct{}

func (noAlerts) Raise(context.Context, dialog.Session, dialog.AlertKind) {}

func (o *countingOut) count() (total, twice int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, n := range o.sent {
		total++
		if n > 1 {
			twice++
		}
	}
	return total, twice
}

type anyCase struct{}

func (anyCase) Case(_ context.Context, key string) (domain.Case, bool, error) {
	return domain.Case{Key: key, Director: 1, Counsellor: 2, FirstName: "Sam"}, true, nil
}
func (anyCase) CasesOf(context.Context, int64) ([]domain.Case, error) { return nil, nil }

type noSessions struct{}

func (noSessions) Load(context.Context, string) (dialog.Session, bool, error) {
	return dialog.Session{}, false, nil
}

func (noSessions) LoadFresh(context.Context, string) (dialog.Session, bool, error) {
	return dialog.Session{}, false, nil
}

type noStaff struct{}

func (noStaff) Staff(context.Context, int64) (domain.StaffMember, bool, error) {
	return domain.StaffMember{}, false, nil
}

type nl struct{}

func (nl) MatchLanguage(string) string { return "nl" }

type noAudit struct{}

func (noAudit) Audit(context.Context, domain.AuditEntry) error { return nil }

func codec(t testing.TB) *storage.Codec {
	c, err := storage.NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func room(t testing.TB, store reminders.Store, out reminders.Out) *reminders.Reminders {
	x, err := reminders.New(reminders.Options{
		Out: out, Store: store, Cases: anyCase{}, Sessions: noSessions{},
		Checkin: &dialog.Engine{Flow: checkinFlow(t)}, CheckinStore: noCheckins{}, Alerts: noAlerts{},
		Dir:     team.Directory{Staff: noStaff{}, Languages: nl{}},
		Auditor: team.Auditor{Store: noAudit{}, Now: time.Now},
		Now:     time.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func checkinFlow(t testing.TB) *dialog.Flow {
	t.Helper()
	f, err := checkin.Flow(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Two dispatchers (two replicas) on one Redis with 10,000 reminders due:
// each is sent exactly once.
func TestTwoDispatchersSendEachReminderOnce(t *testing.T) {
	const n = 10_000
	srv := redistest.Start(t)
	c := codec(t)
	ctx := t.Context()
	seed := remindstore.New(srv.Client(t), c, "t:")
	now := time.Now()
	pipe := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range pipe {
				r := domain.Reminder{ID: fmt.Sprintf("r%05d", i), Key: fmt.Sprint(100000 + i%500), Staff: 2,
					Template: domain.TemplateOwn, Text: "hoi", First: now, Due: now.Add(-time.Second),
					Status: domain.ReminderScheduled, Created: now}
				if _, err := seed.SaveReminder(ctx, r); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i := range n {
		pipe <- i
	}
	close(pipe)
	wg.Wait()

	out := &countingOut{sent: map[string]int{}}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var runners []*jobs.Runner
	for range 2 {
		x := room(t, remindstore.New(srv.Client(t), c, "t:"), out)
		r := &jobs.Runner{}
		if err := r.Start(runCtx, x.Job(nil)); err != nil {
			t.Fatal(err)
		}
		runners = append(runners, r)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		total, _ := out.count()
		if total == n || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // time for a second send, were there one
	stop()
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, r := range runners {
		if err := r.Wait(waitCtx); err != nil {
			t.Error(err)
		}
	}
	total, twice := out.count()
	if total != n || twice != 0 {
		t.Errorf("%d of %d reminders sent, %d more than once", total, n, twice)
	}
	if left, err := seed.CountRemindersDue(ctx, time.Now().Add(time.Hour)); err != nil || left != 0 {
		t.Errorf("%d reminders left in the queue (%v)", left, err)
	}
}
