package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
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
	lang := fs.String("lang", cfg.Locale, "language of the young person (a code of the locales, like nl, en or ar)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			// -h printed the usage: that is all it asks.
			return nil
		}
		return err
	}
	engine, cat, err := newEngine(cfg, time.Now)
	if err != nil {
		return err
	}
	known, ok := cat.Known(*lang)
	if !ok || !slices.Contains(engine.Languages, known) { // the flow may have its texts in fewer
		return &usageError{fmt.Sprintf("unknown language %q for -lang; known: %s", *lang, strings.Join(engine.Languages, ", "))}
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
	return t.run(ctx, stdin, known)
}

type terminal struct {
	engine   *dialog.Engine
	loop     *conversation.Loop
	renderer *render.Renderer
	out      io.Writer
	director string // language of the summary at the end
	// buttons are the buttons on the screen by their number: a button
	// shown again (the review after /start) keeps its number.
	buttons map[int]string
	shown   []shownButtons
	lang    string
}

const demoKey = "demo"

func (t *terminal) run(ctx context.Context, stdin io.Reader, lang string) error {
	t.lang = lang
	t.println(t.renderer.Text(lang, dialog.T("demo.intro")))
	if _, err := t.step(ctx, dialog.Event{Kind: dialog.EventCommand, Command: "start", Lang: lang}); err != nil {
		return err
	}
	lines := readLines(stdin)
	for {
		fmt.Fprint(t.out, "> ")
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			// Ctrl-C: say goodbye, as at the end of the input.
		case line, ok = <-lines:
		}
		if !ok {
			fmt.Fprintln(t.out)
			t.println(t.renderer.Text(t.lang, dialog.T("demo.bye")))
			return nil
		}
		if n, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && t.buttons[n] == "" {
			// A number presses a button on the screen, or nothing.
			t.println("\n" + t.renderer.Text(t.lang, dialog.T("demo.no_button", "N", n)))
			continue
		}
		ev := t.event(line)
		if ev.Kind == dialog.EventCommand && bot.TelegramOnly(ev.Command) {
			// These act on Telegram and on the staff's side: the demo
			// says what they do instead.
			t.println("\n" + t.renderer.Text(t.lang, dialog.T("demo.telegram_only")))
			continue
		}
		res, err := t.step(ctx, ev)
		if err != nil && ctx.Err() != nil {
			continue // Ctrl-C while the step ran: the loop says goodbye
		}
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
	if n, err := strconv.Atoi(trimmed); err == nil && t.buttons[n] != "" {
		return dialog.Event{Kind: dialog.EventButton, Data: t.buttons[n]}
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
	// A message shown again with the same buttons (the review after
	// /start) keeps their numbers; the other buttons take the lowest
	// numbers free.
	prev := t.shown
	t.buttons, t.shown = map[int]string{}, nil
	numbers := make([][]int, len(res.Messages))
	for i, m := range res.Messages {
		data := buttonData(m)
		for _, p := range prev {
			if len(data) > 0 && slices.Equal(p.data, data) {
				numbers[i] = p.numbers
				for j, n := range p.numbers {
					t.buttons[n] = data[j]
				}
			}
		}
	}
	next := 1
	for i, m := range res.Messages {
		if numbers[i] == nil {
			for _, d := range buttonData(m) {
				for t.buttons[next] != "" {
					next++
				}
				t.buttons[next] = d
				numbers[i] = append(numbers[i], next)
			}
		}
		t.shown = append(t.shown, shownButtons{buttonData(m), numbers[i]})
		t.println("")
		t.println(t.renderer.Message(t.lang, m))
		k := 0
		for _, row := range m.Buttons {
			var cells []string
			for _, b := range row {
				cells = append(cells, fmt.Sprintf("[%d] %s", numbers[i][k], t.renderer.Label(t.lang, b)))
				k++
			}
			t.println("  " + strings.Join(cells, "   "))
		}
	}
}

// shownButtons are the buttons of one message on the screen, by data,
// with the numbers they were shown with.
type shownButtons struct {
	data    []string
	numbers []int
}

func buttonData(m dialog.Message) []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			out = append(out, b.Data)
		}
	}
	return out
}

// readLines sends the lines of r, and closes the channel at its end. A
// goroutine reads them, so that Ctrl-C is not held up by a read.
func readLines(r io.Reader) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		lines := bufio.NewScanner(r)
		lines.Buffer(make([]byte, 64*1024), 1<<20)
		for lines.Scan() {
			out <- lines.Text()
		}
	}()
	return out
}

func (t *terminal) println(html string) {
	fmt.Fprintln(t.out, render.PlainText(html))
}

// usageError is a command line the command refuses (exit code 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
