package main

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/jobqueue"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/remindstore"
	"github.com/intakebot/intakebot/storage/spool"
)

// A young person's Telegram ID as they look (ten digits), so that a scan
// for it finds no false hits in hex names.
const youngTelegramID = 7301234567

// onRedis runs the bot as serve wires it, on client (a single node or a
// Cluster), with the poller, the due job (reminders) polled every 50 ms
// and the director reminded 300 ms after delivery. It returns the
// instance for person.handled and the stores.
func onRedis(t *testing.T, api *telegramtest.Server, client redis.UniversalClient) (*instance, *storage.People, *storage.Sessions) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg, err := loadConfig(func(string) string { return "" }, false)
	if err != nil {
		t.Fatal(err)
	}
	engine, cat, err := newEngine(cfg, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	codec := testCodec(t)
	sessions := storage.NewSessions(client, codec, storage.SessionsOptions{CacheSize: sessionCacheSize})
	people := storage.NewPeople(client, codec, "", time.Now)
	if err := people.Staff.AddStaff(ctx, domain.StaffMember{UserID: openDirector, Role: domain.RoleDirector, Name: "Sanne", Lang: "nl"}); err != nil {
		t.Fatal(err)
	}
	api2, err := tgbot.New("123456:TEST-token", tgbot.WithServerURL(api.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	logs := &bottest.Log{}
	log := newLogger(cfg, logs)
	met := &metrics.Metrics{}
	alertSpool, err := spool.Open(t.TempDir(), "alerts", codec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { alertSpool.Close() })
	opts, err := withCheckin(withPeople(bot.Options{
		Engine: engine, Store: sessionStore{sessions}, API: api2, Log: log, Username: telegramtest.BotUsername,
		Renderer: &render.Renderer{L: cat, Log: log, Loc: time.UTC}, PseudonymKey: []byte("k"), DefaultLang: "nl", Metrics: met,
		Sender:             &telegram.Sender{PerSecond: 1000, PerChatInterval: time.Millisecond},
		OpenIntakeDirector: openDirector, AckAfter: 300 * time.Millisecond, Spool: alertSpool,
		Reminders: remindstore.New(client, codec, ""),
	}, people, storage.NewTrail(client, codec, "")), client, codec, "", 0, cat)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bot.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ops := httptest.NewServer(metrics.OpsHandler(func(ctx context.Context) error { return client.Ping(ctx).Err() }, met))
	runner := &jobs.Runner{Log: log, Lease: jobqueue.NewLeases(client, "")}
	due := b.DueJob()
	due.Every = 50 * time.Millisecond
	remind := b.ReminderJob()
	remind.Every = 50 * time.Millisecond
	if err := runner.Start(ctx, due, remind); err != nil {
		t.Fatal(err)
	}
	p := &telegram.Poller{Client: ops.Client(), BaseURL: api.URL(), Token: "123456:TEST-token", Timeout: time.Second, Log: log,
		Handle: b.Edge().HandleUpdate}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		b.WaitHandoffs(context.Background())
		_ = runner.Wait(context.Background())
		b.Close()
		ops.Close()
	})
	return &instance{logs: logs, metrics: ops.URL + "/metrics"}, people, sessions
}

