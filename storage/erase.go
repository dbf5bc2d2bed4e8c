package storage

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Erasure of a young person (/delete, and the retention of acknowledged
// intakes). Besides the session (Sessions.Delete) and the case
// (Cases.DeleteCase), a person leaves these keys, which Erasure.EraseTraces
// and Links.DeleteCaseLinks remove:
//
//	<prefix>linkfail:{<name>}        failed links (expires within the hour anyway)
//	<prefix>pendingstaff:{<name>}    a staff link awaiting a name (idem)
//	<prefix>shown:{<name>}           the /exit trail
//	<prefix>alert:{<name>}           an urgent alert in progress
//	<prefix>alerts                   member <name>: the alerts' due times
//	<prefix>link:<hash>              a link that re-attaches the case to a new account
//
// The inbox of fetched updates (<prefix>inbox) holds an update only until
// it is handled, and sealed; the audit stream keeps entries without
// content, which do not name the person in readable form.

// Erasure removes the traces of a young person that belong to no single
// store. EraseTraces is a type of its own rather than a method of Links,
// Staff or Alerts because it clears keys of all three and of the /exit
// trail in one transaction; giving it to one of them would have that store
// reach into the others' keys. It is safe for concurrent use.
type Erasure struct{ base }

// EraseTraces removes what the bot keeps about the person with this
// Telegram user ID and session key besides the session, the case and its
// links: failed-link counter, pending staff link, /exit trail, urgent
// alert. Keys that do not exist are fine. One round trip (a pipeline, not
// a transaction: erasing is safe to repeat).
func (er *Erasure) EraseTraces(ctx context.Context, userID int64, key string) error {
	// One command per key: on Redis Cluster the user's and the session's
	// keys need not share a slot, and the alerts index has its own.
	_, err := er.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, k := range []string{er.linkFailKey(userID), er.pendingStaffKey(userID), er.trailKey(key), er.alertKey(key)} {
			pipe.Del(ctx, k)
		}
		pipe.ZRem(ctx, er.alertsKey(), er.member(key))
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't erase traces: %w", err)
	}
	return nil
}
