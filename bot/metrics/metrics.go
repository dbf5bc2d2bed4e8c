// Package metrics counts what the bot does (updates, sends, retries,
// failures, latency) and serves /healthz, /readyz and /metrics. Counters
// only: no content, no IDs.
//
// The counters are plain atomics, cheap on the hot path; /metrics shows
// them through github.com/prometheus/client_golang, on a registry of the
// bot's own (never the global default), with the Go runtime and process
// collectors beside them.
package metrics

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/expfmt"
)

// Metrics are the bot's counters. The zero value is ready to count; the
// registry that shows them is made on the first scrape (Registry).
type Metrics struct {
	Updates     atomic.Int64
	Sent        atomic.Int64
	Retries     atomic.Int64
	RateLimited atomic.Int64
	StoreErrors atomic.Int64
	Conflicts   atomic.Int64
	Panics      atomic.Int64

	// AlertsEscalated counts alerts nobody took within the take window,
	// passed on to the next on call and the admins.
	AlertsEscalated atomic.Int64
	// AlertsUnanswered counts alerts nobody took even after that: the
	// young person was shown the crisis lines again.
	AlertsUnanswered atomic.Int64
	// DirectorReminders counts directors reminded of a summary they had
	// not acknowledged; HandoffsEscalated counts intakes that waited too
	// long for their director (not acknowledged, or not delivered), of
	// which the admins were told.
	DirectorReminders atomic.Int64
	HandoffsEscalated atomic.Int64

	// The sender's gauges: sends waiting for their chat or for a request
	// slot right now, by lane (live replies, bulk traffic).
	QueueLive atomic.Int64
	QueueBulk atomic.Int64
	// Throttled counts requests the sender held back to stay within the
	// limits (its own, or a 429's retry_after).
	Throttled atomic.Int64
	// BudgetWaits counts requests held back by the send budget shared by
	// the replicas (in Redis); BudgetFallbacks counts requests sent on the
	// replica's own limiter alone because that budget did not answer.
	BudgetWaits     atomic.Int64
	BudgetFallbacks atomic.Int64
	// SendFailures counts messages and documents given up on.
	SendFailures atomic.Int64
	// RetryAfterTooLong counts 429s whose retry_after was above the
	// sender's MaxRetryAfter, so the send gave up.
	RetryAfterTooLong atomic.Int64
	// SendsUncertain counts sends given up because they may have arrived:
	// the request was written, then the answer was lost (a timeout, a
	// broken connection), and the call is not safe to repeat.
	SendsUncertain atomic.Int64
	// UndecodedAnswers counts 200 answers the Bot API client could not
	// decode; the message arrived and counts as sent.
	UndecodedAnswers atomic.Int64
	// UpdatesRedelivered counts updates that came again after they were
	// applied (on this replica or another): not applied again.
	UpdatesRedelivered atomic.Int64
	// UpdatesUnordered counts updates of a chat applied without waiting
	// for an earlier one, because the bounded wait passed.
	UpdatesUnordered atomic.Int64
	// SkippedRecords counts list entries left out because their record
	// does not open; Quarantined counts records set aside for that reason.
	SkippedRecords atomic.Int64
	Quarantined    atomic.Int64

	// Edge counts the edge's first aid and fair lanes (edge.go).
	Edge EdgeCounters

	latency [10]atomic.Int64 // one per bucket and +Inf
	sumNs   atomic.Int64

	// Gauges are read when /metrics is scraped (active sessions, queue
	// depth...), each side by side with the others. Set them before the
	// first scrape.
	Gauges []Gauge

	once sync.Once
	reg  *prometheus.Registry
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

// Registry is the registry /metrics serves: the bot's counters and
// histogram, the Gauges, the Go runtime and the process. It is made once,
// on the first call.
func (m *Metrics) Registry() *prometheus.Registry {
	m.once.Do(func() {
		m.reg = prometheus.NewRegistry()
		m.reg.MustRegister(
			collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
			newCounters(m),
		)
		// One collector per gauge: the registry collects them side by
		// side, so a slow store bounds a scrape once, not once per gauge.
		for _, g := range m.Gauges {
			m.reg.MustRegister(gaugeCollector{g, prometheus.NewDesc(g.Name, g.Help, nil, nil)})
		}
	})
	return m.reg
}

// WriteTo writes what a scrape shows, in the Prometheus text format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	families, err := m.Registry().Gather()
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return 0, err
		}
	}
	n, werr := buf.WriteTo(w)
	if werr != nil {
		return n, werr
	}
	return n, err
}

