package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/reminders"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegram/pace"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/inbox"
	"github.com/intakebot/intakebot/storage/jobqueue"
	"github.com/intakebot/intakebot/storage/redisconn"
	"github.com/intakebot/intakebot/storage/remindstore"
	"github.com/intakebot/intakebot/storage/sendbudget"
	"github.com/intakebot/intakebot/storage/spool"
)

// shutdownGrace bounds how long a stop may take: the batch in hand is
// finished and saved, then the process exits.
const shutdownGrace = 20 * time.Second

// httpClient is shared by the poller and the Bot API client. Go's default
// transport keeps only 2 idle connections per host, so under load most
// calls to api.telegram.org would pay a new TLS handshake; a larger idle
// pool keeps them warm. The overall timeout stays above the long-poll wait.
func httpClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 200
	t.MaxIdleConnsPerHost = 100
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t, Timeout: 60 * time.Second}
}

func serve(ctx context.Context, cfg *config, log *slog.Logger) error {
	engine, cat, err := newEngine(cfg, time.Now)
	if err != nil {
		return err
	}
	ckFlow, err := checkinFlow(cfg, cat)
	if err != nil {
		return err
	}
	redis.SetLogger(redisLogger{log})
	rdb, target, err := redisconn.Open(cfg.Redis)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	defer rdb.Close()
	log.Info("redis", "target", target.String())
	if err := rdb.Ping(ctx).Err(); err != nil {
		// Stay up: /readyz says not ready and each person is told their
		// message is not lost, until Redis is back.
		log.Warn("redis does not answer yet", "err", err)
	}
	codec, err := storage.NewCodec(cfg.DataKey, cfg.OldDataKeys...)
	if err != nil {
		return fmt.Errorf("INTAKEBOT_DATA_KEY or INTAKEBOT_OLD_DATA_KEYS: %w", err)
	}
	// Records are named by a keyed hash of the chat ID, not the ID.
	codec = codec.WithNameKey(recordNameKey(cfg))
	if strings.ContainsAny(cfg.KeyPrefix, "{}") {
		// Works, but puts the whole deployment in one Cluster slot: each
		// person's keys carry a hash tag of their own.
		log.Warn("INTAKEBOT_KEY_PREFIX holds a hash tag: on Redis Cluster every key lands in one slot; see Redis Cluster in the README")
	}
	sessions := storage.NewSessions(rdb, codec, storage.SessionsOptions{
		Prefix: cfg.KeyPrefix, IdleTTL: cfg.SessionTTL, CacheSize: sessionCacheSize,
	})
	people := storage.NewPeople(rdb, codec, cfg.KeyPrefix, time.Now)

	client := httpClient()
	api, err := tgbot.New(cfg.Token, tgbot.WithServerURL(cfg.APIURL), tgbot.WithHTTPClient(time.Minute, telegram.Traced(client)), tgbot.WithSkipGetMe(),
		// Into our logger, where the token is masked (the default prints
		// with the standard log package).
		tgbot.WithErrorsHandler(func(err error) { log.Warn("bot api client", "err", err) }))
	if err != nil {
		return fmt.Errorf("can't make the Bot API client: %w", err)
	}
	me, err := api.GetMe(ctx)
	if err != nil {
		return fmt.Errorf("TELEGRAM_BOT_TOKEN: the Bot API refused getMe (is the token right?): %w", err)
	}

	alertSpool, updateSpool, dir, err := openSpools(cfg, codec, log)
	if err != nil {
		return err
	}
	defer func() {
		alertSpool.Close()
		updateSpool.Close()
		if cfg.SpoolDir == "" {
			os.RemoveAll(dir) // a temporary one: nothing in it survives anyway
		}
	}()

	// Telegram's budget is the bot's, shared by every replica: kept in
	// Redis (INTAKEBOT_SEND_BUDGET=shared, the default); half of it may go
	// at once, so a late request never tips the bot over Telegram's count.
	var budget pace.Budget
	if cfg.SharedBudget {
		// A client of its own: asks that fail while Redis is down must
		// not hold back the stores' connection pool once it is back.
		budgetRdb, _, err := redisconn.Open(budgetRedis(cfg.Redis))
		if err != nil {
			return fmt.Errorf("REDIS_URL: %w", err)
		}
		defer budgetRdb.Close()
		b, err := sendbudget.New(budgetRdb, cfg.KeyPrefix, cfg.SendRate, max(1, cfg.SendRate/2))
		if err != nil {
			return fmt.Errorf("INTAKEBOT_SEND_RATE: %w", err)
		}
		budget = b
	}
	met := &metrics.Metrics{Gauges: []metrics.Gauge{activeSessions(sessions, cfg.SessionTTL)}}
	people.ReportSkipped(func(string) { met.SkippedRecords.Add(1) })
	opts, err := withCheckin(withPeople(bot.Options{
		Engine: engine, Store: sessionStore{sessions}, API: api, Log: log, Username: me.Username,
		Renderer:     &render.Renderer{L: cat, Log: log, Loc: cfg.Location},
		PseudonymKey: cfg.PseudonymKey, DefaultLang: cat.Default(), Metrics: met,
		Sender: &telegram.Sender{PerSecond: cfg.SendRate, PerChatInterval: cfg.ChatSendInterval, Budget: budget},
		Admins: cfg.Admins, InviteTTL: cfg.InviteTTL, AckAfter: cfg.AckAfter, OpenIntakeDirector: cfg.OpenIntakeDirector, TakeWithin: cfg.UrgentTakeWithin,
		AcknowledgedTTL: cfg.AcknowledgedTTL, IdleTTL: cfg.SessionTTL, Spool: alertSpool,
		Reminders: remindstore.New(rdb, codec, cfg.KeyPrefix), Loc: cfg.Location,
		Quiet: reminders.Quiet{From: cfg.QuietFrom, To: cfg.QuietTo}, RegisterFee: cfg.RegisterFee,
		Nudges:      cfg.Nudges,
		CheckinFlow: ckFlow,
	}, people, storage.NewTrail(rdb, codec, cfg.KeyPrefix)), rdb, codec, cfg.KeyPrefix, cfg.SessionTTL, cat)
	if err != nil {
		return err
	}
	b, err := bot.New(opts)
	if err != nil {
		return fmt.Errorf("can't make the bot: %w", err)
	}
	met.Gauges = append(met.Gauges, storeGauges(rdb, people, time.Now)...) // read from Redis at each scrape

	handle, order := onceInOrder(rdb, cfg, b.Edge().HandleUpdate, met, log)
	mux := http.NewServeMux()
	ops := metrics.OpsHandler(func(ctx context.Context) error { return rdb.Ping(ctx).Err() }, met)
	if cfg.OpsAddr == "" {
		mux.Handle("/", ops)
	} else if err := serveOps(ctx, cfg.OpsAddr, ops, log); err != nil {
		return err
	}
	mode := "polling"
	var poller *telegram.Poller
	if cfg.WebhookURL != "" {
		mode = "webhook"
		u, _ := url.Parse(cfg.WebhookURL) // checked in loadConfig
		mux.Handle("POST "+webhookPath(u), &telegram.Webhook{Secret: cfg.WebhookSecret, Handle: handle, Lanes: &telegram.Lanes{}, Order: order, Front: b.Edge(), Log: log})
		if _, err := api.SetWebhook(ctx, &tgbot.SetWebhookParams{
			URL: cfg.WebhookURL, SecretToken: cfg.WebhookSecret, MaxConnections: cfg.WebhookMaxConnections,
			AllowedUpdates: []string{models.AllowedUpdateMessage, models.AllowedUpdateCallbackQuery},
		}); err != nil {
			return fmt.Errorf("INTAKEBOT_WEBHOOK_URL: Telegram refused setWebhook: %w", err)
		}
	} else {
		if _, err := api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
			log.Warn("can't remove a webhook before long polling", "err", err)
		}
		poller = &telegram.Poller{Client: client, BaseURL: cfg.APIURL, Token: cfg.Token, Handle: handle,
			Inbox: inbox.New(rdb, codec, cfg.KeyPrefix), Fallback: updateSpool, Front: b.Edge(), Log: log}
	}

	srv := httpServer(cfg.HTTPAddr, mux, webhookTimeouts)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("INTAKEBOT_HTTP_ADDR: can't listen: %w", err)
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	// Every background job, on one runner: handoffs waiting for an
	// acknowledgement (remind, then tell the admins; retention), alerts
	// nobody took (the next on call and the admins, then the lines again),
	// and the hourly upkeep, by one replica per hour.
	runner := &jobs.Runner{Log: log, Lease: jobqueue.NewLeases(rdb, cfg.KeyPrefix), OnPanic: func() { met.Panics.Add(1) }}
	if err := runner.Start(ctx,
		b.DueJob(),
		b.AlertJob(),
		b.AlertSpoolJob(),
		b.ReminderJob(),
		upkeepJob("prune-active", "expired intakes left the active index", cfg.SessionTTL, sessions.PruneActive, log),
		upkeepJob("trim-audit", "old audit entries dropped", cfg.AuditRetention, people.Audit.TrimAudit, log),
	); err != nil {
		return fmt.Errorf("can't start the background jobs: %w", err)
	}
	b.RegisterMenus(ctx, cat.Languages(), cat.Default())
	if err := b.RegisterStaffMenus(ctx); err != nil {
		log.Warn("can't register the staff menus", "err", err)
	}

	log.Info("intakebot running", "version", version, "mode", mode, "bot", me.Username,
		"flow", engine.Flow.ID, "flow_version", engine.Flow.Version, "languages", engine.Languages,
		"http", ln.Addr().String(), "key_id", codec.KeyID())
	done := make(chan error, 1)
	if poller != nil {
		go func() { done <- poller.Run(ctx) }()
	} else {
		go func() { <-ctx.Done(); done <- nil }()
	}

	<-ctx.Done()
	log.Info("stopping: finishing the updates in hand")
	deadline, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	// The HTTP server waits for webhook calls in progress.
	if err := srv.Shutdown(deadline); err != nil {
		log.Warn("http server did not stop cleanly", "err", err)
	}
	select {
	case err = <-done:
	case <-deadline.Done():
		err = errors.New("updates still in hand after the shutdown deadline")
	}
	b.WaitHandoffs(deadline)
	if err := runner.Wait(deadline); err != nil {
		log.Warn("background jobs did not stop cleanly", "err", err)
	}
	b.Close() // writes the /exit trail still queued
	log.Info("stopped")
	return err
}

