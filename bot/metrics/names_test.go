package metrics

import (
	"bufio"
	"bytes"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// today is every series /metrics showed before it moved to client_golang:
// name, type and label names. A dashboard or an alert may use any of them,
// so none may disappear or change its type or labels.
var today = []series{
	{"go_goroutines", "gauge", ""},
	{"intakebot_active_sessions", "gauge", ""},
	{"intakebot_messages_sent_total", "counter", ""},
	{"intakebot_panics_total", "counter", ""},
	{"intakebot_rate_limited_total", "counter", ""},
	{"intakebot_retry_after_too_long_total", "counter", ""},
	{"intakebot_send_failures_total", "counter", ""},
	{"intakebot_send_queue_depth", "gauge", "lane"},
	{"intakebot_send_retries_total", "counter", ""},
	{"intakebot_send_throttled_total", "counter", ""},
	{"intakebot_store_conflicts_total", "counter", ""},
	{"intakebot_store_errors_total", "counter", ""},
	{"intakebot_update_duration_seconds", "histogram", "le"},
	{"intakebot_updates_handled_total", "counter", ""},
	{"process_resident_memory_bytes", "gauge", ""},
}

type series struct{ name, typ, labels string }

// scrape parses the text exposition format just enough to list the
// families: their TYPE and the label names their samples carry.
func scrape(t *testing.T, text []byte) map[string]series {
	t.Helper()
	got := map[string]series{}
	labels := map[string]map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			got[f[2]] = series{name: f[2], typ: f[3]}
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, "{")
		name = strings.Fields(name)[0]
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suffix); ok && got[base].typ == "histogram" {
				name = base
			}
		}
		if labels[name] == nil {
			labels[name] = map[string]bool{}
		}
		if i := strings.Index(rest, "}"); i >= 0 {
			for _, kv := range strings.Split(rest[:i], ",") {
				if k, _, ok := strings.Cut(kv, "="); ok {
					labels[name][k] = true
				}
			}
		}
	}
	for name, s := range got {
		var ls []string
		for l := range labels[name] {
			ls = append(ls, l)
		}
		sort.Strings(ls)
		s.labels = strings.Join(ls, ",")
		got[name] = s
	}
	return got
}

// everyMetric fills each counter and gauge so that every family is shown.
func everyMetric() *Metrics {
	m := &Metrics{Gauges: []Gauge{{Name: "intakebot_active_sessions", Help: "Intakes with activity within the idle lifetime.",
		Value: func() (float64, bool) { return 3, true }}}}
	m.Updates.Add(1)
	m.Observe(30 * time.Millisecond)
	return m
}

func TestNoMetricOfTodayIsLost(t *testing.T) {
	var b bytes.Buffer
	if _, err := everyMetric().WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	got := scrape(t, b.Bytes())
	for _, want := range today {
		if g, ok := got[want.name]; !ok {
			t.Errorf("%s is gone", want.name)
		} else if g != want {
			t.Errorf("%s: got %s {%s}, want %s {%s}", want.name, g.typ, g.labels, want.typ, want.labels)
		}
	}
	// The buckets keep their bounds, written as before (le="1", not "1.0").
	for _, le := range []string{"0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "1", "5", "+Inf"} {
		if !strings.Contains(b.String(), `intakebot_update_duration_seconds_bucket{le="`+le+`"} `) {
			t.Errorf("the latency bucket le=%q is gone", le)
		}
	}
	if !slices.IsSortedFunc(today, func(a, b series) int { return strings.Compare(a.name, b.name) }) {
		t.Error("keep the list sorted")
	}
}
