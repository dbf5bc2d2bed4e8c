package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

func TestFailoverFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		at      time.Duration
	}{
		{args: []string{"-sentinel", "-failover", "kill", "-duration", "60s"}, at: 30 * time.Second},
		{args: []string{"-sentinel", "-failover", "sentinel", "-failover-at", "10s"}, at: 10 * time.Second},
		{args: []string{"-sentinel"}},
		{args: []string{"-redis", "redis://s1:26379/0?master_name=m&addr=s2:26379"}},
		{args: []string{"-failover", "kill"}, wantErr: "needs -sentinel"},
		{args: []string{"-sentinel", "-failover", "pull-the-plug"}, wantErr: "sentinel or kill"},
		{args: []string{"-sentinel", "-redis", "redis://h:1"}, wantErr: "leave -redis empty"},
		{args: []string{"-sentinel", "-failover", "kill", "-duration", "10s", "-failover-at", "20s"}, wantErr: "within -duration"},
	}
	for _, tt := range tests {
		cfg, err := parseFlags(tt.args, io.Discard)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseFlags(%q) error = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseFlags(%q): %v", tt.args, err)
			continue
		}
		if cfg.FailoverAt != tt.at {
			t.Errorf("parseFlags(%q): failover at %v, want %v", tt.args, cfg.FailoverAt, tt.at)
		}
	}
}

func TestQuestionOfAMessage(t *testing.T) {
	kb := func(data ...string) telegramtest.Msg {
		var row []telegramtest.Button
		for _, d := range data {
			row = append(row, telegramtest.Button{Text: d, CallbackData: d})
		}
		return telegramtest.Msg{Keyboard: [][]telegramtest.Button{row}}
	}
	tests := []struct {
		m    telegramtest.Msg
		want string
	}{
		{kb("a:3:support_level:1", "a:3:support_level:2", "b:3:support_level:", "p:3:support_level:"), "support_level"},
		{kb("p:3:dreams:"), "dreams"},
		{kb("ok:3::", "e:3:dreams:", "p:3::"), ""}, // the review
		{kb("cy:3::"), ""},
		{telegramtest.Msg{}, ""},
	}
	for _, tt := range tests {
		if got := questionOf(tt.m); got != tt.want {
			t.Errorf("questionOf(%v) = %q, want %q", tt.m.Keyboard, got, tt.want)
		}
	}
}

// A question asked again after the bot moved past it counts as an
// acknowledged answer lost; the same question again (an apology in
// between) and a new intake do not.
func TestPersonCountsAQuestionAskedAgain(t *testing.T) {
	l := &loader{out: io.Discard}
	p := &person{l: l}
	var msgID int64
	q := func(id string) telegramtest.Msg {
		msgID++
		return telegramtest.Msg{ID: msgID, Keyboard: [][]telegramtest.Button{{{Text: "Pauze", CallbackData: "p:3:" + id + ":"}}}}
	}
	first := q("dreams")
	p.sees(first)
	p.sees(q("dreams"))
	p.sees(q("dreams_help"))
	p.sees(first) // looking back at an older message
	if n := l.total[cRegressed].Load(); n != 0 {
		t.Fatalf("%d regressions on a forward intake", n)
	}
	p.sees(q("dreams"))
	if n := l.total[cRegressed].Load(); n != 1 {
		t.Fatalf("%d regressions after going back to the first question, want 1", n)
	}
	p.forget()
	p.sees(q("dreams_help"))
	if n := l.total[cRegressed].Load(); n != 1 {
		t.Fatalf("a new intake counted as a regression")
	}
}

func TestFailoverFigures(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	r := &report{cfg: config{Timeout: time.Second, Failover: "kill"}, Failover: failoverRun{Began: at(10), Settled: at(15)}}
	r.Timed = []timedSample{
		{At: at(1), Latency: ms(100)},
		{At: at(2), Latency: ms(200)},
		{At: at(9.95), Latency: ms(3000)}, // sent before, answered during
		{At: at(11), Latency: ms(5000)},   // late: until 16
		{At: at(12), Lost: true},          // lost: counts until 12 + 6 s = 18
		{At: at(19), Latency: ms(150)},
		{At: at(20), Latency: ms(120)},
	}
	f := r.failoverFigures()
	if f.Recovered != 8*time.Second {
		t.Errorf("recovered after %v, want 8s", f.Recovered)
	}
	if len(f.Before) != 2 || len(f.During) != 2 || f.LostDuring != 1 || len(f.After) != 2 || f.LostOther != 0 {
		t.Errorf("split before %v during %v (lost %d) after %v (lost %d)", f.Before, f.During, f.LostDuring, f.After, f.LostOther)
	}
	if quantile(f.After, 0.99) != ms(150) || quantile(f.Before, 0.99) != ms(200) {
		t.Errorf("p99 before %v after %v", quantile(f.Before, 0.99), quantile(f.After, 0.99))
	}
}
