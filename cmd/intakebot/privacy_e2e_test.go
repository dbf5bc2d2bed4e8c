package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage/redistest"
)

// redisDump returns one "key<TAB>part" line per key name and per part of
// its value, for every key in the database: a string's value; a hash's
// field names and values; a set's members; a sorted set's members and
// scores; a list's elements; a stream's entry IDs, field names and values.
// A test searches it for what must never be stored readable.
func redisDump(t *testing.T, rdb *redis.Client) []string {
	t.Helper()
	ctx := context.Background()
	var keys []string
	var cursor uint64
	for {
		batch, next, err := rdb.Scan(ctx, cursor, "*", 500).Result()
		if err != nil {
			t.Fatalf("redisDump: SCAN: %v", err)
		}
		keys = append(keys, batch...)
		if cursor = next; cursor == 0 {
			break
		}
	}
	sort.Strings(keys)
	var out []string
	add := func(key string, parts ...string) {
		for _, p := range parts {
			out = append(out, key+"\t"+p)
		}
	}
	for _, k := range keys {
		add(k, k)
		typ, err := rdb.Type(ctx, k).Result()
		if err != nil {
			t.Fatalf("redisDump: TYPE: %v", err)
		}
		switch typ {
		case "none": // expired since SCAN
		case "string":
			v, err := rdb.Get(ctx, k).Result()
			if err != nil && err != redis.Nil {
				t.Fatalf("redisDump: GET: %v", err)
			}
			add(k, v)
		case "hash":
			m, err := rdb.HGetAll(ctx, k).Result()
			if err != nil {
				t.Fatalf("redisDump: HGETALL: %v", err)
			}
			for _, f := range slices.Sorted(maps.Keys(m)) {
				add(k, f, m[f])
			}
		case "set":
			ms, err := rdb.SMembers(ctx, k).Result()
			if err != nil {
				t.Fatalf("redisDump: SMEMBERS: %v", err)
			}
			add(k, ms...)
		case "zset":
			zs, err := rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
			if err != nil {
				t.Fatalf("redisDump: ZRANGE: %v", err)
			}
			for _, z := range zs {
				add(k, fmt.Sprint(z.Member), strconv.FormatFloat(z.Score, 'f', -1, 64))
			}
		case "list":
			ls, err := rdb.LRange(ctx, k, 0, -1).Result()
			if err != nil {
				t.Fatalf("redisDump: LRANGE: %v", err)
			}
			add(k, ls...)
		case "stream":
			xs, err := rdb.XRange(ctx, k, "-", "+").Result()
			if err != nil {
				t.Fatalf("redisDump: XRANGE: %v", err)
			}
			for _, x := range xs {
				add(k, x.ID)
				for _, f := range slices.Sorted(maps.Keys(x.Values)) {
					add(k, f, fmt.Sprint(x.Values[f]))
				}
			}
		default:
			t.Fatalf("redisDump: key of type %s not dumped", typ)
		}
	}
	return out
}

// intakeStep is how fullIntake answers one question of the default flow,
// recognised by a piece of its Dutch text (locales/nl.toml).
type intakeStep struct {
	id, text string
	kind     string   // "text", "list", "press" (buttons), "multi" (buttons, then Klaar)
	press    []string // labels for press and multi
}

