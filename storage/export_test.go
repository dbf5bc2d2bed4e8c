package storage

import (
	"testing"
	"time"
)

// ShortenWindows lets the contract tests (package storage_test) wait for
// expiry in milliseconds instead of an hour; zero keeps a window.
func ShortenWindows(p *People, linkFailure, pendingStaff time.Duration) {
	if linkFailure > 0 {
		p.Links.failWindow = linkFailure
	}
	if pendingStaff > 0 {
		p.Staff.pendingTTL = pendingStaff
	}
}

// NewTestCodec is a codec with a fixed test key.
func NewTestCodec(tb testing.TB) *Codec {
	tb.Helper()
	return mustCodec(tb, testKey(1))
}