// eachCounter calls counter with every counter of m, under the name
// /metrics shows it by. A new counter is a field of Metrics and a line
// here.
func (m *Metrics) eachCounter(counter func(name, help string, v int64)) {
	counter("intakebot_updates_handled_total", "Updates handled to the end (applied, ignored or duplicate), replies sent.", m.Updates.Load())
	counter("intakebot_messages_sent_total", "Messages sent or edited.", m.Sent.Load())
	counter("intakebot_send_retries_total", "Bot API calls tried again.", m.Retries.Load())
	counter("intakebot_rate_limited_total", "429 answers from the Bot API.", m.RateLimited.Load())
	counter("intakebot_store_errors_total", "Updates that failed on storage.", m.StoreErrors.Load())
	counter("intakebot_store_conflicts_total", "Compare-and-set races lost and retried.", m.Conflicts.Load())
	counter("intakebot_panics_total", "Panics caught while handling an update.", m.Panics.Load())
	counter("intakebot_alerts_escalated_total", "Alerts nobody took within the take window, passed on to the next on call and the admins.", m.AlertsEscalated.Load())
	counter("intakebot_alerts_unanswered_total", "Alerts nobody took after the escalation either; the crisis lines were shown again.", m.AlertsUnanswered.Load())
	counter("intakebot_director_reminders_total", "Directors reminded of a summary they had not acknowledged.", m.DirectorReminders.Load())
	counter("intakebot_handoffs_escalated_total", "Intakes that waited too long for their director (not acknowledged, or not delivered); the admins were told.", m.HandoffsEscalated.Load())
	counter("intakebot_send_throttled_total", "Bot API requests held back to stay within the rate limits.", m.Throttled.Load())
	counter("intakebot_send_budget_waits_total", "Bot API requests held back by the send budget the replicas share.", m.BudgetWaits.Load())
	counter("intakebot_send_budget_fallbacks_total", "Bot API requests sent on the replica's own limiter alone because the shared send budget (Redis) did not answer.", m.BudgetFallbacks.Load())
	counter("intakebot_send_failures_total", "Messages and documents given up on.", m.SendFailures.Load())
	counter("intakebot_retry_after_too_long_total", "429 answers whose retry_after was above the cap, so the send gave up.", m.RetryAfterTooLong.Load())
	counter("intakebot_sends_uncertain_total", "Sends given up because the answer was lost after the request was written (not safe to repeat).", m.SendsUncertain.Load())
	counter("intakebot_send_undecoded_answers_total", "200 answers the Bot API client could not decode, counted as sent.", m.UndecodedAnswers.Load())
	counter("intakebot_updates_redelivered_total", "Updates delivered again after they were applied, not applied twice.", m.UpdatesRedelivered.Load())
	counter("intakebot_updates_unordered_total", "Updates of a chat applied before an earlier one, after the bounded wait.", m.UpdatesUnordered.Load())
	counter("intakebot_records_skipped_total", "List entries left out because their stored record does not open.", m.SkippedRecords.Load())
	counter("intakebot_records_quarantined_total", "Stored records that did not open, set aside.", m.Quarantined.Load())
	m.Edge.each(counter)
}

var (
	queueDepthDesc = prometheus.NewDesc("intakebot_send_queue_depth",
		"Sends waiting for their chat or for a request slot.", []string{"lane"}, nil)
	updateDurationDesc = prometheus.NewDesc("intakebot_update_duration_seconds",
		"Time to handle one update.", nil, nil)
)

// counters shows the atomics of Metrics: read at scrape time, so that
// counting costs the hot path one atomic add, as before.
type counters struct {
	m     *Metrics
	descs map[string]*prometheus.Desc // by name
}

func newCounters(m *Metrics) counters {
	c := counters{m: m, descs: map[string]*prometheus.Desc{}}
	m.eachCounter(func(name, help string, _ int64) { c.descs[name] = prometheus.NewDesc(name, help, nil, nil) })
	return c
}

func (c counters) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
	ch <- queueDepthDesc
	ch <- updateDurationDesc
}

func (c counters) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	m.eachCounter(func(name, _ string, v int64) {
		ch <- prometheus.MustNewConstMetric(c.descs[name], prometheus.CounterValue, float64(v))
	})
	ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(m.QueueLive.Load()), "live")
	ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(m.QueueBulk.Load()), "bulk")
	buckets := make(map[float64]uint64, len(latencyBuckets))
	var cum uint64
	for i, b := range latencyBuckets {
		cum += uint64(m.latency[i].Load())
		buckets[b.Seconds()] = cum
	}
	cum += uint64(m.latency[len(latencyBuckets)].Load())
	ch <- prometheus.MustNewConstHistogram(updateDurationDesc, cum, time.Duration(m.sumNs.Load()).Seconds(), buckets)
}

// gaugeCollector shows one Gauge, or nothing when its value is unknown.
type gaugeCollector struct {
	g    Gauge
	desc *prometheus.Desc
}

func (c gaugeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c gaugeCollector) Collect(ch chan<- prometheus.Metric) {
	if v, ok := c.g.Value(); ok {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v)
	}
}
