package redistest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// policyRC makes invoke-rc.d refuse to start services, so that installing
// the package does not start a system Redis on port 6379 as a side effect.
const (
	policyRCPath = "/usr/sbin/policy-rc.d"
	policyRC     = "#!/bin/sh\n# written by redistest for the time of one apt-get install\nexit 101\n"
)

// install runs apt-get as root. `go test ./...` runs one test process per
// package, possibly in parallel, so an exclusive flock on a file in the
// temporary directory lets one of them install while the others wait and
// then find the binary.
func install() error {
	return installPackage("redis-server", "redis-server")
}

// installPackage installs the Debian package pkg unless bin is on PATH by
// the time this process holds the lock.
func installPackage(bin, pkg string) error {
	lockPath := filepath.Join(os.TempDir(), "intakebot-redistest-apt.lock")
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("open lock %s: %w", lockPath, err)
	}
	defer f.Close() // closing the file releases the lock
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", lockPath, err)
	}

	if _, err := exec.LookPath(bin); err == nil {
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
	return aptGet("install", "-y", "--no-install-recommends", pkg)
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
		return fmt.Errorf("apt-get %v: %w\n%s", args, err, tail)
	}
	return nil
}
