package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

// report is what a run measured.
type report struct {
	cfg config
	env *env

	Idle, Start, End, After snapshot // before load, window start and end, 2 s after load
	Samples                 []time.Duration
	Trend                   []snapshot // window start, each progress line, window end
	Window                  [nCounters]int64
	Interrupted             bool
	StopTook                time.Duration
	StopErr                 error
	LogMsgs                 map[string]int64
	Final                   telegramtest.Stats
	flood                   *flood        // -flood: the probe's latencies
	Timed                   []timedSample // the window's updates, by when sent
	Failover                failoverRun
}

// Measured is the length of the measured window.
func (r *report) Measured() time.Duration { return r.End.At.Sub(r.Start.At) }

// Handled is the number of updates of the window that got a reply.
func (r *report) Handled() int64 { return r.Window[cHandled] }

// PerSecond is the handled updates per second of the window.
func (r *report) PerSecond() float64 {
	if s := r.Measured().Seconds(); s > 0 {
		return float64(r.Handled()) / s
	}
	return 0
}

// Quantile of the window's latencies.
func (r *report) Quantile(q float64) time.Duration {
	s := r.sorted()
	return quantile(s, q)
}

func (r *report) sorted() []time.Duration {
	if !sort.SliceIsSorted(r.Samples, func(i, j int) bool { return r.Samples[i] < r.Samples[j] }) {
		sort.Slice(r.Samples, func(i, j int) bool { return r.Samples[i] < r.Samples[j] })
	}
	return r.Samples
}

// RoundTripsPerUpdate is what the counting proxy saw in the window per
// handled update; 0 without the proxy.
func (r *report) RoundTripsPerUpdate() float64 {
	if r.env.proxy == nil || r.Handled() == 0 {
		return 0
	}
	return float64(r.End.Proxy.RoundTrips-r.Start.Proxy.RoundTrips) / float64(r.Handled())
}

// Refused are the Bot API calls the fake refused over the whole run, by
// "method: description".
func (r *report) Refused() map[string]int64 {
	out := map[string]int64{}
	for method, m := range r.Final.Methods {
		for desc, n := range m.Errors {
			out[method+": "+desc] += n
		}
	}
	return out
}

// Problems lists what went wrong, one line each; empty for a clean run.
func (r *report) Problems() []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	t := r.After.Total
	if t[cLate] > 0 {
		add("%d updates got no reply within %v (late or lost)", t[cLate], r.cfg.Timeout)
	}
	if t[cLost] > 0 {
		add("%d updates got no reply within %v (lost)", t[cLost], lostAfter*r.cfg.Timeout)
	}
	if t[cQuiet] > 0 {
		add("%d updates got a reply but no new question within %v of silence (an apology or a notice?)", t[cQuiet], r.cfg.Settle)
	}
	if t[cToasts] > 0 {
		add("%d button presses were answered with a notice (a stale button?)", t[cToasts])
	}
	if t[cRegressed] > 0 {
		add("%d times the bot asked a question again after moving past it: an acknowledged answer was lost", t[cRegressed])
	}
	if t[cDropped] > 0 {
		add("%d bot calls could not be routed to their person", t[cDropped])
	}
	for k, n := range r.Refused() {
		add("the fake Bot API refused %d× %s", n, k)
	}
	for _, level := range []string{"ERROR", "WARN"} {
		if n := r.After.LogLevels[level]; n > 0 {
			add("the bot logged %d %s lines", n, level)
		}
	}
	for _, m := range []string{"intakebot_store_errors_total", "intakebot_panics_total"} {
		if d := r.After.Metrics[m] - r.Idle.Metrics[m]; d > 0 {
			add("%s rose by %.0f", m, d)
		}
	}
	if r.Final.Pending > 0 {
		add("%d updates were still unconfirmed at the end", r.Final.Pending)
	}
	if r.StopErr != nil {
		add("the bot's stop: %v", r.StopErr)
	}
	return out
}

// failoverFigures splits the window's updates at the failover: p99 of
// the updates sent before it and of those sent after it had recovered,
// the updates lost (no reply), and the recovery: from the failover's
// start until the reply to the last update that was late (over -timeout)
// or lost.
type failoverFigures struct {
	Before, During, After []time.Duration // sorted
	LostDuring, LostOther int
	Recovered             time.Duration // after Began; 0: nothing was late
	RecoveredAt           time.Time
	Regressed             int64
	SlowestDuring         time.Duration
	Began                 time.Time
	Settled               time.Duration
}

