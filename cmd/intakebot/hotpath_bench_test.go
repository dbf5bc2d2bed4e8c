package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/remindstore"
	"github.com/intakebot/intakebot/storage/spool"
)

// nullAPI answers every Bot API call at once, so the benchmark measures
// the bot's own work and Redis, not HTTP to Telegram.
type nullAPI struct{}

func (nullAPI) SendMessage(context.Context, *tgbot.SendMessageParams) (*models.Message, error) {
	return &models.Message{ID: 1}, nil
}
func (nullAPI) EditMessageText(context.Context, *tgbot.EditMessageTextParams) (*models.Message, error) {
	return &models.Message{ID: 1}, nil
}
func (nullAPI) AnswerCallbackQuery(context.Context, *tgbot.AnswerCallbackQueryParams) (bool, error) {
	return true, nil
}
func (nullAPI) SendDocument(context.Context, *tgbot.SendDocumentParams) (*models.Message, error) {
	return &models.Message{ID: 1}, nil
}
func (nullAPI) DeleteMessages(context.Context, *tgbot.DeleteMessagesParams) (bool, error) {
	return true, nil
}
func (nullAPI) EditMessageReplyMarkup(context.Context, *tgbot.EditMessageReplyMarkupParams) (*models.Message, error) {
	return &models.Message{ID: 1}, nil
}
func (nullAPI) SetMyCommands(context.Context, *tgbot.SetMyCommandsParams) (bool, error) {
	return true, nil
}
func (nullAPI) DeleteMyCommands(context.Context, *tgbot.DeleteMyCommandsParams) (bool, error) {
	return true, nil
}

// BenchmarkHotPath is one update on the hot path: a young person's text
// answer to a list question, through HandleUpdate (decode, cached load,
// engine with the crisis check, compare-and-set save in real Redis, render,
// send to a null API, the /exit trail recorded in batches).
func BenchmarkHotPath(b *testing.B) {
	// As in production (compose.yaml): AOF with an fsync every second.
	rds := redistest.Start(b, redistest.WithArgs("--appendfsync", "everysec"))
	rdb := rds.Client(b)
	hotPath(b, rdb, redistest.CountRoundTrips(rdb))
}

// BenchmarkHotPathOnCluster is BenchmarkHotPath on a Redis Cluster of three
// primaries. redis-trips/op counts the requests each node gets (a pipeline
// that spans two nodes is two, sent at once).
func BenchmarkHotPathOnCluster(b *testing.B) {
	cc := redistest.StartCluster(b).Client(b)
	trips := &redistest.RoundTrips{}
	cc.OnNewNode(func(n *redis.Client) { n.AddHook(trips) })
	hotPath(b, cc, trips)
}

func hotPath(b *testing.B, rdb redis.UniversalClient, trips *redistest.RoundTrips) {
	cfg, _ := loadConfig(func(string) string { return "" }, false)
	engine, cat, err := newEngine(cfg, time.Now)
	if err != nil {
		b.Fatal(err)
	}
	codec, _ := storage.NewCodec(make([]byte, 32))
	codec = codec.WithNameKey([]byte("pseudonyms"))
	sessions := storage.NewSessions(rdb, codec, storage.SessionsOptions{CacheSize: sessionCacheSize})
	metrics := &metrics.Metrics{}
	// As in serve: the /exit trail is recorded in the background, in
	// batches; its round trips count too.
	opts, err := withCheckin(withPeople(bot.Options{
		Engine: engine, Store: sessionStore{sessions}, API: nullAPI{}, Renderer: &render.Renderer{L: cat},
		PseudonymKey: []byte("k"), DefaultLang: "nl", Metrics: metrics,
		Sender: &telegram.Sender{PerSecond: 100000, PerChatInterval: time.Nanosecond, PerChatBurst: 1000},
		Spool:  benchSpool(b, codec), Reminders: remindstore.New(rdb, codec, ""),
	}, storage.NewPeople(rdb, codec, "", time.Now), storage.NewTrail(rdb, codec, "")), rdb, codec, "", 0, cat)
	if err != nil {
		b.Fatal(err)
	}
	bt, err := bot.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	const chats = 100
	var id int64
	msg := func(chat int64, text string) *models.Update {
		id++
		return &models.Update{ID: id, Message: &models.Message{ID: int(id), Text: text,
			Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, From: &models.User{ID: chat, LanguageCode: "nl"}}}
	}
	// Each chat stands at the network question: a list that takes a text
	// per update and replies "noted" with a button.
	atNetwork := func(c int64) {
		now := time.Now()
		sess := dialog.NewSession(fmt.Sprint(c))
		if old, err := sessions.LoadFresh(ctx, sess.Key); err == nil {
			sess = old
		}
		sess.FlowID, sess.FlowVersion, sess.Lang = engine.Flow.ID, engine.Flow.Version, "nl"
		sess.State, sess.Current, sess.Draft, sess.Started, sess.Updated = dialog.StateAsking, "network", nil, now, now
		if _, err := sessions.Save(ctx, sess); err != nil {
			b.Fatal(err)
		}
	}
	for c := int64(1); c <= chats; c++ {
		atNetwork(c)
	}
	var untimed int64
	b.ReportAllocs()
	b.ResetTimer()
	trips.Reset()
	for i := 0; b.Loop(); i++ {
		chat := int64(i%chats) + 1
		if err := bt.Edge().HandleUpdate(ctx, msg(chat, fmt.Sprintf("Persoon %d", i))); err != nil {
			b.Fatal(err)
		}
		if i%chats == chats-1 && (i/chats)%10 == 9 { // a list holds 15: empty them now and then
			b.StopTimer()
			before := trips.Count()
			for c := int64(1); c <= chats; c++ {
				atNetwork(c)
			}
			untimed += trips.Count() - before
			b.StartTimer()
		}
	}
	b.StopTimer()
	bt.Close() // the last batch of the trail
	b.ReportMetric(float64(trips.Count()-untimed)/float64(b.N), "redis-trips/op")
}

// benchSpool is the alert spool of the bench, in a folder of its own.
func benchSpool(b *testing.B, codec *storage.Codec) *spool.Spool {
	sp, err := spool.Open(b.TempDir(), "alerts", codec)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sp.Close() })
	return sp
}
