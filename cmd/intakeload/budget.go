package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage/sendbudget"
)

// The budget mode (-reminders N) measures Telegram's send budget shared by
// the replicas: the bot's real Sender (production pace: 30 a second, one
// a second per chat after a burst of 4) with the real go-telegram client
// on each of -replicas replicas, the budget in a real redis-server
// (storage/sendbudget), against the fake Bot API enforcing Telegram's
// limits (429 with retry_after beyond them).
//
// -users young people are mid-intake on the replicas: each answers first
// within one -think, then after each -think (varied 0.5x to 1.5x) and gets the bot's two live messages (the
// edited question and the next one), the latency being the time to the
// first. After -duration of that alone (the baseline), N reminders fall
// due at once; each replica's dispatcher takes them as the reminders job
// does (a claim of 50, sent in parallel in the bulk lane, the next claim
// when all 50 are done) until none are left. The report: the reminders'
// drain rate, the 429s the fake gave, and live p50/p99 without and during
// the burst.
//
// What it leaves out: the bot's update handling (dialog, sessions) and the
// reminders' Redis store; they cost the same with or without the budget
// and are measured by the other modes and by the storage benchmarks.

type budgetRun struct {
	cfg     config
	senders []*telegram.Sender
	mets    []*metrics.Metrics
	live    atomic.Int64 // live messages sent

	mu       sync.Mutex
	baseline []time.Duration
	burst    []time.Duration
	phase    int // 0 warm-up, 1 baseline, 2 burst, 3 after
}

func (b *budgetRun) record(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.phase {
	case 1:
		b.baseline = append(b.baseline, d)
	case 2:
		b.burst = append(b.burst, d)
	}
}

func (b *budgetRun) setPhase(p int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.phase = p
}

