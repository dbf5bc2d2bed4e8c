// Package promtooltest runs Prometheus's promtool on what the bot
// produces: /metrics output (`promtool check metrics`) and alert rules
// (`promtool check rules`). promtool comes with Debian's prometheus
// package. When it is missing, a test run as root on a machine with
// apt-get installs it, as storage/redistest does for redis-server; any
// other test run skips, saying how to install it.
package promtooltest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"testing"
)

// missingHint is what a developer without promtool reads.
const missingHint = "promtool not found; install it with: sudo apt-get install -y prometheus (Debian/Ubuntu)"

var (
	once    sync.Once
	path    string
	findErr error
)

// Path returns promtool's path, installing it first when it is missing and
// the test runs as root on Linux with apt-get. Otherwise a missing
// promtool skips the test with missingHint.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(func() { path, findErr = locate(os.Geteuid() == 0 && runtime.GOOS == "linux", install) })
	if findErr != nil {
		if errors.Is(findErr, errMissing) {
			t.Skip(findErr)
		}
		t.Fatal(findErr)
	}
	return path
}

var errMissing = errors.New(missingHint)

// locate finds promtool on PATH, or installs it when it may.
func locate(canInstall bool, install func() error) (string, error) {
	if p, err := exec.LookPath("promtool"); err == nil {
		return p, nil
	}
	if !canInstall {
		return "", errMissing
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", errMissing
	}
	if err := install(); err != nil {
		return "", fmt.Errorf("%s\n(installing it with apt-get failed: %w)", missingHint, err)
	}
	p, err := exec.LookPath("promtool")
	if err != nil {
		return "", fmt.Errorf("%s\n(apt-get ran, but promtool is still not on PATH=%s)", missingHint, os.Getenv("PATH"))
	}
	return p, nil
}

// CheckMetrics runs `promtool check metrics` on a scrape's text and fails
// t with promtool's complaints.
func CheckMetrics(t testing.TB, scrape []byte) {
	t.Helper()
	cmd := exec.Command(Path(t), "check", "metrics")
	cmd.Stdin = bytes.NewReader(scrape)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// CheckRules runs `promtool check rules` on rule files and fails t with
// promtool's complaints.
func CheckRules(t testing.TB, files ...string) {
	t.Helper()
	out, err := exec.Command(Path(t), append([]string{"check", "rules"}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("promtool check rules: %v\n%s", err, out)
	}
}

// CheckConfig runs `promtool check config` on a Prometheus configuration
// (and the rule files it names) and fails t with promtool's complaints.
func CheckConfig(t testing.TB, file string) {
	t.Helper()
	out, err := exec.Command(Path(t), "check", "config", file).CombinedOutput()
	if err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
}

// TestRules runs `promtool test rules` on unit test files for the rules.
func TestRules(t testing.TB, files ...string) {
	t.Helper()
	out, err := exec.Command(Path(t), append([]string{"test", "rules"}, files...)...).CombinedOutput()
	if err != nil {
		t.Errorf("promtool test rules: %v\n%s", err, out)
	}
}