// intakeSteps cover every question of dialog/default_flow.toml, with the
// choices that make the conditional questions appear. More specific texts
// come before ones they contain.
var intakeSteps = []intakeStep{
	{id: "dreams_help", text: "om die dromen waar te maken", kind: "text"},
	{id: "dreams", text: "Waar droom jij van", kind: "text"},
	{id: "support_areas", text: "Waarbij wil je nog hulp", kind: "multi", press: []string{"Geld en schulden", "Huishouden"}},
	{id: "support_words", text: "Vertel in je eigen woorden", kind: "text"},
	{id: "support_level", text: "Hoeveel hulp heb je nodig", kind: "press", press: []string{"4"}},
	{id: "support_often", text: "Hoe vaak wil je contact", kind: "press", press: []string{"Een paar keer per week"}},
	{id: "not_worked", text: "En wat werkte niet", kind: "text"},
	{id: "worked", text: "Wat werkte goed voor jou", kind: "text"},
	{id: "keep_practitioners", text: "Zijn er hulpverleners die bij jou", kind: "press", press: []string{"Ja"}},
	{id: "practitioners_ok", text: "Mogen wij contact met hen opnemen", kind: "press", press: []string{"Ja"}},
	{id: "practitioners", text: "Wie zijn het?", kind: "list"},
	{id: "network_involve", text: "Mogen we deze mensen vragen", kind: "press", press: []string{"Een paar van hen"}},
	{id: "network_which", text: "Wie mogen wel meedenken", kind: "text"},
	{id: "network", text: "Wie zijn belangrijk voor jou", kind: "list"},
	{id: "trusted_person", text: "Wie is jouw vertrouwenspersoon", kind: "text"},
	{id: "treat_dont", text: "En hoe juist niet", kind: "text"},
	{id: "treat_do", text: "Hoe moeten mensen met jou omgaan", kind: "text"},
	{id: "must_not", text: "Wat mag er echt niet gebeuren", kind: "text"},
	{id: "safe_now", text: "Voel je je op dit moment veilig", kind: "press", press: []string{"Ja, ik voel me veilig"}},
	{id: "safety_agreements", text: "Wat kunnen we samen afspreken", kind: "text"},
	{id: "no_go_reason", text: "Wil je vertellen waarom", kind: "text"},
	{id: "no_go_places", text: "Waar kun of wil je echt niet wonen", kind: "list"},
	{id: "living_now", text: "Waar woon je nu", kind: "press", press: []string{"In een leefgroep"}},
	{id: "daytime", text: "Wat doe je overdag", kind: "multi", press: []string{"School of opleiding", "Stage"}},
	{id: "income_amount", text: "Hoeveel geld krijg je", kind: "press", press: []string{"Meer dan €1050"}},
	{id: "income", text: "Waar komt je geld vandaan", kind: "multi", press: []string{"Loon van werk"}},
	{id: "housing_register", text: "Sta je ingeschreven", kind: "press", press: []string{"Nee, nog niet"}},
	{id: "ground_floor_why", text: "Wil je kort vertellen waarom", kind: "text"},
	{id: "ground_floor", text: "een huis zonder trappen", kind: "press", press: []string{"Ja, helemaal zonder trap"}},
	{id: "anything_else", text: "Wil je nog iets vertellen wat we niet", kind: "text"},
}

// fullIntake drives a young person who already sent /start through
// consent, age and every question of the default flow (no question is
// skipped), to the review, and sends it. Every typed answer is a unique,
// recognisable string (like "Antwoord-dreams-7731"); it returns all of
// them, list entries included, for tests that look for them where they
// must not be.
func fullIntake(p *person) []string {
	p.t.Helper()
	p.expect("Voordat we beginnen")
	p.press("Ik doe mee")
	p.expect("Hoe oud ben je")
	p.press("18")
	p.press("Beginnen")

	var typed []string
	say := func(s string) {
		p.t.Helper()
		p.say(s)
		typed = append(typed, s)
	}
	done := map[string]bool{}
	for n := 0; n < 100; n++ {
		m := p.last()
		if _, ok := m.Button("Versturen"); ok {
			break
		}
		// The question is the last bot message with a "Vraag N van"
		// line: after a list entry the last message is the "Genoteerd!".
		q := m.Text
		msgs := p.api.Chat(p.chat)
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].FromBot && strings.Contains(msgs[i].Text, "Vraag ") {
				q = msgs[i].Text
				break
			}
		}
		var step *intakeStep
		for i := range intakeSteps {
			if strings.Contains(q, intakeSteps[i].text) {
				step = &intakeSteps[i]
				break
			}
		}
		if step == nil {
			p.t.Fatalf("fullIntake: unknown question:\n%s", q)
		}
		if done[step.id] {
			p.t.Fatalf("fullIntake: question %s asked twice; transcript:\n%s", step.id, q)
		}
		done[step.id] = true
		seed := 7700 + 37*len(done)
		switch step.kind {
		case "text":
			say(fmt.Sprintf("Antwoord-%s-%d", strings.ReplaceAll(step.id, "_", ""), seed))
		case "list":
			say(fmt.Sprintf("Punt-%s-een-%d", strings.ReplaceAll(step.id, "_", ""), seed))
			say(fmt.Sprintf("Punt-%s-twee-%d", strings.ReplaceAll(step.id, "_", ""), seed+1))
			p.press("Klaar")
		case "press":
			for _, l := range step.press {
				p.press(l)
			}
		case "multi":
			for _, l := range step.press {
				p.press(l)
			}
			p.press("Klaar")
		}
	}
	if _, ok := p.last().Button("Versturen"); !ok {
		p.t.Fatalf("fullIntake: no review; last message:\n%s", p.last().Text)
	}
	for _, s := range intakeSteps {
		if !done[s.id] {
			p.t.Fatalf("fullIntake: question %s was never asked", s.id)
		}
	}
	p.press("Versturen")
	p.expect("Dank je wel")
	return typed
}

