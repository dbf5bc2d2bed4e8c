package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redisconn"
)

// config is the command line.
type config struct {
	Users     int
	Duration  time.Duration // measured, after Warmup
	Warmup    time.Duration
	Rate      float64 // updates/s over all people; 0: as fast as replies come
	Think     time.Duration
	Skip      float64 // chance to skip a question
	Timeout   time.Duration
	Settle    time.Duration
	Progress  time.Duration
	NewChats  bool
	Directors int // process directors the people are spread over
	Seed      uint64

	RedisURL    string // empty: start a redis-server (or with Sentinel, a Sentinel setup)
	RedisMode   string // INTAKEBOT_REDIS_MODE for RedisURL: single, sentinel, cluster; empty: from the URL
	RedisMaster string // INTAKEBOT_REDIS_MASTER
	Sentinel    bool   // start a Sentinel setup instead of one redis-server
	Failover    string // "", "sentinel" or "kill": fail the primary over mid-window (needs Sentinel)
	FailoverAt  time.Duration
	Fsync       string // appendfsync of that redis-server
	Proxy       bool   // count round trips through a proxy

	Bot        string // "inprocess" or "external"
	Bin        string
	Listen     string // the fake's address
	BotEnv     []string
	BotMetrics string // external: the bot's /metrics URL
	BotPID     int    // external: the bot's pid, for RSS
	WaitBot    time.Duration
	Trace      bool // print person 0's conversation

	Flood      int           // messages one chat sends at once (flood.go); 0: none
	ProbeEvery time.Duration // the probe chat's /urgent interval

	// The budget mode (budget.go): reminders due at once, replicas sharing
	// the send budget (NoBudget: each its own).
	Reminders int
	Replicas  int
	NoBudget  bool
}

// Counters, each kept for the whole run and for the measured window.
const (
	cSent      = iota // updates pushed
	cHandled          // updates answered (first reply seen)
	cLate             // no reply within -timeout (but later)
	cLost             // no reply within lostAfter timeouts
	cQuiet            // replied, but no new question: settled by silence
	cIntakes          // intakes sent (Versturen) and a new one begun
	cSkips            // questions skipped
	cToasts           // button presses answered with a notice
	cDropped          // bot calls the tool could not route (a person's queue full)
	cRegressed        // the bot asked again a question it had moved past: an acknowledged answer lost
	nCounters
)

type counters [nCounters]atomic.Int64

func (c *counters) load() (out [nCounters]int64) {
	for i := range c {
		out[i] = c[i].Load()
	}
	return out
}

// directorID is the first process director (user ID) of the load test;
// the others follow it. People without a linked case go to it
// (INTAKEBOT_OPEN_INTAKE_DIRECTOR).
const directorID int64 = 4242

