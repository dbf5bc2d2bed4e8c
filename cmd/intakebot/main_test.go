package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The README's promise: piping an answer file into the demo reaches the
// summary a director receives.
func TestDemoScriptedReachesTheDirectorSummary(t *testing.T) {
	script, err := os.Open("testdata/demo_answers.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer script.Close()
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"demo"}, env(nil), script, &out, &errOut)
	if code != 0 {
		t.Fatalf("demo exited %d: %s", code, errOut.String())
	}
	got := out.String()
	summary, ok := strings.CutPrefix(got[strings.Index(got, "Dit krijgt de procesregisseur"):], "Dit krijgt de procesregisseur")
	if !ok {
		t.Fatalf("no director summary in the demo output:\n%s", got)
	}
	for _, want := range []string{
		"Nieuwe intake",
		"Dromen: Ik wil later een eigen huisje met een kat",
		"• Huisarts dokter Bakker",
		"Hoeveel hulp nodig (eigen inschatting): 4 van 5",
		"Overgeslagen vragen\n• Wat werkte niet\n• Afspraken over veiligheid",
	} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(got, "<b>") {
		t.Error("the terminal shows HTML tags")
	}
}

func TestDemoInEnglishAndEndOfInput(t *testing.T) {
	var out bytes.Buffer
	code := run(context.Background(), []string{"demo", "-lang", "en"}, env(nil), strings.NewReader("1\n3\n1\nA flat of my own\n"), &out, &out)
	if code != 0 {
		t.Fatalf("demo exited %d: %s", code, out.String())
	}
	for _, want := range []string{"Question 1 of", "Question 2 of", "Goodbye"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBadConfigurationFailsWithOneLineNamingTheVariable(t *testing.T) {
	base := map[string]string{"TELEGRAM_BOT_TOKEN": "123:abc", "INTAKEBOT_DATA_KEY": testKey}
	tests := []struct {
		name, key, value, want string
	}{
		{"no token", "TELEGRAM_BOT_TOKEN", "", "TELEGRAM_BOT_TOKEN: required"},
		{"malformed token", "TELEGRAM_BOT_TOKEN", "nonsense", "TELEGRAM_BOT_TOKEN: not a bot token"},
		{"no key", "INTAKEBOT_DATA_KEY", "", "INTAKEBOT_DATA_KEY: required"},
		{"short key", "INTAKEBOT_DATA_KEY", "c2hvcnQ=", "INTAKEBOT_DATA_KEY: must be base64 of exactly 32 bytes"},
		{"redis url", "REDIS_URL", "http://x", "REDIS_URL: must be a redis://"},
		{"redis url option", "REDIS_URL", "redis://:hunter2-secret@127.0.0.1:1/0?colour=red", "REDIS_URL: with INTAKEBOT_REDIS_MODE"},
		{"redis mode", "INTAKEBOT_REDIS_MODE", "ring", "unknown mode"},
		{"sentinel without master", "INTAKEBOT_REDIS_MODE", "sentinel", "master name"},
		{"redis wait replicas", "INTAKEBOT_REDIS_WAIT_REPLICAS", "many", "INTAKEBOT_REDIS_WAIT_REPLICAS"},
		{"redis wait timeout", "INTAKEBOT_REDIS_WAIT_TIMEOUT", "soon", "INTAKEBOT_REDIS_WAIT_TIMEOUT"},
		{"admins", "INTAKEBOT_ADMINS", "12,abc", "INTAKEBOT_ADMINS"},
		{"time zone", "INTAKEBOT_TIMEZONE", "Mars/Olympus", "INTAKEBOT_TIMEZONE"},
		{"quiet hours", "INTAKEBOT_QUIET_HOURS", "late", "INTAKEBOT_QUIET_HOURS"},
		{"nudges", "INTAKEBOT_NUDGES", "7d,3d", "INTAKEBOT_NUDGES"},
		{"log format", "INTAKEBOT_LOG_FORMAT", "xml", "INTAKEBOT_LOG_FORMAT"},
		{"country", "INTAKEBOT_COUNTRY", "de", "INTAKEBOT_COUNTRY"},
		{"ttl", "INTAKEBOT_SESSION_TTL", "forever", "INTAKEBOT_SESSION_TTL"},
		{"webhook without secret", "INTAKEBOT_WEBHOOK_URL", "https://bot.example.org/hook", "INTAKEBOT_WEBHOOK_SECRET"},
		{"unknown locale", "INTAKEBOT_LOCALE", "xx", "locales"},
		{"missing flow file", "INTAKEBOT_FLOW_FILE", "/nonexistent/flow.toml", "INTAKEBOT_FLOW_FILE"},
		{"send budget", "INTAKEBOT_SEND_BUDGET", "everywhere", "INTAKEBOT_SEND_BUDGET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0", "TELEGRAM_API_URL": "http://127.0.0.1:1"}
			for k, v := range base {
				e[k] = v
			}
			e[tt.key] = tt.value
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"serve"}, env(e), strings.NewReader(""), &out, &errOut)
			if code == 0 {
				t.Fatal("bad configuration accepted")
			}
			msg := errOut.String()
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("error %q does not say %q", msg, tt.want)
			}
			if strings.Count(strings.TrimSpace(msg), "\n") > 0 && !strings.Contains(msg, `"level"`) {
				t.Fatalf("more than one line: %q", msg)
			}
			if strings.Contains(msg, "hunter2") {
				t.Fatal("the error echoes the Redis password")
			}
			if tt.value != "" && len(tt.value) > 6 && tt.key == "INTAKEBOT_DATA_KEY" && strings.Contains(msg, tt.value) {
				t.Fatal("the error echoes the secret")
			}
		})
	}
}

func TestBadFlowFileIsRefusedWithLineAndReason(t *testing.T) {
	dir := t.TempDir()
	flow := dir + "/flow.toml"
	os.WriteFile(flow, []byte("id = \"mine\"\nversion = 1\n[[topics]]\nid = \"a\"\n\n[[questions]]\nid = \"q1\"\ntopic = \"a\"\nkind = \"essay\"\n"), 0o600)
	var errOut bytes.Buffer
	code := run(context.Background(), []string{"demo"}, env(map[string]string{"INTAKEBOT_FLOW_FILE": flow}), strings.NewReader(""), &bytes.Buffer{}, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "line 6") || !strings.Contains(errOut.String(), `unknown question kind "essay"`) {
		t.Fatalf("exit %d, %q", code, errOut.String())
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, env(nil), nil, &out, &out); code != 0 || !strings.HasPrefix(out.String(), "intakebot ") {
		t.Fatalf("%d %q", code, out.String())
	}
}