// plaintextIn returns the dump lines that contain any of secrets.
func plaintextIn(dump []string, secrets []string) []string {
	var hits []string
	for _, line := range dump {
		for _, s := range secrets {
			if strings.Contains(line, s) {
				hits = append(hits, fmt.Sprintf("%q in %q", s, line))
			}
		}
	}
	return hits
}

func TestFullIntakeLeavesNoPlaintextInRedis(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	env := testEnv(api, rds)
	bot := startBot(t, api, env)
	defer bot.stop(t)
	yp := &person{t: t, api: api, bot: bot, chat: 5301, lang: "nl"}
	yp.say("/start")
	typed := fullIntake(yp)
	t.Logf("%d answers typed", len(typed))
	waitDirectorSummary(t, api, typed[0])
	dump := redisDump(t, rds.Client(t))
	if hits := plaintextIn(dump, append(typed, "Sanne")); len(hits) > 0 {
		t.Fatalf("plaintext in Redis:\n%s", strings.Join(hits, "\n"))
	}
}

// waitDirectorSummary waits until the open-intake director received a
// message containing want: the handoff of the summary.
func waitDirectorSummary(t *testing.T, api *telegramtest.Server, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, m := range api.Chat(openDirector) {
			if strings.Contains(m.Text, want) || (m.Document != nil && strings.Contains(string(m.Document.Data), want)) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the director got no summary; transcript:\n%s", telegramtest.FormatTranscript(api.Chat(openDirector)))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// newTestKey is a second data key for the rotation tests.
var newTestKey = base64.StdEncoding.EncodeToString([]byte("fedcba9876543210fedcba9876543210"))

func withEnv(env map[string]string, kv ...string) map[string]string {
	out := maps.Clone(env)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// rekeyCmd runs `intakebot rekey` and returns its exit code and output.
func rekeyCmd(t *testing.T, env map[string]string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), []string{"rekey"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &out)
	return code, out.String()
}

// Rotation: a bot with a new key and the old one in INTAKEBOT_OLD_DATA_KEYS
// serves the old data; `rekey` moves everything to the new key while it
// runs; then a bot with the new key alone still has every intake, and
// Redis still holds no answer in plaintext.
func TestKeyRotationKeepsTheDataReadable(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	oldEnv := testEnv(api, rds)
	bot1 := startBot(t, api, oldEnv)
	yp := &person{t: t, api: api, bot: bot1, chat: 5302, lang: "nl"}
	yp.say("/start")
	typed := fullIntake(yp)
	waitDirectorSummary(t, api, typed[0])
	bot1.stop(t)

	// Step 1: the new key encrypts, the old one still decrypts.
	rotEnv := withEnv(oldEnv, "INTAKEBOT_DATA_KEY", newTestKey, "INTAKEBOT_OLD_DATA_KEYS", " "+testKey+" ")
	bot2 := startBot(t, api, rotEnv)
	// Step 2: rekey, with the bot running.
	code, out := rekeyCmd(t, rotEnv)
	if code != 0 || !strings.Contains(out, "0 failed to open") || strings.Contains(out, " 0 re-encrypted") {
		t.Fatalf("rekey exited %d:\n%s", code, out)
	}
	if strings.Contains(out, testKey) || strings.Contains(out, newTestKey) || strings.Contains(out, "5302") {
		t.Fatalf("rekey printed a key or an ID:\n%s", out)
	}
	t.Logf("rekey: %s", out)
	bot2.stop(t)

	// A rekey with the old key alone now opens nothing: it fails, and
	// changes nothing.
	before := redisDump(t, rds.Client(t))
	if code, out := rekeyCmd(t, oldEnv); code != 1 || !strings.Contains(out, "did not open") {
		t.Fatalf("rekey with the old key only exited %d:\n%s", code, out)
	}
	if after := redisDump(t, rds.Client(t)); !slices.Equal(before, after) {
		t.Fatal("a failed rekey changed Redis")
	}

	// Step 3: the old key is dropped. Everything is current, and opens.
	newEnv := withEnv(oldEnv, "INTAKEBOT_DATA_KEY", newTestKey)
	if code, out := rekeyCmd(t, newEnv); code != 0 || !strings.Contains(out, " 0 re-encrypted") || !strings.Contains(out, "0 failed to open") {
		t.Fatalf("second rekey exited %d:\n%s", code, out)
	}
	bot3 := startBot(t, api, newEnv)
	defer bot3.stop(t)
	director := &person{t: t, api: api, bot: bot3, chat: openDirector, lang: "nl"}
	director.say("/cases")
	mark := director.last().ID
	director.press("1. Antwoorden")
	var summary string
	for _, m := range api.Chat(openDirector) {
		if m.FromBot && m.ID > mark {
			summary += m.Text + "\n"
		}
	}
	for _, want := range []string{typed[0], typed[len(typed)-1]} {
		if !strings.Contains(summary, want) {
			t.Fatalf("the summary opened after rotation lacks %q:\n%s", want, summary)
		}
	}
	// The young person's session loads with the new key too.
	yp.bot = bot3
	yp.say("/start")
	yp.expect("al verstuurd")
	if hits := plaintextIn(redisDump(t, rds.Client(t)), append(typed, "Sanne")); len(hits) > 0 {
		t.Fatalf("plaintext in Redis after rotation:\n%s", strings.Join(hits, "\n"))
	}
}

// The rekey command's configuration errors name the variable, never a key.
func TestRekeyConfiguration(t *testing.T) {
	rds := redistest.Start(t)
	base := map[string]string{"REDIS_URL": rds.URL()}
	bad := "not-a-key-but-secret-looking-0123456789"
	for _, tc := range []struct {
		env  map[string]string
		code int
		want string
	}{
		{base, 2, "INTAKEBOT_DATA_KEY"},
		{withEnv(base, "INTAKEBOT_DATA_KEY", bad), 2, "INTAKEBOT_DATA_KEY"},
		{withEnv(base, "INTAKEBOT_DATA_KEY", testKey, "INTAKEBOT_OLD_DATA_KEYS", newTestKey+","+bad), 2, "INTAKEBOT_OLD_DATA_KEYS: key 2"},
		{withEnv(base, "INTAKEBOT_DATA_KEY", testKey, "INTAKEBOT_OLD_DATA_KEYS", newTestKey), 0, "scanned 0 keys"},
	} {
		code, out := rekeyCmd(t, tc.env)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("exit %d, want %d with %q:\n%s", code, tc.code, tc.want, out)
		}
		if strings.Contains(out, bad) || strings.Contains(out, newTestKey) || strings.Contains(out, testKey) {
			t.Errorf("output shows a key:\n%s", out)
		}
	}
}

// The logs of a whole intake, at debug level, hold no answer, no name, no
// readable Telegram ID and no token.
func TestLogsOfAFullIntakeHoldNoPersonalData(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	env := withEnv(testEnv(api, rds), "INTAKEBOT_LOG_LEVEL", "debug")
	bot := startBot(t, api, env)
	const chat = 987650321
	yp := &person{t: t, api: api, bot: bot, chat: chat, lang: "nl"}
	yp.say("/start")
	typed := fullIntake(yp)
	waitDirectorSummary(t, api, typed[0])
	// The director opens the summary again: staff actions are logged too.
	director := &person{t: t, api: api, bot: bot, chat: openDirector, lang: "nl"}
	director.say("/cases")
	director.press("1. Antwoorden")
	bot.stop(t)

	logs := bot.logs.String()
	if !strings.Contains(logs, `"level":"DEBUG"`) && !strings.Contains(logs, "summary opened") {
		t.Fatalf("the logs are not of this intake:\n%s", logs)
	}
	secrets := append(typed, "Sanne", "123456:TEST-token", "TEST-token", strconv.Itoa(chat))
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
	}
	// Staff IDs are pseudonymised as well.
	if regexp.MustCompile(`\b` + strconv.Itoa(openDirector) + `\b`).MatchString(logs) {
		t.Errorf("logs contain the director's user ID")
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("logs:\n%s", logs)
	}
}