// addDirectors makes n process directors in the bot's store, as an admin's
// /staff links would, and links each person's chat to one of them, as a
// used invite link would: directorID, directorID+1, ... in turn. A chat
// that is not linked (with -new-chats, every later one) goes to directorID
// through INTAKEBOT_OPEN_INTAKE_DIRECTOR.
func addDirectors(ctx context.Context, rc redisconn.Config, dataKey, prefix string, n int, chats []int64) error {
	rdb, _, err := redisconn.Open(rc)
	if err != nil {
		return err
	}
	defer rdb.Close()
	key, err := storage.ParseKey(dataKey)
	if err != nil {
		return err
	}
	codec, err := storage.NewCodec(key)
	if err != nil {
		return err
	}
	// The bot names records with its pseudonym key: this tool gives it
	// the data key as that too (INTAKEBOT_PSEUDONYM_KEY below).
	codec = codec.WithNameKey(key)
	people := storage.NewPeople(rdb, codec, prefix, time.Now)
	for i := range int64(n) {
		m := domain.StaffMember{UserID: directorID + i, Role: domain.RoleDirector, Name: fmt.Sprintf("Regisseur %d", i+1), Lang: "nl"}
		if err := people.Staff.AddStaff(ctx, m); err != nil {
			return err
		}
	}
	now := time.Now()
	for i, chat := range chats {
		c := domain.Case{Key: strconv.FormatInt(chat, 10), Director: directorID + int64(i%n), Linked: now}
		if err := people.Cases.SaveCase(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// loader runs one load test.
type loader struct {
	cfg    config
	out    io.Writer
	api    *telegramtest.Server
	people []*person
	pacer  *pacer

	measuring atomic.Bool
	total     counters
	window    counters

	queries sync.Map // callback query id -> queryRoute, until answered
	flood   *flood   // nil without -flood

	trend []snapshot // taken at each progress line within the window

	mu       sync.Mutex
	samples  []time.Duration // latencies in the measured window
	interval []time.Duration // latencies since the last progress line
	timed    []timedSample   // every update of the measured window, with when it was sent
	failover failoverRun
}

// timedSample is one update of the measured window: when it was sent and
// how long its reply took (lost: none within lostAfter timeouts).
type timedSample struct {
	At      time.Time
	Latency time.Duration
	Lost    bool
}

// failoverRun is when the failover of -failover began and settled.
type failoverRun struct {
	Began, Settled time.Time
	Err            error
}

func (l *loader) timedSample(at time.Time, d time.Duration, lost bool) {
	l.mu.Lock()
	l.timed = append(l.timed, timedSample{At: at, Latency: d, Lost: lost})
	l.mu.Unlock()
}

func (l *loader) inc(k int, inWindow bool) {
	l.total[k].Add(1)
	if inWindow {
		l.window[k].Add(1)
	}
}

func (l *loader) latency(d time.Duration, inWindow bool) {
	l.mu.Lock()
	l.interval = append(l.interval, d)
	if inWindow {
		l.samples = append(l.samples, d)
	}
	l.mu.Unlock()
}

func (l *loader) takeInterval() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.interval
	l.interval = nil
	return s
}

// pacer spaces the updates of all people to a target rate. A person that
// is late does not make up for it later: no bursts.
type pacer struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
}

func newPacer(rate float64) *pacer {
	if rate <= 0 {
		return nil
	}
	return &pacer{every: time.Duration(float64(time.Second) / rate)}
}

func (p *pacer) wait(ctx context.Context) bool {
	if p == nil {
		return ctx.Err() == nil
	}
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(p.every)
	p.mu.Unlock()
	return sleepCtx(ctx, time.Until(at))
}

// snapshot is everything measured at one moment.
type snapshot struct {
	At         time.Time
	Bot        procStats
	Redis      procStats
	Self       procStats
	Metrics    map[string]float64
	MetricsErr error
	Proxy      proxyCounts
	CmdStats   map[string]int64
	Fake       telegramtest.Stats
	Total      [nCounters]int64
	LogLevels  map[string]int64
	Load1      float64 // the machine's 1-minute load average
}

// env is what a run has around it: the store, the fake, the bot.
type env struct {
	redisAddr string
	redis     *redisServer
	sentinel  *sentinelSetup
	proxy     *redisProxy
	bot       *botProc
	botPID    int
	metrics   string
}

func (l *loader) snap(e *env) snapshot {
	s := snapshot{At: time.Now(), Bot: readProc(e.botPID), Self: readProc(os.Getpid()), Fake: l.api.Stats(), Total: l.total.load(), Load1: loadAverage()}
	if e.redis != nil {
		s.Redis = readProc(e.redis.PID())
	}
	if e.sentinel != nil {
		if p, err := e.sentinel.primary(context.Background()); err == nil {
			s.Redis = readProc(p.PID())
		}
	}
	s.Metrics, s.MetricsErr = scrapeMetrics(e.metrics)
	if e.proxy != nil {
		s.Proxy = e.proxy.counts()
	}
	s.CmdStats, _ = commandStats(context.Background(), e.redisAddr)
	if e.bot != nil {
		s.LogLevels, _ = e.bot.logs.snapshot()
	}
	return s
}

// run does the whole load test and returns its report.
func run(ctx context.Context, cfg config, out io.Writer) (*report, error) {
	e := &env{}
	defer func() {
		if e.proxy != nil {
			e.proxy.close()
		}
		if e.redis != nil {
			e.redis.stop()
		}
		if e.sentinel != nil {
			e.sentinel.stop()
		}
	}()

	redisURL := cfg.RedisURL
	if cfg.Sentinel {
		s, err := startSentinelSetup(ctx, cfg.Fsync)
		if err != nil {
			return nil, err
		}
		e.sentinel, redisURL = s, s.URL()
		fmt.Fprintf(out, "sentinel setup started: %s (primary %s, replica %s; appendfsync %s)\n", redisURL, s.data[0].addr, s.data[1].addr, cfg.Fsync)
	} else if redisURL == "" {
		r, err := startRedis(cfg.Fsync)
		if err != nil {
			return nil, err
		}
		e.redis, redisURL = r, r.URL()
		fmt.Fprintf(out, "redis-server started on %s (appendonly yes, appendfsync %s)\n", r.addr, cfg.Fsync)
	}
	target, err := redisconn.Parse(cfg.redisConfig(redisURL))
	if err != nil {
		return nil, fmt.Errorf("-redis: %w", err)
	}
	if target.Mode == redisconn.ModeSingle {
		addr, err := redisAddr(redisURL)
		if err != nil {
			return nil, err
		}
		e.redisAddr = addr
		if _, err := redisCommand(addr, "PING"); err != nil {
			return nil, fmt.Errorf("redis at %s does not answer: %w", addr, err)
		}
	} else if cfg.Proxy {
		// The proxy stands in front of one node; the bot must find the
		// primary (or the cluster's nodes) itself.
		fmt.Fprintf(out, "redis %s: no counting proxy (it fronts one node only)\n", target.Mode)
		cfg.Proxy = false
	}

	opts := []telegramtest.Option{telegramtest.WithoutHistory()}
	if cfg.Listen != "" {
		opts = append(opts, telegramtest.WithAddr(cfg.Listen))
	}
	api, err := telegramtest.NewServer(opts...)
	if err != nil {
		return nil, err
	}
	defer api.Close()

	if cfg.Failover != "" && e.sentinel == nil {
		return nil, fmt.Errorf("-failover needs -sentinel")
	}
	l := &loader{cfg: cfg, out: out, api: api, pacer: newPacer(cfg.Rate)}
	if cfg.Flood > 0 {
		l.flood = newFlood()
	}
	l.people = make([]*person, cfg.Users)
	for i := range l.people {
		l.people[i] = &person{l: l, idx: i, events: make(chan event, 64), rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i)))}
		l.people[i].chat = l.chatID(i, 0)
	}
	api.OnCall(l.onCall)

	dataKey, prefix := randomKey(), fmt.Sprintf("intakeload:%d:", time.Now().Unix())
	chats := make([]int64, cfg.Users)
	for i := range chats {
		chats[i] = l.chatID(i, 0)
	}
	if err := addDirectors(ctx, cfg.redisConfig(redisURL), dataKey, prefix, cfg.Directors, chats); err != nil {
		return nil, fmt.Errorf("can't make the load test's process directors: %w", err)
	}
	botRedis := redisURL
	if cfg.Proxy {
		if e.proxy, err = startProxy(e.redisAddr); err != nil {
			return nil, err
		}
		botRedis = e.proxy.URL()
	}
	switch cfg.Bot {
	case "inprocess":
		bin := cfg.Bin
		if bin == "" {
			dir, err := os.MkdirTemp("", "intakeload-bin-*")
			if err != nil {
				return nil, err
			}
			defer os.RemoveAll(dir)
			fmt.Fprintf(out, "building %s ...\n", botPackage)
			if bin, err = buildBot(ctx, dir); err != nil {
				return nil, err
			}
		}
		spoolDir, err := os.MkdirTemp("", "intakeload-spool-*")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(spoolDir)
		vars := map[string]string{
			"INTAKEBOT_SPOOL_DIR":     spoolDir,
			"TELEGRAM_BOT_TOKEN":      "123456:LOAD-test-token",
			"TELEGRAM_API_URL":        api.URL(),
			"REDIS_URL":               botRedis,
			"INTAKEBOT_DATA_KEY":      dataKey,
			"INTAKEBOT_LOG_FORMAT":    "json",
			"INTAKEBOT_KEY_PREFIX":    prefix,
			"INTAKEBOT_SESSION_TTL":   "24h",
			"INTAKEBOT_PSEUDONYM_KEY": dataKey,
			// A chat without a case (with -new-chats) goes to this director
			// instead of being asked for an invite link.
			"INTAKEBOT_OPEN_INTAKE_DIRECTOR": strconv.FormatInt(directorID, 10),
		}
		if cfg.RedisMode != "" {
			vars["INTAKEBOT_REDIS_MODE"] = cfg.RedisMode
		}
		if cfg.RedisMaster != "" {
			vars["INTAKEBOT_REDIS_MASTER"] = cfg.RedisMaster
		}
		b, err := startBot(ctx, bin, vars, cfg.BotEnv)
		if err != nil {
			return nil, err
		}
		e.bot, e.botPID, e.metrics = b, b.pid(), b.metricsURL()
		fmt.Fprintf(out, "bot started: pid %d, %s\n", e.botPID, e.metrics)
		defer func() {
			if e.bot != nil {
				e.bot.stop()
			}
		}()
	case "external":
		e.botPID, e.metrics = cfg.BotPID, cfg.BotMetrics
		fmt.Fprintf(out, "fake Bot API listening; start the bot with (REDIS_URL is this tool's counting proxy in front of %s):\n"+
			"  TELEGRAM_API_URL=%s TELEGRAM_BOT_TOKEN=123456:LOAD-test-token REDIS_URL=%s INTAKEBOT_DATA_KEY=%s INTAKEBOT_PSEUDONYM_KEY=%[4]s INTAKEBOT_KEY_PREFIX=%s INTAKEBOT_OPEN_INTAKE_DIRECTOR=%d intakebot serve\n",
			redisURL, api.URL(), botRedis, dataKey, prefix, directorID)
	default:
		return nil, fmt.Errorf("-bot must be inprocess or external, not %q", cfg.Bot)
	}
	if err := waitPolling(ctx, api, cfg.WaitBot); err != nil {
		return nil, err
	}
	return l.drive(ctx, e)
}

