package promtooltest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingPromtoolWithoutRootSaysHowToInstall(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	installed := false
	_, err := locate(false, func() error { installed = true; return nil })
	if !errors.Is(err, errMissing) || installed {
		t.Fatalf("locate = %v (installed %v), want the hint and no install", err, installed)
	}
	if !strings.Contains(err.Error(), "sudo apt-get install -y prometheus") {
		t.Errorf("the hint does not say how to install: %v", err)
	}
}

func TestAFailedInstallIsAnErrorNotASkip(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "apt-get"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	_, err := locate(true, func() error { return errors.New("no network") })
	if err == nil || errors.Is(err, errMissing) {
		t.Fatalf("locate = %v, want a failure (as root an install that fails must not skip silently)", err)
	}
}
