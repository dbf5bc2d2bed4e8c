//go:build !linux

package redistest

import "errors"

// install is only automated on Linux (Debian/Ubuntu CI machines).
func install() error {
	return errors.New("automatic installation is only supported on Linux")
}

func installPackage(bin, pkg string) error { return install() }
