package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/metrics/promtooltest"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

func scrapeURL(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, %v", url, resp.StatusCode, err)
	}
	return string(body)
}

// /metrics of a running `intakebot serve`, after a young person started,
// is what Prometheus parses without a complaint, and shows the bot's own
// series next to the Go runtime's and the process's.
func TestMetricsOfARunningBotPassPromtool(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	b := startBot(t, api, testEnv(api, rds))
	defer b.stop(t)
	yp := &person{t: t, api: api, bot: b, chat: 6101, lang: "nl"}
	yp.say("/start")

	body := scrapeURL(t, b.metrics)
	for _, want := range []string{
		"intakebot_updates_handled_total 1\n",
		"intakebot_update_duration_seconds_count 1\n",
		"intakebot_active_sessions 1\n",
		"intakebot_redis_up 1\n",
		"intakebot_alerts_waiting 0\n",
		"intakebot_alert_escalations_overdue 0\n",
		"intakebot_handoffs_overdue 0\n",
		`intakebot_send_queue_depth{lane="live"} 0` + "\n",
		"# TYPE go_memstats_heap_alloc_bytes gauge\n",
		"# TYPE process_open_fds gauge\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	promtooltest.CheckMetrics(t, []byte(body))

	// Every series the example alert rules use is one the bot serves.
	rules, err := os.ReadFile(alertRules)
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`intakebot_[a-z_]+`).FindAllString(string(rules), -1)
	if len(used) < 5 {
		t.Fatalf("found only %v in %s", used, alertRules)
	}
	for _, name := range used {
		if !strings.Contains(body, "\n"+name+" ") && !strings.Contains(body, "\n"+name+"{") {
			t.Errorf("%s uses %s, which /metrics does not show", alertRules, name)
		}
	}
}

// alertRules are the example alert rules; alerts_test.yml beside them
// holds their unit tests.
const alertRules = "../../deploy/prometheus/alerts.yml"

func TestAlertRulesPassPromtool(t *testing.T) {
	promtooltest.CheckRules(t, alertRules)
	promtooltest.TestRules(t, strings.TrimSuffix(alertRules, ".yml")+"_test.yml")
	promtooltest.CheckConfig(t, "../../deploy/prometheus/prometheus.yml")
}

// The gauges read from Redis count what is late by the store, and say so
// when Redis does not answer.
func TestStoreGaugesCountLateWorkAndARedisThatIsDown(t *testing.T) {
	rds := redistest.Start(t)
	rdb := rds.Client(t)
	key, _ := storage.ParseKey(testKey)
	codec, _ := storage.NewCodec(key)
	now := time.Now()
	people := storage.NewPeople(rdb, codec, "", func() time.Time { return now })
	ctx := context.Background()
	for key, due := range map[string]time.Duration{"7001": -20 * time.Minute, "7002": -3 * time.Minute, "7003": time.Hour} {
		if err := people.Cases.SaveCase(ctx, domain.Case{Key: key, Director: openDirector, Linked: now.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := people.Cases.ScheduleDue(ctx, key, now.Add(due)); err != nil {
			t.Fatal(err)
		}
	}
	for key, next := range map[string]time.Duration{"7101": -5 * time.Minute, "7102": -30 * time.Second, "7103": 8 * time.Minute} {
		if _, _, err := people.Alerts.OpenAlert(ctx, domain.Alert{Key: key, Kind: dialog.AlertUrgent, Started: now}, now.Add(next), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	m := &metrics.Metrics{Gauges: storeGauges(rdb, people, func() time.Time { return now })}
	read := func() string {
		var b strings.Builder
		if _, err := m.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	body := read()
	for _, want := range []string{
		"intakebot_redis_up 1\n",
		"intakebot_handoffs_overdue 1\n",
		"intakebot_alerts_waiting 3\n",
		"intakebot_alert_escalations_overdue 1\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("gauges lack %q:\n%s", want, body)
		}
	}

	rds.Stop(t)
	body = read()
	if !strings.Contains(body, "intakebot_redis_up 0\n") {
		t.Errorf("Redis down, yet not intakebot_redis_up 0:\n%s", body)
	}
	for _, gone := range []string{"intakebot_handoffs_overdue", "intakebot_alerts_waiting", "intakebot_alert_escalations_overdue"} {
		if strings.Contains(body, gone) {
			t.Errorf("%s shown while Redis is down: a count it could not read", gone)
		}
	}
}

// BenchmarkScrapeWithStoreGauges is one GET /metrics as serve wires it:
// the counters, the Go and process collectors, and the gauges read from a
// real Redis (a PING and four counts, side by side).
func BenchmarkScrapeWithStoreGauges(b *testing.B) {
	rds := redistest.Start(b)
	rdb := rds.Client(b)
	key, _ := storage.ParseKey(testKey)
	codec, _ := storage.NewCodec(key)
	people := storage.NewPeople(rdb, codec, "", time.Now)
	sessions := storage.NewSessions(rdb, codec, storage.SessionsOptions{IdleTTL: time.Hour})
	m := &metrics.Metrics{Gauges: append([]metrics.Gauge{activeSessions(sessions, time.Hour)}, storeGauges(rdb, people, time.Now)...)}
	srv := httptest.NewServer(metrics.OpsHandler(func(ctx context.Context) error { return rdb.Ping(ctx).Err() }, m))
	defer srv.Close()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.Get(srv.URL + "/metrics")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
