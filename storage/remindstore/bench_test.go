package remindstore_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/remindstore"
)

func usedMemory(b *testing.B, c *redis.Client) int64 {
	info, err := c.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	b.Fatal("no used_memory")
	return 0
}

// BenchmarkClaimWithManyScheduled loads REMIND_BENCH_N reminders (default
// 100,000) scheduled over the next year, as /remind saves them, reports
// Redis memory per reminder, then times claims of a batch of 50 due ones
// among them (p99 as a metric).
func BenchmarkClaimWithManyScheduled(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("REMIND_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	srv := redistest.Start(b)
	client := srv.Client(b)
	rs := remindstore.New(client, testCodec(b), "b:")
	ctx := context.Background()
	before := usedMemory(b, client)
	now := time.Now()
	ids := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range ids {
				due := now.Add(time.Hour + time.Duration(i)*time.Minute%(365*24*time.Hour))
				r := domain.Reminder{ID: fmt.Sprintf("%016x", i), Key: strconv.Itoa(1_000_000 + i%20_000), Staff: int64(1 + i%500),
					Template: domain.TemplateOwn, Text: "Vergeet je afspraak bij de woningcorporatie niet", Repeat: "weekly",
					First: due, Due: due, Status: domain.ReminderScheduled, Created: now}
				if _, err := rs.SaveReminder(ctx, r); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	start := time.Now()
	for i := range n {
		ids <- i
	}
	close(ids)
	wg.Wait()
	load := time.Since(start)
	after := usedMemory(b, client)
	per := float64(after-before) / float64(n)
	b.Logf("loaded %d reminders in %v (%.0f/s); used_memory %d before, %d after: %.0f bytes each", n, load.Round(time.Millisecond), float64(n)/load.Seconds(), before, after, per)

	// Each iteration: 50 reminders fall due, one claim takes them.
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		pipe := client.Pipeline()
		for j := range 50 {
			pipe.ZAdd(ctx, "b:jobs:reminder", redis.Z{Score: float64(now.UnixMilli() - 1000), Member: fmt.Sprintf("%016x", (i*50+j)%n)})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		got, err := rs.ClaimReminders(ctx, now, 2*time.Minute, 50)
		lat = append(lat, time.Since(t0))
		if err != nil || len(got) != 50 {
			b.Fatalf("claimed %d, %v", len(got), err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(per, "B/reminder")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs/claim")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs/claim")
	b.ReportMetric(float64(n), "scheduled")
}
