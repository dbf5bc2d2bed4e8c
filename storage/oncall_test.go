package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

func weekdays(ds ...time.Weekday) domain.Weekdays {
	var w domain.Weekdays
	for _, d := range ds {
		w = w.With(d)
	}
	return w
}

var workdays = weekdays(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)

func addWindow(t *testing.T, p *People, w domain.OnCallWindow) domain.OnCallWindow {
	t.Helper()
	got, err := p.OnCall.AddOnCall(context.Background(), w)
	if err != nil {
		t.Fatalf("AddOnCall: %v", err)
	}
	return got
}

func TestOnCallRosterRefusesACorruptWindow(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	addWindow(t, e.people, domain.OnCallWindow{Staff: 1, Days: workdays, From: 0, To: 60})
	for i, v := range []string{`not json`, `{"staff":1,"days":0,"from":0,"to":60}`} {
		e.client.HSet(ctx, "t:oncall", fmt.Sprint(10+i), v)
		if _, err := e.people.OnCall.OnCallRoster(ctx); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("roster with %q: err = %v, want corrupt", v, err)
		}
		e.client.HDel(ctx, "t:oncall", fmt.Sprint(10+i))
	}
}

// The contract (storetest) covers the roster; here, that Redis keeps only
// IDs and times, as plain JSON, and nothing of a refused window.
func TestOnCallWindowsAreStoredAsPlainJSON(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	if _, err := e.people.OnCall.AddOnCall(ctx, domain.OnCallWindow{Staff: 1, Days: 0, From: 0, To: 60}); err == nil {
		t.Fatal("a window without days was added")
	}
	if n := e.client.Exists(ctx, "t:oncall").Val(); n != 0 {
		t.Error("a refused window was stored")
	}
	addWindow(t, e.people, domain.OnCallWindow{Staff: 7000000001, Days: workdays, From: 8 * 60, To: 17 * 60})
	raw := e.client.HGet(ctx, "t:oncall", "1").Val()
	if raw != `{"staff":7000000001,"days":62,"from":480,"to":1020,"order":1}` {
		t.Errorf("stored window = %s", raw)
	}
}