// The token never reaches the logs: not in the message, a string, an
// error (the Bot API client's and net/http's errors quote the URL), a
// group, or attributes added with With; escaped or not.
func TestLoggerMasksTheToken(t *testing.T) {
	const token = "123456:TEST-token"
	for _, format := range []string{"json", "text"} {
		var buf bytes.Buffer
		log := newLogger(&config{LogFormat: format, LogLevel: slog.LevelInfo, Token: token}, &buf)
		uerr := &url.Error{Op: "Post", URL: "https://api.telegram.org/bot" + token + "/getUpdates", Err: errors.New("connection refused")}
		log.With("base", "https://api.telegram.org/bot"+token).Error("call to bot"+token+" failed",
			"err", fmt.Errorf("sendMessage: %w", uerr),
			"escaped", "/bot"+url.PathEscape(token)+"/x?t="+url.QueryEscape(token),
			"secret", "TEST-token",
			slog.Group("req", "url", uerr.URL, slog.Group("inner", "u", uerr.URL)),
			"stringer", stringer("bot"+token),
			"struct", struct{ URL string }{uerr.URL},
			"count", 3)
		log.Debug("not logged at info " + token)
		out := buf.String()
		for _, s := range []string{"TEST-token", "TEST%2Dtoken", "not logged"} {
			if strings.Contains(out, s) {
				t.Errorf("%s: the log holds %q:\n%s", format, s, out)
			}
		}
		if n := strings.Count(out, tokenMask); n < 8 {
			t.Errorf("%s: %d masks, want every value masked:\n%s", format, n, out)
		}
		for _, s := range []string{"connection refused", "getUpdates", "count"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: the log lost %q:\n%s", format, s, out)
			}
		}
	}
}

