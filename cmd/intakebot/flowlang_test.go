package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// An operator's own flow with its texts in Dutch and English only (as
// written before the other languages came): the bot starts, speaks the
// languages the flow has every text in, and a young person whose Telegram
// reports another language gets the default instead of half a flow.
func TestOwnFlowWithTextsInSomeLanguagesStarts(t *testing.T) {
	dir := t.TempDir()
	flow := filepath.Join(dir, "flow.toml")
	texts := filepath.Join(dir, "texts")
	os.Mkdir(texts, 0o700)
	os.WriteFile(flow, []byte(burstFlow), 0o600)
	os.WriteFile(filepath.Join(texts, "nl.toml"), []byte(burstTexts), 0o600)
	os.WriteFile(filepath.Join(texts, "en.toml"), []byte(burstTexts), 0o600)
	cfg, err := loadConfig(env(map[string]string{"INTAKEBOT_FLOW_FILE": flow, "INTAKEBOT_LOCALES_DIR": texts}), false)
	if err != nil {
		t.Fatal(err)
	}
	engine, cat, err := newEngine(cfg, time.Now)
	if err != nil {
		t.Fatalf("newEngine: %v", err)
	}
	if !slices.Equal(engine.Languages, []string{"nl", "en"}) {
		t.Errorf("languages %v, want [nl en]", engine.Languages)
	}
	if len(cat.Languages()) <= 2 {
		t.Fatalf("the catalog has only %v", cat.Languages())
	}
	for code, want := range map[string]string{"ar-SA": "nl", "en-GB": "en", "nl-BE": "nl", "uk": "nl"} {
		if got := engine.MatchLanguage(code); got != want {
			t.Errorf("MatchLanguage(%q) = %q, want %q", code, got, want)
		}
	}

	// The demo refuses a language the flow does not speak, naming those it does.
	var errOut bytes.Buffer
	code := run(context.Background(), []string{"demo", "-lang", "ar"}, env(map[string]string{"INTAKEBOT_FLOW_FILE": flow, "INTAKEBOT_LOCALES_DIR": texts}), strings.NewReader(""), &bytes.Buffer{}, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "nl, en") {
		t.Fatalf("demo -lang ar: exit %d, %q", code, errOut.String())
	}

	// A flow whose texts miss in the default language is still refused.
	os.Remove(filepath.Join(texts, "nl.toml"))
	cfg, _ = loadConfig(env(map[string]string{"INTAKEBOT_FLOW_FILE": flow, "INTAKEBOT_LOCALES_DIR": texts}), false)
	if _, _, err := newEngine(cfg, time.Now); err == nil {
		t.Fatal("a flow without its Dutch texts started")
	}
}