func (r *report) failoverFigures() failoverFigures {
	f := failoverFigures{Began: r.Failover.Began, Regressed: r.After.Total[cRegressed]}
	if f.Began.IsZero() {
		return f
	}
	f.Settled = r.Failover.Settled.Sub(f.Began)
	f.RecoveredAt = f.Began
	for _, s := range r.Timed {
		if s.At.Before(f.Began) {
			continue
		}
		end := s.At.Add(s.Latency)
		if s.Lost {
			end = s.At.Add(lostAfter * r.cfg.Timeout)
		}
		if (s.Lost || s.Latency > r.cfg.Timeout) && end.After(f.RecoveredAt) {
			f.RecoveredAt = end
		}
	}
	// Updates sent before the failover but answered after it began count
	// as during.
	for _, s := range r.Timed {
		switch {
		case s.At.Add(s.Latency).Before(f.Began) && !s.Lost:
			f.Before = append(f.Before, s.Latency)
		case s.At.After(f.RecoveredAt):
			if s.Lost {
				f.LostOther++
			} else {
				f.After = append(f.After, s.Latency)
			}
		default:
			if s.Lost {
				f.LostDuring++
			} else {
				f.During = append(f.During, s.Latency)
				f.SlowestDuring = max(f.SlowestDuring, s.Latency)
			}
		}
	}
	f.Recovered = f.RecoveredAt.Sub(f.Began)
	for _, v := range [][]time.Duration{f.Before, f.During, f.After} {
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	}
	return f
}

func (r *report) writeFailover(p func(string, ...any)) {
	f := r.failoverFigures()
	if f.Began.IsZero() {
		p("failover       %s at %v into the window: did not begin (window too short?)", r.cfg.Failover, r.cfg.FailoverAt)
		return
	}
	settled := fmt.Sprintf("settled (new primary replicated) after %v", f.Settled.Round(time.Millisecond))
	if r.Failover.Err != nil {
		settled = "FAILED: " + r.Failover.Err.Error()
	}
	p("failover       %s at %v into the window; %s", r.cfg.Failover, f.Began.Sub(r.Start.At).Round(time.Millisecond), settled)
	p("  recovery     %v from the failover until the last reply later than %v (or lost)", f.Recovered.Round(time.Millisecond), r.cfg.Timeout)
	p("  before       %d updates, p50 %s p99 %s max %s", len(f.Before), fmtDur(quantile(f.Before, 0.5)), fmtDur(quantile(f.Before, 0.99)), fmtDur(quantile(f.Before, 1)))
	p("  during       %d updates answered, %d lost, p50 %s p99 %s max %s", len(f.During), f.LostDuring, fmtDur(quantile(f.During, 0.5)), fmtDur(quantile(f.During, 0.99)), fmtDur(quantile(f.During, 1)))
	p("  after        %d updates, %d lost, p50 %s p99 %s max %s", len(f.After), f.LostOther, fmtDur(quantile(f.After, 0.5)), fmtDur(quantile(f.After, 0.99)), fmtDur(quantile(f.After, 1)))
	p("  acknowledged answers lost: %d (the bot asked a question again after it had moved past it)", f.Regressed)
}

