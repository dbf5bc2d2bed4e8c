// Package inbox keeps the updates fetched from Telegram in Redis until
// they are handled (the poller's inbox), sealed like sessions.
package inbox

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/intakebot/intakebot/storage"
	"github.com/redis/go-redis/v9"
)

// Inbox keeps the updates fetched from Telegram until they are handled, so
// that the poller can confirm them to Telegram at once without losing one
// to a crash: at start, whatever is still in the inbox is handled first.
// Updates hold what a young person wrote, so they are sealed like sessions.
//
//	<prefix>inbox   hash: update ID -> sealed update JSON
//
// An update handled twice (it was handled, then the process died before it
// was taken out) changes nothing: the session remembers the updates it
// applied.
type Inbox struct {
	client redis.UniversalClient
	codec  *storage.Codec
	key    string
}

// New returns the inbox of a deployment (prefix as for storage.Sessions).
func New(client redis.UniversalClient, codec *storage.Codec, prefix string) *Inbox {
	if prefix == "" {
		prefix = storage.DefaultPrefix
	}
	return &Inbox{client: client, codec: codec, key: prefix + "inbox"}
}

func (in *Inbox) aad(id int64) []byte { return []byte(in.key + ":" + strconv.FormatInt(id, 10)) }

// Put stores updates by ID in one round trip.
func (in *Inbox) Put(ctx context.Context, updates map[int64][]byte) error {
	if len(updates) == 0 {
		return nil
	}
	fields := make([]any, 0, 2*len(updates))
	for id, data := range updates {
		fields = append(fields, strconv.FormatInt(id, 10), in.codec.Seal(data, in.aad(id)))
	}
	if err := in.client.HSet(ctx, in.key, fields...).Err(); err != nil {
		return fmt.Errorf("can't store updates in the inbox: %w", err)
	}
	return nil
}

// Done takes handled updates out, in one round trip.
func (in *Inbox) Done(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	fields := make([]string, len(ids))
	for i, id := range ids {
		fields[i] = strconv.FormatInt(id, 10)
	}
	if err := in.client.HDel(ctx, in.key, fields...).Err(); err != nil {
		return fmt.Errorf("can't clear handled updates: %w", err)
	}
	return nil
}

// Pending returns the updates not handled yet, oldest first. An entry that
// does not open (a foreign or damaged value) is dropped and counted.
func (in *Inbox) Pending(ctx context.Context) (ids []int64, updates [][]byte, dropped int, err error) {
	all, err := in.client.HGetAll(ctx, in.key).Result()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("can't read the inbox: %w", err)
	}
	type entry struct {
		id   int64
		data []byte
	}
	var entries []entry
	var bad []string
	for field, sealed := range all {
		id, perr := strconv.ParseInt(field, 10, 64)
		if perr != nil {
			bad = append(bad, field)
			continue
		}
		data, oerr := in.codec.Open([]byte(sealed), in.aad(id))
		if oerr != nil {
			bad = append(bad, field)
			continue
		}
		entries = append(entries, entry{id, data})
	}
	if len(bad) > 0 {
		_ = in.client.HDel(ctx, in.key, bad...).Err()
	}
	slices.SortFunc(entries, func(a, b entry) int { return cmp.Compare(a.id, b.id) })
	for _, e := range entries {
		ids = append(ids, e.id)
		updates = append(updates, e.data)
	}
	return ids, updates, len(bad), nil
}