// waitPolling waits until the bot asks for updates.
func waitPolling(ctx context.Context, api *telegramtest.Server, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		if st := api.Stats(); st.Polling || st.Methods["getUpdates"].Calls > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the bot did not poll the fake Bot API within %v", d)
		}
		if !sleepCtx(ctx, 20*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// drive runs the people through warm-up and the measured window.
func (l *loader) drive(ctx context.Context, e *env) (*report, error) {
	cfg := l.cfg
	rep := &report{cfg: cfg, env: e}
	rep.Idle = l.snap(e)

	stop, stopPeople := context.WithCancel(ctx)
	defer stopPeople()
	abort, abortPeople := context.WithCancel(context.Background())
	defer abortPeople()
	var wg sync.WaitGroup
	stagger := min(cfg.Warmup, 5*time.Second)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xface))
	for _, p := range l.people {
		delay := time.Duration(0)
		if stagger > 0 {
			delay = time.Duration(rng.Int64N(int64(stagger)))
		}
		wg.Go(func() { p.run(stop, abort, delay) })
	}
	began := time.Now()
	fmt.Fprintf(l.out, "%d people started; warm-up %v, then %v measured\n", cfg.Users, cfg.Warmup, cfg.Duration)

	progress := time.NewTicker(cfg.Progress)
	defer progress.Stop()
	prev := rep.Idle
	warm := time.After(cfg.Warmup)
	var end, failAt <-chan time.Time
	interrupted := false
