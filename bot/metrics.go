package bot

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Metrics are the edge's counters, written out in the Prometheus text format.
type Metrics struct {
	Updates     atomic.Int64
	Sent        atomic.Int64
	Retries     atomic.Int64
	RateLimited atomic.Int64
	StoreErrors atomic.Int64
	Conflicts   atomic.Int64
	Panics      atomic.Int64

	latency [10]atomic.Int64 // one per bucket and +Inf
	sumNs   atomic.Int64
}

var latencyBuckets = [9]time.Duration{
	time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 25 * time.Millisecond,
	50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, time.Second, 5 * time.Second,
}

func (m *Metrics) observe(d time.Duration) {
	i := 0
	for i < len(latencyBuckets) && d > latencyBuckets[i] {
		i++
	}
	m.latency[i].Add(1)
	m.sumNs.Add(int64(d))
}

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
