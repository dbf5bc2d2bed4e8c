package spool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/intakebot/intakebot/storage"
)

// Inbox keeps fetched updates on local disk until they are handled: the
// poller's inbox while Redis does not answer (telegram.Poller's
// Fallback), so that one chat's backlog or a store that is down never
// stops the poller from fetching. It has the methods of storage/inbox:
// Put and Done append a sealed record and sync; what is not done is kept
// in memory too, and the file is emptied once nothing is left.
type Inbox struct {
	mu      sync.Mutex
	codec   *storage.Codec
	aad     []byte
	f       *os.File
	size    int64
	entries map[int64][]byte
}

// inboxRecord is one record of the file: updates put, or IDs done.
type inboxRecord struct {
	Put  map[int64][]byte `json:"put,omitempty"`
	Done []int64          `json:"done,omitempty"`
}

// OpenInbox opens (or makes) the inbox name in dir and reads back what it
// holds; a record torn by a crash at the end is cut off.
func OpenInbox(dir, name string, codec *storage.Codec) (*Inbox, error) {
	if codec == nil || name == "" || strings.ContainsAny(name, `/\`) {
		return nil, errors.New("spool: an inbox needs a codec and a plain name")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: can't make %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name+".inbox"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	in := &Inbox{codec: codec, aad: []byte("inbox:" + name), f: f, entries: map[int64][]byte{}}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	end, off := st.Size(), int64(0)
	for off < end {
		payload, n, ok := readFrame(f, off, end)
		if !ok {
			break
		}
		off += n
		plain, err := codec.Open(payload, in.aad)
		if err != nil {
			continue // sealed with a key that is gone: nothing to hand on
		}
		var r inboxRecord
		if json.Unmarshal(plain, &r) != nil {
			continue
		}
		maps.Copy(in.entries, r.Put)
		for _, id := range r.Done {
			delete(in.entries, id)
		}
	}
	if off < end {
		if err := f.Truncate(off); err != nil {
			f.Close()
			return nil, fmt.Errorf("spool: can't cut a torn record: %w", err)
		}
	}
	in.size = off
	return in, nil
}

// Put keeps updates (by update ID) until Done.
func (in *Inbox) Put(_ context.Context, updates map[int64][]byte) error {
	if len(updates) == 0 {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if err := in.append(inboxRecord{Put: updates}); err != nil {
		return err
	}
	maps.Copy(in.entries, updates)
	return nil
}

// Done takes updates out; IDs it does not hold change nothing.
func (in *Inbox) Done(_ context.Context, ids []int64) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	var held []int64
	for _, id := range ids {
		if _, ok := in.entries[id]; ok {
			held = append(held, id)
		}
	}
	if len(held) == 0 {
		return nil
	}
	if len(held) == len(in.entries) {
		// Nothing is left: start the file again.
		if err := in.f.Truncate(0); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if err := in.f.Sync(); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		in.size = 0
		clear(in.entries)
		return nil
	}
	if err := in.append(inboxRecord{Done: held}); err != nil {
		return err
	}
	for _, id := range held {
		delete(in.entries, id)
	}
	return nil
}

// Pending returns what is not done, by update ID in order.
func (in *Inbox) Pending(context.Context) ([]int64, [][]byte, int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	ids := slices.Sorted(maps.Keys(in.entries))
	data := make([][]byte, len(ids))
	for i, id := range ids {
		data[i] = in.entries[id]
	}
	return ids, data, 0, nil
}

func (in *Inbox) append(r inboxRecord) error {
	plain, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	fr := frame(in.codec.Seal(plain, in.aad))
	if len(fr) > maxFrame {
		return errors.New("spool: batch too large")
	}
	if _, err := in.f.WriteAt(fr, in.size); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := in.f.Sync(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	in.size += int64(len(fr))
	return nil
}

// Close closes the file.
func (in *Inbox) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.f.Close()
}