// sessionCacheSize is how many decoded sessions a replica keeps: with it,
// an update costs one Redis round trip (the compare-and-set save).
const sessionCacheSize = 10000

// webhookPath is where Telegram POSTs: the path of the public URL (a
// reverse proxy in front forwards it unchanged).
func webhookPath(u *url.URL) string {
	if u.Path == "" {
		return "/"
	}
	return u.Path
}

// activeSessions is the number of intakes touched within the idle lifetime.
func activeSessions(s *storage.Sessions, ttl time.Duration) metrics.Gauge {
	return metrics.Gauge{Name: "intakebot_active_sessions", Help: "Intakes with activity within the idle lifetime.",
		Value: func() (float64, bool) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := s.ActiveSince(ctx, time.Now().Add(-ttl))
			return float64(n), err == nil
		}}
}

// redisLogger sends go-redis's own messages (connection pool trouble) to
// our log at debug level instead of unstructured lines on stderr; outages
// are reported by the bot itself, once per update.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.Debug("redis client", "msg", fmt.Sprintf(format, v...))
}

// openSpools opens the queues on local disk (INTAKEBOT_SPOOL_DIR): the
// alerts of young people in crisis that came while Redis was down, and the
// updates the poller parks when Redis can't take them.
func openSpools(cfg *config, codec *storage.Codec, log *slog.Logger) (*spool.Spool, *spool.Inbox, string, error) {
	dir := cfg.SpoolDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "intakebot-spool-")
		if err != nil {
			return nil, nil, "", fmt.Errorf("can't make a spool folder: %w", err)
		}
		dir = tmp
		log.Warn("INTAKEBOT_SPOOL_DIR is not set: alerts and updates kept while Redis is down do not survive a restart", "dir", dir)
	}
	alerts, err := spool.Open(dir, "alerts", codec)
	if err != nil {
		return nil, nil, "", fmt.Errorf("INTAKEBOT_SPOOL_DIR: %w", err)
	}
	updates, err := spool.OpenInbox(dir, "updates", codec)
	if err != nil {
		alerts.Close()
		return nil, nil, "", fmt.Errorf("INTAKEBOT_SPOOL_DIR: %w", err)
	}
	return alerts, updates, dir, nil
}