type stringer string

func (s stringer) String() string { return string(s) }

// A real failure: the Bot API can't be reached, and the error that stops
// the bot is about a URL with the token.
func TestAStartupErrorLogsNoToken(t *testing.T) {
	rds := redistest.Start(t)
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN":  "123456:TEST-token",
		"TELEGRAM_API_URL":    "http://" + freeAddr(t), // nobody listens
		"REDIS_URL":           rds.URL(),
		"INTAKEBOT_DATA_KEY":  testKey,
		"INTAKEBOT_HTTP_ADDR": freeAddr(t),
	}
	var out bytes.Buffer
	code := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &out)
	// The Bot API client masks the URL itself ("/bot***/"); the logger
	// would too.
	if code != 1 || !strings.Contains(out.String(), "getMe") {
		t.Fatalf("exit %d, want 1 with the failed getMe:\n%s", code, out.String())
	}
	if strings.Contains(out.String(), "TEST-token") {
		t.Fatalf("the token is in the log:\n%s", out.String())
	}
}

func TestConfigOfLogLevelAndAuditRetention(t *testing.T) {
	c, err := loadConfig(env(nil), false)
	if err != nil || c.LogLevel != slog.LevelInfo || c.AuditRetention != 365*24*time.Hour {
		t.Fatalf("defaults: %v %+v", err, c)
	}
	c, err = loadConfig(env(map[string]string{"INTAKEBOT_LOG_LEVEL": "DEBUG", "INTAKEBOT_AUDIT_RETENTION": "8760h"}), false)
	if err != nil || c.LogLevel != slog.LevelDebug || c.AuditRetention != 8760*time.Hour {
		t.Fatalf("set: %v %+v", err, c)
	}
	for k, v := range map[string]string{"INTAKEBOT_LOG_LEVEL": "loud", "INTAKEBOT_AUDIT_RETENTION": "a year"} {
		if _, err := loadConfig(env(map[string]string{k: v}), false); err == nil || !strings.HasPrefix(err.Error(), k+":") {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}