func (r *report) write(w io.Writer) {
	cfg := r.cfg
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	defer func() {
		if cfg.Failover != "" {
			r.writeFailover(p)
		}
	}()
	p("")
	p("intakeload report")
	p("=================")
	bot := "external"
	if cfg.Bot == "inprocess" {
		bot = fmt.Sprintf("intakebot serve, run by this tool (pid %d)", r.env.botPID)
	}
	p("bot            %s", bot)
	rate := "as fast as replies come"
	if cfg.Rate > 0 {
		rate = fmt.Sprintf("target %.0f updates/s", cfg.Rate)
	}
	p("people         %d, %s, think %v, skip %.0f%%; %d process directors get their handoffs", cfg.Users, rate, cfg.Think, 100*cfg.Skip, cfg.Directors)
	store := cfg.RedisURL
	if r.env.redis != nil {
		store = "redis-server started by this tool (appendonly yes, appendfsync " + cfg.Fsync + ")"
	}
	if r.env.sentinel != nil {
		store = "Sentinel setup started by this tool: a primary, a replica, three sentinels (appendfsync " + cfg.Fsync + ", min-replicas-to-write 1, the bot waits for 1 replica)"
	}
	p("redis          %s", store)
	p("machine        %d CPUs (GOMAXPROCS %d), shared by the bot, redis, the fake and the people", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if r.End.Load1 > 0 {
		peak := 0.0
		for _, s := range r.Trend {
			peak = max(peak, s.Load1)
		}
		p("load average   %.2f before load, %.2f at window start, %.2f at its end, %.2f at most (1 min, all processes)", r.Idle.Load1, r.Start.Load1, r.End.Load1, peak)
	}
	p("measured       %v after a warm-up of %v%s", r.Measured().Round(time.Millisecond), cfg.Warmup, map[bool]string{true: " (interrupted)"}[r.Interrupted])
	p("")
	w2 := r.Window
	p("updates        sent %d, handled %d: %.1f updates/s", w2[cSent], w2[cHandled], r.PerSecond())
	p("intakes        %d sent (Versturen) and begun again; %d questions skipped", w2[cIntakes], w2[cSkips])
	s := r.sorted()
	p("latency        p50 %s  p90 %s  p99 %s  max %s  (n=%d)", fmtDur(quantile(s, .5)), fmtDur(quantile(s, .9)), fmtDur(quantile(s, .99)), fmtDur(quantile(s, 1)), len(s))
	p("               from the update being available in the fake to the bot's first")
	p("               sendMessage/editMessageText for that chat reaching the fake")
	if hist := r.botHistogram(); hist != "" {
		p("bot's own      %s", hist)
	}
	if r.flood != nil {
		r.flood.write(w, cfg)
	}
	p("")
	handled := float64(max(r.Handled(), 1))
	if r.env.proxy != nil {
		d := diffCounts(r.Start.Proxy.ByName, r.End.Proxy.ByName)
		rts := r.End.Proxy.RoundTrips - r.Start.Proxy.RoundTrips
		p("redis round trips per update  %.2f  (%d round trips, %d commands sent, %d connections opened in all)",
			r.RoundTripsPerUpdate(), rts, r.End.Proxy.Commands-r.Start.Proxy.Commands, r.End.Proxy.Conns)
		p("  commands the bot sent, per update: %s", perUpdate(d, handled))
	} else {
		p("redis round trips per update  not counted (-proxy=false)")
	}
	cs := diffCounts(r.Start.CmdStats, r.End.CmdStats)
	delete(cs, "info")
	var total int64
	for _, v := range cs {
		total += v
	}
	p("  INFO commandstats, per update: %.2f in all: %s", float64(total)/handled, perUpdate(cs, handled))
	p("  (commandstats also counts the commands run inside Lua scripts; each EVALSHA is one round trip)")
	p("")
	p("bot process    %-14s %-14s %-14s %-14s", "before load", "window start", "window end", "2 s after load")
	row := func(name string, f func(snapshot) string) {
		p("  %-12s %-14s %-14s %-14s %-14s", name, f(r.Idle), f(r.Start), f(r.End), f(r.After))
	}
	row("RSS", func(s snapshot) string {
		if !s.Bot.OK {
			if v, ok := s.Metrics["process_resident_memory_bytes"]; ok {
				return fmtBytes(int64(v)) // external bot without -bot-pid
			}
			return "n/a"
		}
		return fmtBytes(s.Bot.RSS)
	})
	row("peak RSS", func(s snapshot) string {
		if !s.Bot.OK {
			return "n/a"
		}
		return fmtBytes(s.Bot.PeakRSS)
	})
	row("goroutines", func(s snapshot) string { return metric(s, "go_goroutines") })
	row("OS threads", func(s snapshot) string {
		if !s.Bot.OK {
			return "n/a"
		}
		return strconv.Itoa(s.Bot.Threads)
	})
	if t := r.trend(); t != "" {
		p("  over the window (%d samples, one per progress line): %s", len(r.Trend), t)
	}
	switch _, ok := r.End.Metrics["go_goroutines"]; {
	case r.env.metrics == "":
		p("  (external bot: pass -bot-metrics and -bot-pid for its goroutines, RSS and CPU)")
	case !ok:
		p("  (goroutines: the bot's /metrics has no go_goroutines gauge; RSS and threads are from /proc)")
	}
	secs := r.Measured().Seconds()
	cpu := func(a, b procStats) string {
		if !a.OK || !b.OK || secs <= 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.0f%%", 100*(b.CPU-a.CPU).Seconds()/secs)
	}
	p("CPU in window  bot %s, redis %s, this tool with the fake and the people %s (100%% = one core)",
		cpu(r.Start.Bot, r.End.Bot), cpu(r.Start.Redis, r.End.Redis), cpu(r.Start.Self, r.End.Self))
	if cfg.Bot == "inprocess" {
		p("bot stop       %v after SIGTERM", r.StopTook.Round(time.Millisecond))
	}
	p("")
	if m := r.botCounters(); m != "" {
		p("bot metrics    %s", m)
	}
	probs := r.Problems()
	if len(probs) == 0 {
		p("errors         none")
	} else {
		p("errors")
		for _, s := range probs {
			p("  - %s", s)
		}
		for _, k := range sortedByCount(r.LogMsgs) {
			p("  bot log %d× %s", r.LogMsgs[k], k)
		}
	}
}

// trend compares the first and the second half of the window's samples:
// memory or goroutines that grow with time show up as a higher second half.
func (r *report) trend() string {
	if len(r.Trend) < 4 {
		return ""
	}
	half := len(r.Trend) / 2
	var parts []string
	stat := func(name string, f func(snapshot) (float64, bool), format func(float64) string) {
		var a, b []float64
		for i, s := range r.Trend {
			if v, ok := f(s); ok {
				if i < half {
					a = append(a, v)
				} else {
					b = append(b, v)
				}
			}
		}
		if len(a) == 0 || len(b) == 0 {
			return
		}
		parts = append(parts, fmt.Sprintf("%s median %s -> %s, max %s -> %s", name,
			format(median(a)), format(median(b)), format(maxOf(a)), format(maxOf(b))))
	}
	stat("RSS", func(s snapshot) (float64, bool) { return float64(s.Bot.RSS), s.Bot.OK },
		func(v float64) string { return fmtBytes(int64(v)) })
	stat("goroutines", func(s snapshot) (float64, bool) { v, ok := s.Metrics["go_goroutines"]; return v, ok },
		func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) })
	if len(parts) == 0 {
		return ""
	}
	return "first half -> second half: " + strings.Join(parts, "; ")
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func maxOf(v []float64) float64 {
	m := v[0]
	for _, x := range v[1:] {
		m = max(m, x)
	}
	return m
}