func runBudget(ctx context.Context, cfg config, out io.Writer) error {
	r, err := startRedis(cfg.Fsync)
	if err != nil {
		return err
	}
	defer r.stop()
	fake, err := telegramtest.NewServer(telegramtest.WithoutHistory(), telegramtest.WithLimits(telegramtest.TelegramLimits))
	if err != nil {
		return err
	}
	defer fake.Close()
	fmt.Fprintf(out, "budget mode: redis-server on %s, fake Bot API with Telegram's limits on %s, %d replica(s), %d people, %d reminders\n",
		r.addr, fake.URL(), cfg.Replicas, cfg.Users, cfg.Reminders)

	b := &budgetRun{cfg: cfg}
	var clients []*redis.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for range cfg.Replicas {
		rc := redis.NewClient(&redis.Options{Addr: r.addr})
		clients = append(clients, rc)
		budget, err := sendbudget.New(rc, "load:", telegram.DefaultPerSecond, telegram.DefaultPerSecond/2)
		if err != nil {
			return err
		}
		api, err := tgbot.New("123456:LOAD", tgbot.WithServerURL(fake.URL()), tgbot.WithSkipGetMe())
		if err != nil {
			return err
		}
		m := &metrics.Metrics{}
		b.mets = append(b.mets, m)
		s := &telegram.Sender{API: api, Metrics: m}
		if !cfg.NoBudget {
			s.Budget = budget
		}
		b.senders = append(b.senders, s)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var people sync.WaitGroup
	for i := range cfg.Users {
		people.Go(func() { b.person(ctx, i) })
	}
	sleepCtx(ctx, cfg.Warmup)
	b.setPhase(1)
	fmt.Fprintf(out, "baseline: %v of live traffic alone\n", cfg.Duration)
	sleepCtx(ctx, cfg.Duration)
	liveBefore, tooBefore := b.live.Load(), fake.Stats().TooMany

	b.setPhase(2)
	start := time.Now()
	fmt.Fprintf(out, "burst: %d reminders due at once\n", cfg.Reminders)
	var next atomic.Int64
	var sent, failed atomic.Int64
	var dispatchers sync.WaitGroup
	for _, s := range b.senders {
		dispatchers.Go(func() {
			for ctx.Err() == nil {
				// One claim of up to 50, sent in parallel, as the reminders job.
				first := next.Add(50) - 50
				if first >= int64(cfg.Reminders) {
					return
				}
				last := min(first+50, int64(cfg.Reminders))
				var batch sync.WaitGroup
				for j := first; j < last; j++ {
					batch.Go(func() {
						chat := int64(20_000_000 + j)
						if err := s.SendBulkErr(ctx, chat, "🔔 Herinnering\nVergeet je afspraak niet.", nil); err != nil {
							failed.Add(1)
							return
						}
						sent.Add(1)
					})
				}
				batch.Wait()
			}
		})
	}
	progress := time.NewTicker(cfg.Progress)
	done := make(chan struct{})
	go func() { dispatchers.Wait(); close(done) }()
wait:
	for {
		select {
		case <-done:
			break wait
		case <-ctx.Done():
			return ctx.Err()
		case <-progress.C:
			fmt.Fprintf(out, "  %5.0fs: %d reminders sent, %d live messages, %d 429s\n", time.Since(start).Seconds(), sent.Load(), b.live.Load()-liveBefore, fake.Stats().TooMany)
		}
	}
	progress.Stop()
	drain := time.Since(start)
	liveDuring := b.live.Load() - liveBefore
	b.setPhase(3)
	cancel()
	people.Wait()

	st := fake.Stats()
	var waits, fallbacks, limited int64
	for _, m := range b.mets {
		waits += m.BudgetWaits.Load()
		fallbacks += m.BudgetFallbacks.Load()
		limited += m.RateLimited.Load()
	}
	budgetNote := "shared in Redis"
	if cfg.NoBudget {
		budgetNote = "NOT shared (each replica its own 30/s)"
	}
	fmt.Fprintf(out, "\nbudget: %s; %d replica(s); %d people, think %v\n", budgetNote, cfg.Replicas, cfg.Users, cfg.Think)
	fmt.Fprintf(out, "reminders: %d sent, %d failed in %v: %.1f/s\n", sent.Load(), failed.Load(), drain.Round(time.Millisecond), float64(sent.Load())/drain.Seconds())
	fmt.Fprintf(out, "live messages during the burst: %d (%.1f/s); reminders + live: %.1f/s\n",
		liveDuring, float64(liveDuring)/drain.Seconds(), float64(sent.Load()+liveDuring)/drain.Seconds())
	fmt.Fprintf(out, "429s from the fake: %d during the baseline, %d in all (the senders counted %d); waits for the shared budget %d, fallbacks %d\n",
		tooBefore, st.TooMany, limited, waits, fallbacks)
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(out, "live reply latency without the burst: %s\n", quantiles(b.baseline))
	fmt.Fprintf(out, "live reply latency during the burst:  %s\n", quantiles(b.burst))
	if len(b.baseline) > 0 && len(b.burst) > 0 {
		fmt.Fprintf(out, "p99 during / without: %.2fx\n", float64(pct(b.burst, 99))/float64(pct(b.baseline, 99)))
	}
	return nil
}

// person answers after a think time and waits for the bot's two live
// messages, on the replica that handles its chat.
func (b *budgetRun) person(ctx context.Context, i int) {
	rng := rand.New(rand.NewPCG(b.cfg.Seed, uint64(i)))
	s := b.senders[i%len(b.senders)]
	chat := int64(10_000_000 + i)
	// The people start spread over one think time, so that the live
	// traffic is steady from the start.
	if !sleepCtx(ctx, time.Duration(rng.Int64N(int64(b.cfg.Think)))) {
		return
	}
	for ctx.Err() == nil {
		t0 := time.Now()
		if !s.Send(ctx, chat, "Goed zo, genoteerd.", nil) {
			continue
		}
		b.record(time.Since(t0))
		b.live.Add(1)
		if s.Send(ctx, chat, "<b>Vraag</b>\nWat is je volgende stap?", nil) {
			b.live.Add(1)
		}
		think := b.cfg.Think/2 + time.Duration(rng.Int64N(int64(b.cfg.Think)+1))
		if !sleepCtx(ctx, think) {
			return
		}
	}
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func quantiles(d []time.Duration) string {
	if len(d) == 0 {
		return "no samples"
	}
	slices.Sort(d)
	var sb strings.Builder
	fmt.Fprintf(&sb, "n=%d p50 %v p90 %v p99 %v max %v", len(d),
		pct(d, 50).Round(time.Millisecond), pct(d, 90).Round(time.Millisecond), pct(d, 99).Round(time.Millisecond), d[len(d)-1].Round(time.Millisecond))
	return sb.String()
}
