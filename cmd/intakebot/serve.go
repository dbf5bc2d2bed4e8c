package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/locales"
	"github.com/intakebot/intakebot/storage"
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
	ropts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(ropts)
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		// Stay up: /readyz says not ready and each person is asked to try
		// again shortly, until Redis is back.
		log.Warn("redis does not answer yet", "err", err)
	}
	codec, err := storage.NewCodec(cfg.DataKey)
	if err != nil {
		return fmt.Errorf("INTAKEBOT_DATA_KEY: %w", err)
	}
	store := sessionStore{storage.NewSessions(rdb, codec, storage.SessionsOptions{Prefix: cfg.KeyPrefix, IdleTTL: cfg.SessionTTL})}

	client := httpClient()
	api, err := tgbot.New(cfg.Token, tgbot.WithServerURL(cfg.APIURL), tgbot.WithHTTPClient(time.Minute, client), tgbot.WithSkipGetMe())
	if err != nil {
		return fmt.Errorf("can't make the Bot API client: %w", err)
	}
	me, err := api.GetMe(ctx)
	if err != nil {
		return fmt.Errorf("TELEGRAM_BOT_TOKEN: the Bot API refused getMe (is the token right?): %w", err)
	}
	if _, err := api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{}); err != nil {
		log.Warn("can't remove a webhook before long polling", "err", err)
	}
	registerCommands(ctx, api, cat, log)

	metrics := &bot.Metrics{}
	b := bot.New(bot.Options{
		Engine: engine, Store: store, API: api, Log: log, Username: me.Username,
		Renderer:     &bot.Renderer{L: cat, Log: log, Loc: cfg.Location},
		PseudonymKey: cfg.DataKey, DefaultLang: cat.Default(), Metrics: metrics,
	})

	srv := &http.Server{Addr: cfg.HTTPAddr, Handler: bot.OpsHandler(func(ctx context.Context) error { return rdb.Ping(ctx).Err() }, metrics), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("INTAKEBOT_HTTP_ADDR: can't listen: %w", err)
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()

	log.Info("intakebot running", "version", version, "mode", "polling", "bot", me.Username,
		"flow", engine.Flow.ID, "flow_version", engine.Flow.Version, "languages", engine.Languages, "http", ln.Addr().String())
	poller := &bot.Poller{Client: client, BaseURL: cfg.APIURL, Token: cfg.Token, Handle: b.HandleUpdate,
		Unavailable: b.Unavailable, Inbox: storage.NewInbox(rdb, codec, cfg.KeyPrefix), Log: log}
	done := make(chan error, 1)
	go func() { done <- poller.Run(ctx) }()

	<-ctx.Done()
	log.Info("stopping: finishing the updates in hand")
	deadline, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	select {
	case err = <-done:
	case <-deadline.Done():
		err = errors.New("updates still in hand after the shutdown deadline")
	}
	_ = srv.Shutdown(deadline)
	log.Info("stopped")
	return err
}

// registerCommands sets the menu of a private chat in each language.
func registerCommands(ctx context.Context, api *tgbot.Bot, cat *locales.Catalog, log *slog.Logger) {
	names := []string{"start", "help", "language", "pause", "back", "skip"}
	for _, lang := range append([]string{""}, cat.Languages()...) {
		textLang := lang
		if textLang == "" {
			textLang = cat.Default()
		}
		cmds := make([]models.BotCommand, 0, len(names))
		for _, n := range names {
			d, _ := cat.Localize(textLang, "cmd."+n, nil)
			cmds = append(cmds, models.BotCommand{Command: n, Description: bot.PlainText(d)})
		}
		_, err := api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
			Commands: cmds, Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: lang,
		})
		if err != nil {
			log.Warn("can't register the command menu", "lang", lang, "err", err)
		}
	}
}
