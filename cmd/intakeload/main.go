// Command intakeload drives simulated young people through the real intake
// against the fake Telegram Bot API (bot/telegramtest) and a real Redis,
// and reports throughput, latency, Redis round trips per update and the
// bot's memory over the run.
//
// By default it starts everything itself: a redis-server, a counting proxy
// in front of it, the fake Bot API, and `intakebot serve` (built from this
// module) as a child process. Each person sends /start, presses Beginnen,
// answers every question like a person would (text for text questions,
// the first option for button questions, an entry and Klaar for lists,
// sometimes Overslaan), presses Versturen at the review, and starts again
// (/start, Opnieuw beginnen, Ja). A person sends an update only after the
// bot answered the last one.
//
//	go run ./cmd/intakeload -users 1000 -duration 60s
//	go run ./cmd/intakeload -users 1000 -rate 500 -duration 10m
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	// A closed stdout (| head) must not kill the tool before it has
	// stopped the bot and redis-server.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, ",") }

func (e *envFlag) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("want NAME=value, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	var botEnv envFlag
	fs := flag.NewFlagSet("intakeload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Users, "users", 1000, "simulated young people, each in a private chat of their own")
	fs.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long to measure, after the warm-up")
	fs.DurationVar(&cfg.Warmup, "warmup", 10*time.Second, "load before the measured window (people start spread over up to 5s of it)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "target updates/s over all people; 0 = as fast as the replies come")
	fs.DurationVar(&cfg.Think, "think", 0, "a person's pause after each reply (varied 0.5x to 1.5x)")
	fs.Float64Var(&cfg.Skip, "skip", 0.1, "chance that a person skips a question")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "a reply later than this counts as late (a person waits 6 times as long before giving up)")
	fs.DurationVar(&cfg.Settle, "settle", 3*time.Second, "after a reply without buttons, the silence that ends a step (keep it above the bot's per-chat pacing)")
	fs.DurationVar(&cfg.Progress, "progress", 10*time.Second, "interval of the progress lines")
	fs.BoolVar(&cfg.NewChats, "new-chats", false, "after sending an intake, a new person in a new chat starts instead of a restart in the same chat")
	fs.IntVar(&cfg.Directors, "directors", 0, "process directors the people are linked to, each getting the handoffs of their people (default: one per 20 people)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the people's choices")
	fs.StringVar(&cfg.RedisURL, "redis", "", "REDIS_URL of the Redis to use, in any form the bot takes (one node, Sentinel, Cluster); empty = start a redis-server (needs redis-server on PATH)")
	fs.StringVar(&cfg.RedisMode, "redis-mode", "", "INTAKEBOT_REDIS_MODE for -redis: single, sentinel or cluster (default: from the URL)")
	fs.StringVar(&cfg.RedisMaster, "redis-master", "", "INTAKEBOT_REDIS_MASTER for -redis: the Sentinel master name")
	fs.BoolVar(&cfg.Sentinel, "sentinel", false, "start a Sentinel setup (a primary, a replica, three sentinels; needs redis-sentinel on PATH) instead of one redis-server")
	fs.StringVar(&cfg.Failover, "failover", "", "with -sentinel: fail the primary over in the measured window: sentinel (SENTINEL FAILOVER) or kill (SIGKILL, started again once the replica is promoted)")
	fs.DurationVar(&cfg.FailoverAt, "failover-at", 0, "when in the measured window the failover begins (default: half of -duration)")
	fs.StringVar(&cfg.Fsync, "appendfsync", "everysec", "appendfsync of the redis-server this tool starts (production: everysec)")
	fs.BoolVar(&cfg.Proxy, "proxy", true, "count the bot's Redis round trips through a proxy the bot connects to (adds one loopback hop)")
	fs.StringVar(&cfg.Bot, "bot", "inprocess", "inprocess: this tool runs `intakebot serve` as its child; external: you start the bot against the fake")
	fs.StringVar(&cfg.Bin, "bin", "", "the intakebot binary (inprocess); empty = go build it from this module")
	fs.StringVar(&cfg.Listen, "listen", "", "address of the fake Bot API (default: a free loopback port; external: 127.0.0.1:8081)")
	fs.Var(&botEnv, "env", "NAME=value for the bot's environment (inprocess; repeatable)")
	fs.StringVar(&cfg.BotMetrics, "bot-metrics", "", "external: the bot's /metrics URL")
	fs.IntVar(&cfg.BotPID, "bot-pid", 0, "external: the bot's process id, for its RSS and CPU")
	fs.DurationVar(&cfg.WaitBot, "wait-bot", 2*time.Minute, "external: how long to wait for the bot to poll")
	fs.BoolVar(&cfg.Trace, "trace", false, "print the conversation of person 0 (for checking the people's behaviour)")
	fs.IntVar(&cfg.Flood, "flood", 0, "when the window starts, one chat of its own sends this many messages at once, and another sends /urgent every -probe-every (its latency is reported)")
	fs.DurationVar(&cfg.ProbeEvery, "probe-every", 2*time.Second, "with -flood: the pause between the probe chat's /urgent and the next")
	fs.IntVar(&cfg.Reminders, "reminders", 0, "budget mode: this many reminders fall due at once after -duration of live traffic from -users people (think -think); see budget.go")
	fs.IntVar(&cfg.Replicas, "replicas", 1, "budget mode: replicas sharing Telegram's budget")
	fs.BoolVar(&cfg.NoBudget, "no-budget", false, "budget mode: each replica keeps only its own limits (as before the shared budget)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	cfg.BotEnv = botEnv
	if cfg.Directors <= 0 {
		cfg.Directors = max(1, (cfg.Users+19)/20)
	}
	if cfg.Failover != "" && cfg.FailoverAt == 0 {
		cfg.FailoverAt = cfg.Duration / 2
	}
	if cfg.Bot == "external" && cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:8081"
	}
	if cfg.Bot == "inprocess" && cfg.WaitBot == 2*time.Minute {
		cfg.WaitBot = 30 * time.Second
	}
	switch {
	case cfg.Users < 1:
		return cfg, fmt.Errorf("-users must be at least 1")
	case cfg.Duration <= 0:
		return cfg, fmt.Errorf("-duration must be positive")
	case cfg.Warmup < 0 || cfg.Think < 0 || cfg.Rate < 0:
		return cfg, fmt.Errorf("-warmup, -think and -rate can't be negative")
	case cfg.Skip < 0 || cfg.Skip > 1:
		return cfg, fmt.Errorf("-skip is a chance between 0 and 1")
	case cfg.Flood < 0 || (cfg.Flood > 0 && cfg.ProbeEvery <= 0):
		return cfg, fmt.Errorf("-flood can't be negative, and needs a positive -probe-every")
	case cfg.Timeout <= 0 || cfg.Progress <= 0 || cfg.Settle <= 0:
		return cfg, fmt.Errorf("-timeout, -settle and -progress must be positive")
	case cfg.Bot != "inprocess" && cfg.Bot != "external":
		return cfg, fmt.Errorf("-bot must be inprocess or external")
	case cfg.Failover != "" && cfg.Failover != "sentinel" && cfg.Failover != "kill":
		return cfg, fmt.Errorf("-failover must be sentinel or kill")
	case cfg.Failover != "" && !cfg.Sentinel:
		return cfg, fmt.Errorf("-failover needs -sentinel (this tool fails over only what it started)")
	case cfg.Sentinel && cfg.RedisURL != "":
		return cfg, fmt.Errorf("-sentinel starts its own setup: leave -redis empty")
	case cfg.FailoverAt < 0 || cfg.FailoverAt >= cfg.Duration && cfg.Failover != "":
		return cfg, fmt.Errorf("-failover-at must be within -duration")
	}
	return cfg, nil
}

func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintln(stderr, "intakeload:", err)
		return 2
	}
	if cfg.Reminders > 0 {
		if cfg.Replicas < 1 || cfg.Think <= 0 {
			fmt.Fprintln(stderr, "intakeload: the budget mode needs -replicas >= 1 and a -think time")
			return 2
		}
		if err := runBudget(ctx, cfg, stdout); err != nil {
			fmt.Fprintln(stderr, "intakeload:", err)
			return 1
		}
		return 0
	}
	rep, err := run(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "intakeload:", err)
		return 1
	}
	rep.write(stdout)
	if len(rep.Problems()) > 0 {
		return 3
	}
	return 0
}
