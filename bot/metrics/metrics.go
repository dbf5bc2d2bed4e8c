// Package metrics counts what the bot does (updates, sends, retries,
// failures, latency) and serves /healthz, /readyz and /metrics. Counters
// only: no content, no IDs.
package metrics

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Metrics are the bot's counters, written out in the Prometheus text format.
type Metrics struct {
	Updates     atomic.Int64
	Sent        atomic.Int64
	Retries     atomic.Int64
	RateLimited atomic.Int64
	StoreErrors atomic.Int64
	Conflicts   atomic.Int64
	Panics      atomic.Int64

	// The sender's gauges: sends waiting for their chat or for a request
	// slot right now, by lane (live replies, bulk traffic).
	QueueLive atomic.Int64
	QueueBulk atomic.Int64
	// Throttled counts requests the sender held back to stay within the
	// limits (its own, or a 429's retry_after).
	Throttled atomic.Int64
	// SendFailures counts messages and documents given up on.
	SendFailures atomic.Int64
	// RetryAfterTooLong counts 429s whose retry_after was above the
	// sender's MaxRetryAfter, so the send gave up.
	RetryAfterTooLong atomic.Int64
	// SkippedRecords counts list entries left out because their record
	// does not open; Quarantined counts records set aside for that reason.
	SkippedRecords atomic.Int64
	Quarantined    atomic.Int64

	latency [10]atomic.Int64 // one per bucket and +Inf
	sumNs   atomic.Int64

	// Gauges are read when /metrics is scraped (active sessions, queue
	// depth...). Set them before serving.
	Gauges []Gauge
}

// Gauge is a value read at scrape time.
type Gauge struct {
	Name, Help string
	Value      func() (float64, bool) // false: unknown now, left out
}

var latencyBuckets = [9]time.Duration{
	time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, time.Second, 5 * time.Second,
}

func (m *Metrics) Observe(d time.Duration) {
	i := 0
	for i < len(latencyBuckets) && d > latencyBuckets[i] {
		i++
	}
	m.latency[i].Add(1)
	m.sumNs.Add(int64(d))
}

// QueueDepth is the number of sends waiting in the sender, both lanes.
func (m *Metrics) QueueDepth() int64 { return m.QueueLive.Load() + m.QueueBulk.Load() }

// WriteTo writes the metrics in the Prometheus text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	var n int64
	p := func(format string, a ...any) {
		k, _ := fmt.Fprintf(w, format, a...)
		n += int64(k)
	}
	counter := func(name, help string, v int64) {
		p("# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	counter("intakebot_updates_handled_total", "Updates handled to the end (applied, ignored or duplicate), replies sent.", m.Updates.Load())
	counter("intakebot_messages_sent_total", "Messages sent or edited.", m.Sent.Load())
	counter("intakebot_send_retries_total", "Bot API calls tried again.", m.Retries.Load())
	counter("intakebot_rate_limited_total", "429 answers from the Bot API.", m.RateLimited.Load())
	counter("intakebot_store_errors_total", "Updates that failed on storage.", m.StoreErrors.Load())
	counter("intakebot_store_conflicts_total", "Compare-and-set races lost and retried.", m.Conflicts.Load())
	counter("intakebot_panics_total", "Panics caught while handling an update.", m.Panics.Load())
	gauge := func(name, help string, v float64) {
		p("# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v)
	}
	for _, g := range m.Gauges {
		if v, ok := g.Value(); ok {
			gauge(g.Name, g.Help, v)
		}
	}
	gauge("go_goroutines", "Goroutines that currently exist.", float64(runtime.NumGoroutine()))
	if rss, ok := residentBytes(); ok {
		gauge("process_resident_memory_bytes", "Resident memory size in bytes.", float64(rss))
	}
	counter("intakebot_send_throttled_total", "Bot API requests held back to stay within the rate limits.", m.Throttled.Load())
	counter("intakebot_send_failures_total", "Messages and documents given up on.", m.SendFailures.Load())
	counter("intakebot_retry_after_too_long_total", "429 answers whose retry_after was above the cap, so the send gave up.", m.RetryAfterTooLong.Load())
	counter("intakebot_records_skipped_total", "List entries left out because their stored record does not open.", m.SkippedRecords.Load())
	counter("intakebot_records_quarantined_total", "Stored records that did not open, set aside.", m.Quarantined.Load())
	q := "intakebot_send_queue_depth"
	p("# HELP %s Sends waiting for their chat or for a request slot.\n# TYPE %s gauge\n", q, q)
	p("%s{lane=\"live\"} %d\n%s{lane=\"bulk\"} %d\n", q, m.QueueLive.Load(), q, m.QueueBulk.Load())
	name := "intakebot_update_duration_seconds"
	p("# HELP %s Time to handle one update.\n# TYPE %s histogram\n", name, name)
	var cum int64
	for i, b := range latencyBuckets {
		cum += m.latency[i].Load()
		p("%s_bucket{le=\"%g\"} %d\n", name, b.Seconds(), cum)
	}
	cum += m.latency[len(latencyBuckets)].Load()
	p("%s_bucket{le=\"+Inf\"} %d\n%s_sum %g\n%s_count %d\n", name, cum, name, time.Duration(m.sumNs.Load()).Seconds(), name, cum)
	return n, nil
}

// residentBytes reads the process's resident set size (Linux).
func residentBytes() (int64, bool) {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
