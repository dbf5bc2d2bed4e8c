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
	if path, err := exec.LookPath("redis-server"); err == nil {
		return path, nil
	}
	if !canInstall {
		return "", errors.New(missingHint)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", errors.New(missingHint)
	}
	if err := install(); err != nil {
		return "", fmt.Errorf("%s\n(installing it with apt-get failed: %w)", missingHint, err)
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("%s\n(apt-get ran, but redis-server is still not on PATH=%s)", missingHint, os.Getenv("PATH"))
	}
	return path, nil
}
