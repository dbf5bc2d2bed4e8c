package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/conversation"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
)

// demo runs the intake in a terminal: the same engine, flow, texts and
// session store as the bot (on an embedded Redis), a second edge beside
// Telegram. Buttons are numbered; typing the number presses it.
func demo(ctx context.Context, cfg *config, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stdout)
	lang := fs.String("lang", cfg.Locale, "language of the young person (nl, en)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	engine, cat, err := newEngine(cfg, time.Now)
	if err != nil {
		return err
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		return fmt.Errorf("can't start the embedded store: %w", err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	key := make([]byte, 32)
	rand.Read(key)
	codec, err := storage.NewCodec(key)
	if err != nil {
		return err
	}
	t := &terminal{
		engine: engine, out: stdout, director: cat.Default(),
		loop: &conversation.Loop{Engine: engine, Metrics: &metrics.Metrics{},
			Store: sessionStore{storage.NewSessions(rdb, codec, storage.SessionsOptions{})}},
		renderer: &render.Renderer{L: cat, Loc: cfg.Location},
	}
	return t.run(ctx, stdin, cat.Match(*lang))
}

type terminal struct {
	engine   *dialog.Engine
	loop     *conversation.Loop
	renderer *render.Renderer
	out      io.Writer
	director string // language of the summary at the end
	buttons  []string
	lang     string
}

const demoKey = "demo"

func (t *terminal) run(ctx context.Context, stdin io.Reader, lang string) error {
	t.lang = lang
	t.println(t.renderer.Text(lang, dialog.T("demo.intro")))
	if _, err := t.step(ctx, dialog.Event{Kind: dialog.EventCommand, Command: "start", Lang: lang}); err != nil {
		return err
	}
	lines := bufio.NewScanner(stdin)
	lines.Buffer(make([]byte, 64*1024), 1<<20)
	for {
		fmt.Fprint(t.out, "> ")
		if ctx.Err() != nil || !lines.Scan() {
			fmt.Fprintln(t.out)
			t.println(t.renderer.Text(t.lang, dialog.T("demo.bye")))
			return lines.Err()
		}
		ev := t.event(lines.Text())
		if ev.Kind == dialog.EventCommand && bot.TelegramOnly(ev.Command) {
			// These act on Telegram and on the staff's side: the demo
			// says what they do instead.
			t.println("\n" + t.renderer.Text(t.lang, dialog.T("demo.telegram_only")))
			continue
		}
		res, err := t.step(ctx, ev)
		if err != nil {
			return err
		}
		if res.Alert != dialog.AlertNone {
			t.println("\n" + t.renderer.Text(t.lang, dialog.T("demo.alert")))
		}
		if res.Submitted {
			// What the director receives, as the bot sends it (the
			// acute-risk line and the flags first).
			sum := dialog.BuildSummary(t.engine.Flow, res.Session)
			t.println("\n" + strings.Repeat("=", 60))
			t.println(t.renderer.Text(t.director, dialog.T("demo.summary_header")))
			t.println(strings.Repeat("=", 60))
			view := handoff.View{Summary: sum, Age: res.Session.Age, Flags: sum.Flags}
			for _, m := range handoff.NewRenderer(t.renderer).Messages(t.director, view) {
				t.println(m)
			}
			return nil
		}
	}
}

// event reads one typed line: a number presses a button, /word is a
// command, anything else is text.
func (t *terminal) event(line string) dialog.Event {
	trimmed := strings.TrimSpace(line)
	if n, err := strconv.Atoi(trimmed); err == nil && n >= 1 && n <= len(t.buttons) {
		return dialog.Event{Kind: dialog.EventButton, Data: t.buttons[n-1]}
	}
	if strings.HasPrefix(trimmed, "/") && len(trimmed) > 1 {
		name, arg, _ := strings.Cut(trimmed[1:], " ")
		return dialog.Event{Kind: dialog.EventCommand, Command: strings.ToLower(name), Arg: arg}
	}
	return dialog.Event{Kind: dialog.EventText, Text: line}
}

func (t *terminal) step(ctx context.Context, ev dialog.Event) (dialog.Result, error) {
	res, err := t.loop.Decide(ctx, demoKey, ev, nil)
	if err != nil {
		return dialog.Result{}, err
	}
	t.show(res)
	return res, nil
}

func (t *terminal) show(res dialog.Result) {
	t.lang = res.Session.Lang
	if res.Toast != nil {
		t.println("(" + t.renderer.Text(t.lang, *res.Toast) + ")")
	}
	if len(res.Messages) == 0 {
		return
	}
	t.buttons = t.buttons[:0]
	for _, m := range res.Messages {
		t.println("")
		t.println(t.renderer.Message(t.lang, m))
		for _, row := range m.Buttons {
			var cells []string
			for _, b := range row {
				t.buttons = append(t.buttons, b.Data)
				cells = append(cells, fmt.Sprintf("[%d] %s", len(t.buttons), t.renderer.Label(t.lang, b)))
			}
			t.println("  " + strings.Join(cells, "   "))
		}
	}
}

func (t *terminal) println(html string) {
	fmt.Fprintln(t.out, render.PlainText(html))
}
