package reminders_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/remindstore"
)

// BenchmarkDrain5000 has 5,000 reminders fall due at once and times one
// dispatcher (the job of serve, on a real Redis) until each was handed to
// Out once. Out counts and returns at once: this is the dispatcher's own
// rate (claims, loads, saves), not Telegram's (about 30 a second).
func BenchmarkDrain5000(b *testing.B) {
	const n = 5000
	srv := redistest.Start(b)
	c := codec(b)
	ctx := context.Background()
	for i := range b.N {
		b.StopTimer()
		prefix := fmt.Sprintf("d%d:", i)
		seed := remindstore.New(srv.Client(b), c, prefix)
		now := time.Now()
		ids := make(chan int)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for j := range ids {
					r := domain.Reminder{ID: fmt.Sprintf("r%05d", j), Key: strconv.Itoa(100000 + j), Staff: 2,
						Template: domain.TemplateOwn, Text: "hoi", First: now, Due: now.Add(-time.Second),
						Status: domain.ReminderScheduled, Created: now}
					if _, err := seed.SaveReminder(ctx, r); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for j := range n {
			ids <- j
		}
		close(ids)
		wg.Wait()
		out := &countingOut{sent: map[string]int{}}
		x := room(b, remindstore.New(srv.Client(b), c, prefix), out)
		runCtx, stop := context.WithCancel(ctx)
		r := &jobs.Runner{}
		b.StartTimer()
		t0 := time.Now()
		if err := r.Start(runCtx, x.Job(nil)); err != nil {
			b.Fatal(err)
		}
		for {
			if total, _ := out.count(); total == n {
				break
			}
			time.Sleep(time.Millisecond)
		}
		took := time.Since(t0)
		b.StopTimer()
		stop()
		_ = r.Wait(ctx)
		if _, twice := out.count(); twice != 0 {
			b.Fatalf("%d sent twice", twice)
		}
		b.ReportMetric(float64(n)/took.Seconds(), "reminders/s")
	}
}
