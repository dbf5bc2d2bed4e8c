package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/locales"
)

func TestDemoRefusesAnUnknownLanguage(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"demo", "-lang", "xx"}, env(nil), strings.NewReader(""), &out, &errOut)
	if code != 2 {
		t.Fatalf("demo -lang xx exited %d, want 2; stderr %q", code, errOut.String())
	}
	cat, err := locales.Load("nl", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range cat.Languages() {
		if !strings.Contains(errOut.String(), l) {
			t.Errorf("the refusal does not list %s: %q", l, errOut.String())
		}
	}
	if !strings.Contains(errOut.String(), `"xx"`) {
		t.Errorf("the refusal does not name the language asked for: %q", errOut.String())
	}
}

// The real binary runs the demo in every language of the catalog: the
// welcome screen is in that language.
func TestDemoInEveryLanguage(t *testing.T) {
	bin := buildBinary(t)
	cat, err := locales.Load("nl", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range cat.Languages() {
		t.Run(l, func(t *testing.T) {
			cmd := exec.Command(bin, "demo", "-lang", l)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			cmd.Stdin = strings.NewReader("1\n3\n1\n")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("demo -lang %s: %v\n%s", l, err, out)
			}
			welcome, _ := cat.Localize(l, "btn.start", nil)
			if !strings.Contains(string(out), strings.TrimSpace(welcome)) {
				t.Errorf("demo -lang %s does not show %q:\n%s", l, welcome, out)
			}
		})
	}
	cmd := exec.Command(bin, "demo", "-lang", "zz")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("demo -lang zz: %v, want exit code 2\n%s", err, out)
	}
}
