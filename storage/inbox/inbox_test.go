package inbox

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

func TestInboxKeepsUpdatesUntilDoneAndReturnsThemInOrder(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	in := New(rdb, mustCodec(t, testKey(1)), "t:")

	batch := map[int64][]byte{}
	for id := int64(100); id < 112; id++ {
		batch[id] = []byte(fmt.Sprintf(`{"update_id":%d,"message":{"text":"geheim antwoord %d"}}`, id, id))
	}
	if err := in.Put(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := in.Done(ctx, []int64{100, 105}); err != nil {
		t.Fatal(err)
	}
	// A crash now: what a new process finds.
	ids, data, dropped, err := New(rdb, mustCodec(t, testKey(1)), "t:").Pending(ctx)
	if err != nil || dropped != 0 {
		t.Fatalf("pending: %v, dropped %d", err, dropped)
	}
	want := []int64{101, 102, 103, 104, 106, 107, 108, 109, 110, 111}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("pending %v, want %v", ids, want)
	}
	for i, id := range ids {
		if !bytes.Equal(data[i], batch[id]) {
			t.Fatalf("update %d came back as %q", id, data[i])
		}
	}
	// What a young person wrote is not readable in Redis.
	raw, _ := rdb.HGetAll(ctx, "t:inbox").Result()
	for _, v := range raw {
		if bytes.Contains([]byte(v), []byte("geheim")) {
			t.Fatal("an update is stored in plaintext")
		}
	}
}

func TestInboxDropsEntriesThatDoNotOpen(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	in := New(rdb, mustCodec(t, testKey(1)), "t:")
	if err := in.Put(ctx, map[int64][]byte{7: []byte(`{"update_id":7}`)}); err != nil {
		t.Fatal(err)
	}
	rdb.HSet(ctx, "t:inbox", "8", "not sealed", "x", "junk")
	// Sealed under another key (say, after a key was thrown away).
	New(rdb, mustCodec(t, testKey(2)), "t:").Put(ctx, map[int64][]byte{9: []byte(`{}`)})

	ids, _, dropped, err := in.Pending(ctx)
	if err != nil || dropped != 3 || len(ids) != 1 || ids[0] != 7 {
		t.Fatalf("ids %v dropped %d err %v", ids, dropped, err)
	}
	if n, _ := rdb.HLen(ctx, "t:inbox").Result(); n != 1 {
		t.Fatalf("%d entries left, want the one that opens", n)
	}
}

func TestInboxFailsWhileRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	in := New(rdb, mustCodec(t, testKey(1)), "t:")
	srv.Stop(t)
	if err := in.Put(context.Background(), map[int64][]byte{1: []byte(`{}`)}); err == nil {
		t.Fatal("Put reported success with Redis down")
	}
	if _, _, _, err := in.Pending(context.Background()); err == nil {
		t.Fatal("Pending reported success with Redis down")
	}
}

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, storage.KeySize) }

func mustCodec(tb testing.TB, primary []byte) *storage.Codec {
	tb.Helper()
	c, err := storage.NewCodec(primary)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
