package redistest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// missingHint is what a developer without redis-server reads.
const missingHint = "redis-server not found; install it with: sudo apt-get install -y redis-server (Debian/Ubuntu)"

// locate finds redis-server on PATH. When it is missing and canInstall is
// true (root on a machine with apt-get), it installs it first, so that a
// fresh CI machine or container needs no manual step.
func locate(canInstall bool, install func() error) (string, error) {
	return locateBin("redis-server", missingHint, canInstall, install)
}

// locateBin is locate for any binary of a Debian package.
func locateBin(bin, hint string, canInstall bool, install func() error) (string, error) {
	if path, err := exec.LookPath(bin); err == nil {
		return path, nil
	}
	if !canInstall {
		return "", errors.New(hint)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", errors.New(hint)
	}
	if err := install(); err != nil {
		return "", fmt.Errorf("%s\n(installing it with apt-get failed: %w)", hint, err)
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%s\n(apt-get ran, but %s is still not on PATH=%s)", hint, bin, os.Getenv("PATH"))
	}
	return path, nil
}
