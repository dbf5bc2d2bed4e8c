package storage

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
)

// Erasure of a young person (/delete, and the retention of acknowledged
// intakes). Besides the session (Sessions.Delete) and the case
// (DeleteCase), a person leaves these keys, which EraseTraces and
// DeleteCaseLinks remove:
//
//	<prefix>linkfail:<user ID>       failed links (expires within the hour anyway)
//	<prefix>pendingstaff:<user ID>   a staff link awaiting a name (idem)
//	<prefix>shown:<session key>      the /exit trail
//	<prefix>alert:<session key>      an urgent alert in progress
//	<prefix>alerts                   member <session key>: the alerts' due times
//	<prefix>link:<hash>              a link that re-attaches the case to a new account
//
// The inbox of fetched updates (<prefix>inbox) holds an update only until
// it is handled, and sealed; the audit stream keeps entries without
// content, which do not name the person in readable form.

func (p *People) alertKey(key string) string { return p.prefix + "alert:" + key }
func (p *People) alertsKey() string          { return p.prefix + "alerts" }

// EraseTraces removes what the bot keeps about the person with this
// Telegram user ID and session key besides the session, the case and its
// links: failed-link counter, pending staff link, /exit trail, urgent
// alert. Keys that do not exist are fine. One round trip.
func (p *People) EraseTraces(ctx context.Context, userID int64, key string) error {
	_, err := p.client.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, p.linkFailKey(userID), p.pendingStaffKey(userID), trailKey(p.prefix, key), p.alertKey(key))
		pipe.ZRem(ctx, p.alertsKey(), key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't erase traces: %w", err)
	}
	return nil
}

// DeleteCaseLinks deletes the links of these directors' invites that
// would re-attach the case under caseKey to another account (made from
// /cases), and returns how many it deleted. Other invites stay. Two round
// trips per director with invites, a third when one is deleted.
func (p *People) DeleteCaseLinks(ctx context.Context, caseKey string, directors ...int64) (int, error) {
	n := 0
	for _, d := range directors {
		if d == 0 {
			continue
		}
		ikey := p.invitesKey(d)
		hashes, err := p.client.ZRange(ctx, ikey, 0, -1).Result()
		if err != nil {
			return n, fmt.Errorf("can't delete the links of a case: %w", err)
		}
		if len(hashes) == 0 {
			continue
		}
		keys := make([]string, len(hashes))
		for i, h := range hashes {
			keys[i] = p.linkKey(h)
		}
		vals, err := p.client.MGet(ctx, keys...).Result()
		if err != nil {
			return n, fmt.Errorf("can't delete the links of a case: %w", err)
		}
		var dels []string
		var members []any
		for i, v := range vals {
			sealed, ok := str(v)
			if !ok {
				continue
			}
			var l domain.Link
			if err := p.openJSON(sealed, keys[i], &l); err != nil {
				return n, fmt.Errorf("can't delete the links of a case: %w", err)
			}
			if l.CaseKey == caseKey {
				dels = append(dels, keys[i])
				members = append(members, hashes[i])
			}
		}
		if len(dels) == 0 {
			continue
		}
		_, err = p.client.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Del(ctx, dels...)
			pipe.ZRem(ctx, ikey, members...)
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("can't delete the links of a case: %w", err)
		}
		n += len(dels)
	}
	return n, nil
}
