//go:build !linux

package promtooltest

import "errors"

// install is only automated on Linux (Debian/Ubuntu CI machines).
func install() error {
	return errors.New("automatic installation is only supported on Linux")
}
