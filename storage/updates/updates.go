// Package updates keeps, in Redis and across replicas, what the bot knows
// of Telegram's updates as such: which were applied (so that one delivered
// again is not applied twice), and in webhook mode the order of each
// chat's updates (so that replicas apply them in update_id order).
//
//	<prefix>update:<id>             string: a claim token while handled, "done" after
//	<prefix>{updates}:mark          string: every update ID up to it arrived
//	<prefix>{updates}:arrived       sorted set: IDs above the mark that arrived
//	<prefix>{updates}:settling      string: lives while a new mark settles
//	<prefix>{chat:<id>}:pending     sorted set: the chat's updates arrived, not applied
//	<prefix>{chat:<id>}:applied     string: the chat's last applied update ID
//
// No content: update and chat IDs only. Every key expires.
package updates

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/storage"
)

// DoneTTL is how long an applied update is remembered: Telegram keeps an
// update it could not deliver for 24 hours.
const DoneTTL = 25 * time.Hour

// OrderTTL is how long the order of a quiet chat (and the arrival mark) is
// kept after its last update.
const OrderTTL = time.Hour

//go:embed lua/*.lua
var luaFiles embed.FS

func script(name string) *redis.Script {
	src, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic("updates: no embedded script " + name + ": " + err.Error())
	}
	return redis.NewScript(string(src))
}

var (
	// arriveScript: KEYS mark, arrived, settling; ARGV id, force, ttl ms,
	// settle ms -> mark, -1 while it settles.
	arriveScript = script("arrive")
	// turnScript: KEYS pending, applied; ARGV id, force, ttl ms -> 1 when it is id's turn.
	turnScript = script("turn")
	// appliedScript: KEYS pending, applied; ARGV id, ttl ms.
	appliedScript = script("applied")
	// releaseScript: KEYS claim; ARGV token.
	releaseScript = script("release")
	// extendScript: KEYS claim; ARGV token, lease ms -> 1 when extended.
	extendScript = script("extend")
)

// DefaultSettle is how long a new arrival mark settles; see Log.Settle.
const DefaultSettle = 250 * time.Millisecond

// Log is the record of updates of one deployment.
type Log struct {
	client redis.UniversalClient
	prefix string
	// Settle is how long, after the first update (or the first after
	// OrderTTL of quiet), updates are held while the lowest update ID still
	// in flight is learnt. Set before use.
	Settle time.Duration
}

// New returns the update log of a deployment (prefix as for
// storage.Sessions).
func New(client redis.UniversalClient, prefix string) *Log {
	if prefix == "" {
		prefix = storage.DefaultPrefix
	}
	return &Log{client: client, prefix: prefix, Settle: DefaultSettle}
}

const doneValue = "done"

func (l *Log) claimKey(id int64) string { return l.prefix + "update:" + strconv.FormatInt(id, 10) }

// Claim takes update id for lease, for the one handler applying it. token
// is "" when it can't be taken: applied is then true when the update was
// applied already, false while another handler holds it.
func (l *Log) Claim(ctx context.Context, id int64, lease time.Duration) (token string, applied bool, err error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	token = hex.EncodeToString(b[:])
	key := l.claimKey(id)
	ok, err := l.client.SetNX(ctx, key, token, lease).Result()
	if err != nil {
		return "", false, fmt.Errorf("can't claim update: %w", err)
	}
	if ok {
		return token, false, nil
	}
	v, err := l.client.Get(ctx, key).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", false, fmt.Errorf("can't read an update's claim: %w", err)
	}
	return "", v == doneValue, nil
}

// Finish records update id as applied, for DoneTTL.
func (l *Log) Finish(ctx context.Context, id int64, _ string) error {
	if err := l.client.Set(ctx, l.claimKey(id), doneValue, DoneTTL).Err(); err != nil {
		return fmt.Errorf("can't record an update as applied: %w", err)
	}
	return nil
}

// Release gives up a claim that was not applied, if it is still token's,
// so that the update can be handled again when it comes back.
func (l *Log) Release(ctx context.Context, id int64, token string) error {
	if err := releaseScript.Run(ctx, l.client, []string{l.claimKey(id)}, token).Err(); err != nil {
		return fmt.Errorf("can't release an update's claim: %w", err)
	}
	return nil
}

// Extend keeps a claim for another lease while its update is still being
// handled; false when the claim is no longer token's.
func (l *Log) Extend(ctx context.Context, id int64, token string, lease time.Duration) (bool, error) {
	n, err := extendScript.Run(ctx, l.client, []string{l.claimKey(id)}, token, lease.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("can't extend an update's claim: %w", err)
	}
	return n == 1, nil
}

func (l *Log) markKeys() []string {
	return []string{l.prefix + "{updates}:mark", l.prefix + "{updates}:arrived", l.prefix + "{updates}:settling"}
}

func (l *Log) chatKeys(chat int64) []string {
	c := l.prefix + "{chat:" + strconv.FormatInt(chat, 10) + "}:"
	return []string{c + "pending", c + "applied"}
}

// Turn records that update id of chat arrived, and reports whether it is
// its turn: every update with a lower ID arrived (at any replica), and
// none of them in chat waits to be applied. The first update, and the
// first after OrderTTL of quiet, waits Settle. force, once the bounded wait
// passed, makes it its turn: the lower IDs that never arrived are taken as
// none of the chat's, and the chat's earlier ones as passed over.
func (l *Log) Turn(ctx context.Context, chat, id int64, force bool) (bool, error) {
	f := "0"
	if force {
		f = "1"
	}
	ttl := OrderTTL.Milliseconds()
	mark, turn, err := l.turn(ctx, chat, id, f, ttl)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// A new or flushed server: load the scripts, then once more.
		for _, sc := range []*redis.Script{arriveScript, turnScript} {
			if lerr := sc.Load(ctx, l.client).Err(); lerr != nil {
				return false, fmt.Errorf("can't load the order scripts: %w", lerr)
			}
		}
		mark, turn, err = l.turn(ctx, chat, id, f, ttl)
	}
	if err != nil {
		return false, fmt.Errorf("can't read a chat's order: %w", err)
	}
	return mark >= id-1 && turn == 1, nil
}

// turn runs both order scripts in one round trip (one per node on a
// Cluster, where the arrival mark and the chat live in other slots).
func (l *Log) turn(ctx context.Context, chat, id int64, force string, ttl int64) (mark, turn int64, err error) {
	var arrived, chatTurn *redis.Cmd
	_, err = l.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		arrived = arriveScript.EvalSha(ctx, p, l.markKeys(), id, force, ttl, l.Settle.Milliseconds())
		chatTurn = turnScript.EvalSha(ctx, p, l.chatKeys(chat), id, force, ttl)
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	if mark, err = arrived.Int64(); err != nil {
		return 0, 0, err
	}
	if turn, err = chatTurn.Int64(); err != nil {
		return 0, 0, err
	}
	return mark, turn, nil
}

// Applied records that update id of chat was applied: the chat's next
// update may go.
func (l *Log) Applied(ctx context.Context, chat, id int64) error {
	if err := appliedScript.Run(ctx, l.client, l.chatKeys(chat), id, OrderTTL.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("can't record a chat's order: %w", err)
	}
	return nil
}
