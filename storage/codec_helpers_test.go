package storage

import (
	"bytes"
	"testing"
)

// testKey returns a deterministic 32-byte key; tests need no randomness.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustCodec(tb testing.TB, primary []byte, older ...[]byte) *Codec {
	tb.Helper()
	c, err := NewCodec(primary, older...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// headerSize is the sealed format's header: version, key ID, nonce.
const headerSize = 1 + 4 + 12