// Timeouts of the HTTP servers, so that a slow or idle client never holds
// a connection for ever: reading the request, writing the answer (a
// webhook call is answered within 25 s, when its update is handled, see
// telegram.Webhook) and an idle keep-alive connection.
type timeouts struct{ header, read, write, idle time.Duration }

var (
	webhookTimeouts = timeouts{header: 10 * time.Second, read: 30 * time.Second, write: 40 * time.Second, idle: 2 * time.Minute}
	opsTimeouts     = timeouts{header: 5 * time.Second, read: 10 * time.Second, write: 10 * time.Second, idle: time.Minute}
)

func httpServer(addr string, h http.Handler, t timeouts) *http.Server {
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: t.header, ReadTimeout: t.read, WriteTimeout: t.write, IdleTimeout: t.idle}
}

// serveOps serves /healthz, /readyz and /metrics on addr
// (INTAKEBOT_OPS_ADDR), apart from the webhook, until ctx ends.
func serveOps(ctx context.Context, addr string, ops http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("INTAKEBOT_OPS_ADDR: can't listen: %w", err)
	}
	srv := httpServer(addr, ops, opsTimeouts)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("ops http server stopped", "err", err)
		}
	}()
	context.AfterFunc(ctx, func() { srv.Close() })
	log.Info("health and metrics on their own address", "ops", ln.Addr().String())
	return nil
}

// budgetRedis is the Redis configuration of the send budget: the same
// server, without the WAIT for replicas after each write. The budget need
// not survive a failover (a new primary starts it full again), and a WAIT
// per send would add a replica's round trip to every message, or, with a
// replica down, make the budget fall back every time.
func budgetRedis(c redisconn.Config) redisconn.Config {
	none := 0
	c.WaitReplicas = &none
	return c
}