loop:
	for {
		select {
		case <-warm:
			rep.Start = l.snap(e)
			l.trend = append(l.trend, rep.Start)
			l.measuring.Store(true)
			end = time.After(cfg.Duration)
			if l.flood != nil {
				wg.Go(func() { l.flood.run(stop, l) })
			}
			if cfg.Failover != "" {
				failAt = time.After(cfg.FailoverAt)
			}
		case <-end:
			break loop
		case <-ctx.Done():
			interrupted = true
			break loop
		case <-failAt:
			fmt.Fprintf(l.out, "failover (%s) begins\n", cfg.Failover)
			began := time.Now()
			go func() {
				err := e.sentinel.failover(ctx, cfg.Failover)
				l.mu.Lock()
				l.failover = failoverRun{Began: began, Settled: time.Now(), Err: err}
				l.mu.Unlock()
				if err != nil {
					fmt.Fprintf(l.out, "failover failed: %v\n", err)
					return
				}
				fmt.Fprintf(l.out, "failover settled after %v: a new primary with its replica\n", time.Since(began).Round(time.Millisecond))
			}()
		case <-progress.C:
			cur := l.snap(e)
			l.progressLine(time.Since(began), prev, cur, l.takeInterval())
			if l.measuring.Load() {
				l.trend = append(l.trend, cur)
			}
			prev = cur
		}
	}
	l.measuring.Store(false)
	rep.End = l.snap(e)
	rep.Trend = append(l.trend, rep.End)
	if rep.Start.At.IsZero() {
		rep.Start = rep.Idle // stopped during warm-up
	}
	rep.Interrupted = interrupted

	stopPeople()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(lostAfter*cfg.Timeout + 5*time.Second):
		abortPeople()
		<-done
	}
	time.Sleep(2 * time.Second) // let the bot settle after the load
	rep.After = l.snap(e)
	l.mu.Lock()
	rep.Samples = l.samples
	rep.Timed = l.timed
	rep.Failover = l.failover
	l.mu.Unlock()
	rep.Window = l.window.load()

	if e.bot != nil {
		rep.StopTook, rep.StopErr = e.bot.stop()
		_, rep.LogMsgs = e.bot.logs.snapshot()
		e.bot = nil
	}
	rep.Final = l.api.Stats()
	rep.flood = l.flood
	return rep, nil
}

