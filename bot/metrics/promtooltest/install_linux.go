package promtooltest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// The lock is storage/redistest's: `go test ./...` runs packages in
// parallel, and two apt-get runs at once fail on dpkg's lock.
const lockName = "intakebot-redistest-apt.lock"

// policyRC keeps the package's init script from starting a Prometheus
// server as a side effect of the install.
const (
	policyRCPath = "/usr/sbin/policy-rc.d"
	policyRC     = "#!/bin/sh\n# written by promtooltest for the time of one apt-get install\nexit 101\n"
)

func install() error {
	lockPath := filepath.Join(os.TempDir(), lockName)
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("open lock %s: %w", lockPath, err)
	}
	defer f.Close() // closing the file releases the lock
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", lockPath, err)
	}
	if _, err := exec.LookPath("promtool"); err == nil {
		return nil // another test process installed it while this one waited
	}
	if _, err := os.Stat(policyRCPath); os.IsNotExist(err) {
		if err := os.WriteFile(policyRCPath, []byte(policyRC), 0o755); err == nil {
			defer os.Remove(policyRCPath)
		}
	}
	if err := aptGet("update"); err != nil {
		return err
	}
	return aptGet("install", "-y", "--no-install-recommends", "prometheus")
}

func aptGet(args ...string) error {
	cmd := exec.Command("apt-get", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		tail := out.Bytes()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return fmt.Errorf("apt-get %s: %w\n%s", strings.Join(args, " "), err, tail)
	}
	return nil
}
