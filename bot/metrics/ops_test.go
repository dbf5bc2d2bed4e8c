package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/metrics/promtooltest"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func busy() *metrics.Metrics {
	m := &metrics.Metrics{Gauges: []metrics.Gauge{
		{Name: "intakebot_active_sessions", Help: "Intakes with activity within the idle lifetime.", Value: func() (float64, bool) { return 12, true }},
		{Name: "intakebot_unknown_now", Help: "A gauge whose store did not answer.", Value: func() (float64, bool) { return 0, false }},
	}}
	m.Updates.Add(40)
	m.Sent.Add(55)
	m.QueueBulk.Store(3)
	for _, d := range []time.Duration{time.Microsecond, 7 * time.Millisecond, 300 * time.Millisecond, time.Minute} {
		m.Observe(d)
	}
	return m
}

func TestScrapePassesPromtool(t *testing.T) {
	code, body := get(t, metrics.OpsHandler(func(context.Context) error { return nil }, busy()), "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", code)
	}
	for _, line := range []string{
		"intakebot_updates_handled_total 40\n",
		"intakebot_messages_sent_total 55\n",
		`intakebot_send_queue_depth{lane="bulk"} 3` + "\n",
		`intakebot_update_duration_seconds_bucket{le="0.001"} 1` + "\n",
		`intakebot_update_duration_seconds_bucket{le="0.01"} 2` + "\n",
		`intakebot_update_duration_seconds_bucket{le="5"} 3` + "\n",
		`intakebot_update_duration_seconds_bucket{le="+Inf"} 4` + "\n",
		"intakebot_update_duration_seconds_count 4\n",
		"intakebot_active_sessions 12\n",
		"# TYPE go_gc_duration_seconds summary\n",
		"# TYPE process_cpu_seconds_total counter\n",
		"process_resident_memory_bytes ",
		"go_goroutines ",
	} {
		if !strings.Contains(body, line) {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	if strings.Contains(body, "intakebot_unknown_now") {
		t.Error("a gauge whose value is unknown was shown")
	}
	promtooltest.CheckMetrics(t, []byte(body))
}

// The registry is the bot's own: nothing registered on the global default
// shows up, and two bots in one process (the tests) do not collide.
func TestTheRegistryIsOurOwn(t *testing.T) {
	a, b := busy(), &metrics.Metrics{}
	if a.Registry() == b.Registry() {
		t.Fatal("two Metrics share a registry")
	}
	_, body := get(t, b.Handler(), "/metrics")
	if !strings.Contains(body, "intakebot_updates_handled_total 0\n") {
		t.Errorf("a fresh Metrics does not show its counters:\n%s", body)
	}
	if strings.Contains(body, "promhttp_metric_handler") {
		t.Error("the global default registry leaks into /metrics")
	}
}

func TestReadyzAndHealthz(t *testing.T) {
	down := metrics.OpsHandler(func(context.Context) error { return errors.New("no redis") }, &metrics.Metrics{})
	if code, _ := get(t, down, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the store down = %d", code)
	}
	if code, _ := get(t, down, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d", code)
	}
	if code, _ := get(t, down, "/metrics"); code != http.StatusOK {
		t.Errorf("/metrics with the store down = %d", code)
	}
}
