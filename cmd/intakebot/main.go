// Command intakebot is the Telegram intake assistant for young people
// leaving youth care. Subcommands: serve (default), demo, rekey, version.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it with their own
// environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := loadConfig(getenv, true)
		if err != nil {
			fmt.Fprintln(stderr, "intakebot: bad configuration:", err)
			return 2
		}
		log := newLogger(cfg, stderr)
		if err := serve(ctx, cfg, log); err != nil {
			log.Error("intakebot stopped", "err", err)
			return 1
		}
		return 0
	case "demo":
		cfg, err := loadConfig(getenv, false)
		if err != nil {
			fmt.Fprintln(stderr, "intakebot: bad configuration:", err)
			return 2
		}
		if err := demo(ctx, cfg, args, stdin, stdout); err != nil {
			fmt.Fprintln(stderr, "intakebot demo:", err)
			if _, ok := err.(*usageError); ok {
				return 2
			}
			return 1
		}
		return 0
	case "rekey":
		cfg, err := loadConfig(getenv, false)
		if err == nil && cfg.DataKey == nil {
			err = &configError{"INTAKEBOT_DATA_KEY", "required: the key to re-encrypt with"}
		}
		if err != nil {
			fmt.Fprintln(stderr, "intakebot: bad configuration:", err)
			return 2
		}
		if err := rekeyCommand(ctx, cfg, stdout); err != nil {
			fmt.Fprintln(stderr, "intakebot rekey:", err)
			return 1
		}
		return 0
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "intakebot", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "intakebot: unknown command %q\n%s", cmd, usage)
	return 2
}

const usage = `usage: intakebot [serve|demo|rekey|version]
  serve    run the Telegram bot (default); configured by environment, see README
  demo     run the intake in this terminal, with an embedded store
           (-lang en for English); reads answers from stdin, so it can be scripted
  rekey    re-encrypt all stored data with INTAKEBOT_DATA_KEY, after a key
           rotation (the old keys in INTAKEBOT_OLD_DATA_KEYS); the bot may run
  version  print the version
`

// newLogger logs at cfg.LogLevel, with the bot token masked (see
// maskingHandler).
func newLogger(cfg *config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if cfg.LogFormat == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(newMaskingHandler(h, cfg.Token))
}