func (l *loader) progressLine(elapsed time.Duration, prev, cur snapshot, lat []time.Duration) {
	secs := cur.At.Sub(prev.At).Seconds()
	handled := cur.Total[cHandled] - prev.Total[cHandled]
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	line := fmt.Sprintf("[%6s] sent %d handled %d (%.0f/s) p50 %s p99 %s max %s | late %d lost %d",
		elapsed.Round(time.Second), cur.Total[cSent], cur.Total[cHandled], float64(handled)/secs,
		fmtDur(quantile(lat, 0.50)), fmtDur(quantile(lat, 0.99)), fmtDur(quantile(lat, 1)), cur.Total[cLate], cur.Total[cLost])
	if cur.Bot.OK {
		line += fmt.Sprintf(" | bot rss %s cpu %.0f%%", fmtBytes(cur.Bot.RSS), 100*(cur.Bot.CPU-prev.Bot.CPU).Seconds()/secs)
	}
	if g, ok := cur.Metrics["go_goroutines"]; ok {
		line += fmt.Sprintf(" goroutines %.0f", g)
	}
	if cur.Proxy.RoundTrips > 0 && handled > 0 {
		line += fmt.Sprintf(" | redis rt/update %.2f", float64(cur.Proxy.RoundTrips-prev.Proxy.RoundTrips)/float64(handled))
	}
	fmt.Fprintln(l.out, line)
}

// quantile is the nearest-rank quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// redisConfig is how the tool and the bot reach url: the same forms and
// settings as the bot's REDIS_URL, INTAKEBOT_REDIS_MODE and _MASTER.
func (c config) redisConfig(url string) redisconn.Config {
	return redisconn.Config{URL: url, Mode: c.RedisMode, Master: c.RedisMaster}
}