// botCounters are the bot's own counters over the window.
func (r *report) botCounters() string {
	var parts []string
	for _, name := range []string{"intakebot_updates_handled_total", "intakebot_messages_sent_total", "intakebot_store_conflicts_total",
		"intakebot_store_errors_total", "intakebot_send_retries_total", "intakebot_rate_limited_total", "intakebot_panics_total"} {
		if v, ok := r.End.Metrics[name]; ok {
			parts = append(parts, fmt.Sprintf("%s %.0f", strings.TrimSuffix(strings.TrimPrefix(name, "intakebot_"), "_total"), v-r.Start.Metrics[name]))
		}
	}
	return strings.Join(parts, ", ")
}

// botHistogram reads the bot's update-duration histogram over the window:
// the bucket bounds p50 and p99 fall under.
func (r *report) botHistogram() string {
	const name = "intakebot_update_duration_seconds"
	type bucket struct {
		le    float64
		count float64
	}
	var bs []bucket
	for k, v := range r.End.Metrics {
		rest, ok := strings.CutPrefix(k, name+`_bucket{le="`)
		if !ok {
			continue
		}
		le, err := strconv.ParseFloat(strings.TrimSuffix(rest, `"}`), 64)
		if strings.HasPrefix(rest, "+Inf") {
			le, err = 1e18, nil
		}
		if err == nil {
			bs = append(bs, bucket{le, v - r.Start.Metrics[k]})
		}
	}
	if len(bs) == 0 {
		return ""
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].le < bs[j].le })
	total := bs[len(bs)-1].count
	if total <= 0 {
		return ""
	}
	at := func(q float64) string {
		for _, b := range bs {
			if b.count >= q*total {
				if b.le >= 1e18 {
					return "> " + fmtDur(time.Duration(bs[len(bs)-2].le*float64(time.Second)))
				}
				return "≤ " + fmtDur(time.Duration(b.le*float64(time.Second)))
			}
		}
		return "?"
	}
	mean := (r.End.Metrics[name+"_sum"] - r.Start.Metrics[name+"_sum"]) / total
	return fmt.Sprintf("handling time (its histogram): p50 %s, p99 %s, mean %s, n=%.0f", at(.5), at(.99), fmtDur(time.Duration(mean*float64(time.Second))), total)
}

func metric(s snapshot, name string) string {
	if v, ok := s.Metrics[name]; ok {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return "n/a"
}

func perUpdate(m map[string]int64, updates float64) string {
	var parts []string
	for _, k := range sortedByCount(m) {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, float64(m[k])/updates))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func fmtBytes(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
