package storage

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Quarantine. A record that is there but does not open (cut short,
// changed, moved from another key, sealed with a key this process does not
// hold) is never deleted by the stores: the caller that gave up on it moves
// it aside with Sessions.Quarantine or Staff.QuarantineStaff, under
//
//	<prefix>quarantine:<the record's key without the prefix>
//
// (or that with ":<unix ns>" when an older record of the same key is set
// aside already). The move is a RENAME: the value, its seal and its TTL stay
// as they were (a session still expires with its idle TTL), so an operator
// can look at it, or put it back with RENAME once the cause is fixed (an
// older data key added again, say). Erasure removes a young person's
// quarantined session with the rest of their traces.
//
// Lists (ListStaff, CasesOf, PendingInvites, DeleteCaseLinks) never fail on
// one bad entry: they leave it out and count it (People.ReportSkipped).

// setAside renames rkey to its quarantine key; false when there is no
// record under rkey.
func setAside(ctx context.Context, client redis.UniversalClient, k keys, rkey string, now time.Time) (bool, error) {
	q := k.quarantineKey(rkey)
	for _, dst := range []string{q, q + ":" + strconv.FormatInt(now.UnixNano(), 10)} {
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
	return false, errQuarantineTaken
}

// errQuarantineTaken: both quarantine keys of a record are taken (two
// records set aside within the same nanosecond).
var errQuarantineTaken = unreadable("quarantine key taken")

// skipped reports the entries lists leave out (People.ReportSkipped).
type skipped struct {
	f atomic.Pointer[func(kind string)]
}

// add reports one entry of kind ("staff", "case", "link") left out.
func (s *skipped) add(kind string) {
	if s == nil {
		return
	}
	if f := s.f.Load(); f != nil {
		(*f)(kind)
	}
}

// ReportSkipped has f called for every entry a list leaves out because its
// record does not open (kind "staff", "case" or "link"), for the metrics.
// Call it before the stores are used; f must be safe for concurrent use.
func (p *People) ReportSkipped(f func(kind string)) {
	p.Staff.skipped.f.Store(&f)
}
