package storage

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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

// Damage cuts the sealed data of a record short, as a truncated or
// half-restored value would be: kind "session" (a session key), "staff" (a
// user ID) or "case" (a case key), under prefix, named by codec.
func Damage(tb testing.TB, client redis.UniversalClient, codec *Codec, prefix, kind, key string) {
	tb.Helper()
	k := newKeys(prefix, codec)
	var rkey string
	switch kind {
	case "session":
		rkey = k.sessionKey(key)
	case "staff":
		id, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			tb.Fatal(err)
		}
		rkey = k.staffKey(id)
	case "case":
		rkey = k.caseKey(key)
	default:
		tb.Fatalf("can't damage a %s", kind)
	}
	ctx := tb.(interface{ Context() context.Context }).Context()
	data, err := client.HGet(ctx, rkey, "data").Result()
	if err != nil {
		tb.Fatalf("no record %s to damage: %v", kind, err)
	}
	if err := client.HSet(ctx, rkey, "data", data[:len(data)/2]).Err(); err != nil {
		tb.Fatal(err)
	}
}

// QuarantineKey is where a record under rkey is set aside.
func QuarantineKey(prefix, rkey string) string { return keys{prefix: prefix}.quarantineKey(rkey) }