// intakeHandoffReminderAlert runs a full intake, its handoff to the
// director, the director's reminder (the due job), a weekly reminder of
// the director to the young person (storage/remindstore, sent by the
// reminders job and saved again for next week) and an /urgent alert.
func intakeHandoffReminderAlert(t *testing.T, api *telegramtest.Server, in *instance, people *storage.People, client redis.UniversalClient) {
	t.Helper()
	yp := &person{t: t, api: api, bot: in, chat: youngTelegramID, lang: "nl"}
	yp.say("/start")
	typed := fullIntake(yp)
	waitDirectorSummary(t, api, typed[0])
	api.WaitMessage(t, openDirector, 10*time.Second, func(m telegramtest.Msg) bool {
		return m.FromBot && strings.Contains(m.Text, "Herinnering")
	})
	waitCase(t, people, strconv.Itoa(youngTelegramID), "reminded", func(c domain.Case) bool { return !c.Reminded.IsZero() })
	// As /remind makes it (bot/remind_test.go covers the buttons).
	rs := remindstore.New(client, testCodec(t), "")
	now := time.Now()
	if _, err := rs.SaveReminder(context.Background(), domain.Reminder{ID: "e2e1", Key: strconv.Itoa(youngTelegramID),
		Staff: openDirector, Template: domain.TemplateOwn, Text: "Bel je woonbegeleider", First: now, Due: now,
		Repeat: "weekly", Status: domain.ReminderScheduled, Created: now}); err != nil {
		t.Fatal(err)
	}
	api.WaitMessage(t, youngTelegramID, 10*time.Second, func(m telegramtest.Msg) bool {
		return m.FromBot && strings.Contains(m.Text, "Bel je woonbegeleider")
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, ok, err := rs.Reminder(context.Background(), "e2e1")
		if err != nil || !ok {
			t.Fatalf("the reminder after its sending: %v, %v", ok, err)
		}
		if r.Due.After(now.Add(6 * 24 * time.Hour)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the weekly reminder was not saved for next week: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got, err := rs.RemindersOf(context.Background(), openDirector); err != nil || len(got) != 1 {
		t.Fatalf("the director's reminders: %d, %v", len(got), err)
	}
	yp.say("/urgent")
	api.WaitMessage(t, openDirector, 10*time.Second, func(m telegramtest.Msg) bool {
		return m.FromBot && strings.Contains(m.Text, "Dringend")
	})
	if _, ok, err := people.Alerts.Alert(context.Background(), strconv.Itoa(youngTelegramID)); err != nil || !ok {
		t.Fatalf("no alert after /urgent: %v %v", ok, err)
	}
}

// rawIDs scans all of Redis for the young person's Telegram ID in plain.
func rawIDs(t *testing.T, client redis.UniversalClient) []redistest.Finding {
	t.Helper()
	found, err := redistest.FindPlain(context.Background(), client, []string{strconv.Itoa(youngTelegramID)}, storage.LooksSealed)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// After a full intake, its handoff, the director's reminder and an alert,
// no key name, member, field or plain value in Redis holds the young
// person's Telegram ID (issue 14; the layout before held it in 9 places;
// the reminders' first layout in 2 more: its person set's key name and the
// reminder's plain "key" field).
func TestAFullIntakeLeavesNoRawTelegramIDInRedis(t *testing.T) {
	api := telegramtest.New(t)
	client := redistest.Start(t).Client(t)
	in, people, _ := onRedis(t, api, client)
	intakeHandoffReminderAlert(t, api, in, people, client)
	if found := rawIDs(t, client); len(found) != 0 {
		t.Errorf("the Telegram ID is readable in %d places: %v", len(found), found)
	}
	// Staff IDs may stay plain where the README's table says so (the
	// audit trail's actor, the on-call roster); for the record:
	staff, err := redistest.FindPlain(context.Background(), client, []string{strconv.Itoa(openDirector)}, storage.LooksSealed)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the director's ID is plain in %d places: %v", len(staff), staff)
}

// The same on a Redis Cluster of three primaries (issue 13): an intake, a
// handoff, the reminder and an alert work, every script within one slot,
// and a storage/jobqueue job goes through its queue.
func TestIntakeHandoffReminderAndAlertOnRedisCluster(t *testing.T) {
	api := telegramtest.New(t)
	cluster := redistest.StartCluster(t)
	client := cluster.Client(t)
	in, people, sessions := onRedis(t, api, client)
	intakeHandoffReminderAlert(t, api, in, people, client)
	if found := rawIDs(t, client); len(found) != 0 {
		t.Errorf("the Telegram ID is readable in %d places: %v", len(found), found)
	}
	ctx := context.Background()
	if n, err := sessions.ActiveSince(ctx, time.Now().Add(-time.Hour)); err != nil || n != 1 {
		t.Errorf("active sessions = %d, %v; want 1", n, err)
	}
	// A job of storage/jobqueue, scheduled, claimed and done on the cluster.
	q := jobqueue.NewJobs(client, "")
	now := time.Now()
	if err := q.Schedule(ctx, "cluster-test", "job-1", now); err != nil {
		t.Fatal(err)
	}
	ids, err := q.Claim(ctx, "cluster-test", now, time.Minute, 10)
	if err != nil || len(ids) != 1 || ids[0] != "job-1" {
		t.Fatalf("Claim = %v, %v", ids, err)
	}
	if err := q.Done(ctx, "cluster-test", "job-1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ids, err := q.Claim(ctx, "cluster-test", now.Add(time.Hour), time.Minute, 10); err != nil || len(ids) != 0 {
		t.Fatalf("Claim after Done = %v, %v", ids, err)
	}
}
