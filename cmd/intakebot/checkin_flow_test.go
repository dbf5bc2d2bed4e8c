package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/dialog/checkin"
	"github.com/intakebot/intakebot/locales"
)

// An operator's check-in flow file that is wrong stops the real binary at
// start, before it talks to Redis or Telegram, with one error naming the
// variable, the file and the line and reason.
func TestBadCheckinFlowFileIsRefusedAtStart(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "checkin.toml")
	os.WriteFile(bad, []byte("id = \"mine\"\nversion = 1\n[[topics]]\nid = \"checkin\"\n\n[[questions]]\nid = \"ci_well\"\ntopic = \"checkin\"\nkind = \"essay\"\n"), 0o600)
	untexted := filepath.Join(dir, "untexted.toml")
	os.WriteFile(untexted, []byte("id = \"mine\"\nversion = 1\n[[topics]]\nid = \"checkin\"\n\n[[questions]]\nid = \"ci_new\"\ntopic = \"checkin\"\nkind = \"text\"\n"), 0o600)
	for _, tt := range []struct {
		name, file string
		want       []string
	}{
		{"bad kind", bad, []string{"line 6", "unknown question kind", "essay"}},
		{"missing file", filepath.Join(dir, "nothere.toml"), []string{"can't read"}},
		{"no texts", untexted, []string{"q.ci_new"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "serve")
			cmd.Env = []string{
				"PATH=" + os.Getenv("PATH"), "TELEGRAM_BOT_TOKEN=123:abc", "INTAKEBOT_DATA_KEY=" + testKey,
				"REDIS_URL=redis://127.0.0.1:1/0", "TELEGRAM_API_URL=http://127.0.0.1:1",
				"INTAKEBOT_CHECKIN_FLOW_FILE=" + tt.file,
			}
			out, err := cmd.CombinedOutput()
			if err == nil || ctx.Err() != nil {
				t.Fatalf("started with a bad check-in flow file (%v):\n%s", err, out)
			}
			for _, w := range append([]string{"INTAKEBOT_CHECKIN_FLOW_FILE", tt.file}, tt.want...) {
				if !strings.Contains(string(out), w) {
					t.Errorf("the error lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), "redis") || strings.Contains(string(out), "getMe") {
				t.Errorf("it went on after the bad file:\n%s", out)
			}
		})
	}
}

// A good file replaces the check-in's questions: here the embedded flow
// with only its first two questions.
func TestCheckinFlowFileReplacesTheQuestions(t *testing.T) {
	cat, err := locales.Load("nl", "")
	if err != nil {
		t.Fatal(err)
	}
	src := string(checkin.FlowFile())
	cut := strings.Index(src, "id = \"ci_adjust\"")
	if cut < 0 {
		t.Fatal("the embedded flow changed: no ci_adjust")
	}
	short := src[:strings.LastIndex(src[:cut], "[[questions]]")]
	file := filepath.Join(t.TempDir(), "checkin.toml")
	os.WriteFile(file, []byte(short), 0o600)
	flow, err := checkinFlow(&config{CheckinFlowFile: file}, cat)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, q := range flow.Questions {
		ids = append(ids, q.ID)
	}
	if strings.Join(ids, ",") != "ci_well,ci_hard" {
		t.Errorf("questions %v", ids)
	}
	def, err := checkinFlow(&config{}, cat)
	if err != nil || len(def.Questions) != 4 {
		t.Errorf("without a file: %v, %v", def, err)
	}
}
