// Package quarantine sets aside stored records that do not open (cut
// short, changed, moved from another key, sealed with a key this process
// does not hold), for package storage. The stores never delete such a
// record: the caller that gave up on it moves it aside (Move), under
//
//	<prefix>quarantine:<the record's key without the prefix>
//
// (storage's keys.go spells it), or that with ":<unix ns>" when an older
// record of the same key is set aside already. The move is a RENAME: the
// value, its seal and its TTL stay as they were (a session still expires
// with its idle TTL), so an operator can look at it, or put it back with
// RENAME once the cause is fixed (an older data key configured again,
// say). The quarantine key keeps the record's hash tag, so the move stays
// within one Redis Cluster slot.
//
// Lists never fail on one bad entry: they leave it out and report it
// (Skipped), for the metrics.
package quarantine

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrTaken: both quarantine keys of a record are taken (two records set
// aside within the same nanosecond).
var ErrTaken = errors.New("quarantine key taken")

// Move renames the record rkey to qkey (its quarantine key), or to qkey
// with ":<unix ns>" when qkey holds an older one; false when there is no
// record under rkey.
func Move(ctx context.Context, client redis.UniversalClient, rkey, qkey string, now time.Time) (bool, error) {
	for _, dst := range []string{qkey, qkey + ":" + strconv.FormatInt(now.UnixNano(), 10)} {
		ok, err := client.RenameNX(ctx, rkey, dst).Result()
		if err != nil && strings.Contains(err.Error(), "no such key") {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, ErrTaken
}

// Skipped tells whoever asked (Report) of the list entries left out
// because their record does not open. The zero value tells nobody; it is
// safe for concurrent use.
type Skipped struct {
	f atomic.Pointer[func(kind string)]
}

// Report has f called for every entry left out from now on.
func (s *Skipped) Report(f func(kind string)) { s.f.Store(&f) }

// Add reports one entry of kind ("staff", "case", "link") left out.
func (s *Skipped) Add(kind string) {
	if f := s.f.Load(); f != nil {
		(*f)(kind)
	}
}
