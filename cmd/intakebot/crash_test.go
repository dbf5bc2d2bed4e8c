package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// burstFlow is one list question that takes many entries: each message is
// an answer the bot confirms ("Genoteerd"), so a lost or doubled message
// shows in the stored list.
const burstFlow = `id = "burst"
version = 1
[[topics]]
id = "notes"
[[questions]]
id = "notes"
topic = "notes"
kind = "list"
max_items = 50
`

const burstTexts = `["topic.notes"]
other = "Notities"
["q.notes"]
other = "Schrijf je notities."
["q.notes.short"]
other = "Notities"
`

// buildBinary builds intakebot once for the tests that run it as a
// process of its own.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "intakebot")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startProcess(t *testing.T, bin string, env map[string]string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs, err := os.Create(filepath.Join(t.TempDir(), "bot.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// The bot is killed with SIGKILL in the middle of a burst of many chats,
// then started again: every message that got a reply is stored, every
// other one is delivered again and handled, nothing is applied twice, and
// each chat's messages keep their order.
func TestKilledMidBurstLosesAndDoublesNothing(t *testing.T) {
	bin := buildBinary(t)
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	dir := t.TempDir()
	flow := filepath.Join(dir, "flow.toml")
	texts := filepath.Join(dir, "texts")
	os.Mkdir(texts, 0o700)
	os.WriteFile(flow, []byte(burstFlow), 0o600)
	os.WriteFile(filepath.Join(texts, "nl.toml"), []byte(burstTexts), 0o600)
	os.WriteFile(filepath.Join(texts, "en.toml"), []byte(burstTexts), 0o600)
	env := testEnv(api, rds)
	env["INTAKEBOT_FLOW_FILE"] = flow
	env["INTAKEBOT_LOCALES_DIR"] = texts
	env["INTAKEBOT_HTTP_ADDR"] = freeAddr(t)
	fastSending(env)

	proc := startProcess(t, bin, env)
	const chats, perChat = 20, 30
	chat := func(i int) int64 { return int64(9000 + i) }
	for i := range chats {
		api.SendText(chat(i), chat(i), "/start", "nl")
	}
	for _, label := range []string{"Ik doe mee", "18", "Beginnen"} {
		for i := range chats {
			api.WaitMessage(t, chat(i), 15*time.Second, func(m telegramtest.Msg) bool { _, ok := m.Button(label); return ok })
			api.PressButton(chat(i), chat(i), api.LastBotMessage(chat(i)).ID, mustButton(t, api.LastBotMessage(chat(i)), label))
		}
	}
	for i := range chats {
		api.WaitMessage(t, chat(i), 15*time.Second, func(m telegramtest.Msg) bool { return m.FromBot && strings.Contains(m.Text, "Schrijf je notities") })
	}

	// The burst: every chat sends its notes as fast as it can.
	var last int64
	for n := range perChat {
		for i := range chats {
			last = api.SendText(chat(i), chat(i), fmt.Sprintf("noot %02d", n), "nl")
		}
	}
	// Kill it once some, but not all, of the burst was answered.
	replies := func() int { return len(api.CallsTo("sendMessage")) }
	start := replies()
	deadline := time.Now().Add(20 * time.Second)
	for replies() < start+chats*perChat/3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	answeredBeforeKill := replies() - start
	if answeredBeforeKill >= chats*perChat {
		t.Fatalf("the whole burst was answered before the kill (%d); the test proves nothing", answeredBeforeKill)
	}

	startProcess(t, bin, env)
	codec := testCodec(t)
	sessions := storage.NewSessions(rds.Client(t), codec, storage.SessionsOptions{})
	want := make([]string, perChat)
	for n := range perChat {
		want[n] = fmt.Sprintf("noot %02d", n)
	}
	deadline = time.Now().Add(60 * time.Second)
	for i := range chats {
		for {
			s, err := sessions.Load(context.Background(), fmt.Sprint(chat(i)))
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				t.Fatal(err)
			}
			if slices.Equal(s.Draft, want) {
				break
			}
			if len(s.Draft) > perChat || time.Now().After(deadline) {
				t.Fatalf("chat %d: notes %q, want %q (update %d confirmed: %v)", chat(i), s.Draft, want, last, api.ConfirmedOffset() > last)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("%d of %d answers were sent before the kill; all %d stored once, in order, after the restart",
		answeredBeforeKill, chats*perChat, chats*perChat)
}

func mustButton(t *testing.T, m telegramtest.Msg, label string) string {
	t.Helper()
	b, ok := m.Button(label)
	if !ok {
		t.Fatalf("no button %q on %q", label, m.Text)
	}
	return b.CallbackData
}

// fastSending lifts the sender's pacing (30 messages/s, about one per
// second per chat), which exists for Telegram's limits, not the fake's: a
// burst test would otherwise take minutes.
func fastSending(env map[string]string) {
	env["INTAKEBOT_SEND_RATE"] = "1000"
	env["INTAKEBOT_CHAT_SEND_INTERVAL"] = "1ms"
}
