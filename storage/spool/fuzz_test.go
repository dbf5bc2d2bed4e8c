package spool_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/spool"
)

// A spool or inbox file damaged in any way (a crash, a disk error, an edit
// by hand) never panics the bot: it opens, or it says why, and a record
// appended after it comes back.
func FuzzSpoolFiles(f *testing.F) {
	c, err := storage.NewCodec(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	seed := f.TempDir()
	s, err := spool.Open(seed, "alerts", c)
	if err != nil {
		f.Fatal(err)
	}
	s.Append(f.Context(), []byte(`{"c":1,"k":"urgent"}`))
	s.Append(f.Context(), []byte(`{"c":2,"k":"signal"}`))
	s.Close()
	good, _ := os.ReadFile(filepath.Join(seed, "alerts.spool"))
	f.Add(good, []byte("0"))
	f.Add(good[:len(good)-3], []byte("12"))
	f.Add([]byte{0, 0, 0, 1, 'x', 0, 0, 0, 0}, []byte("-4"))
	f.Add([]byte{}, []byte("99999"))
	f.Fuzz(func(t *testing.T, data, head []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "alerts.spool"), data, 0o600)
		os.WriteFile(filepath.Join(dir, "alerts.head"), head, 0o600)
		os.WriteFile(filepath.Join(dir, "updates.inbox"), data, 0o600)
		if in, err := spool.OpenInbox(dir, "updates", c); err == nil {
			in.Pending(t.Context())
			if err := in.Put(t.Context(), map[int64][]byte{1 << 40: []byte("probe")}); err != nil {
				t.Fatal(err)
			}
			in.Close()
			in, err = spool.OpenInbox(dir, "updates", c)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			ids, _, _, _ := in.Pending(t.Context())
			if len(ids) == 0 || ids[len(ids)-1] != 1<<40 {
				t.Fatalf("the update put after the damage is gone: %v", ids)
			}
			in.Close()
		}
		s, err := spool.Open(dir, "alerts", c)
		if err != nil {
			return // a damaged head is refused, with the reason
		}
		defer s.Close()
		if err := s.Append(t.Context(), []byte("probe")); err != nil {
			t.Fatal(err)
		}
		for range 1000 {
			id, data, ok, err := s.First(t.Context())
			if !ok {
				t.Fatal("the record appended after the damage is gone")
			}
			if err == nil && string(data) == "probe" {
				return
			}
			if id == "" {
				t.Fatalf("a record without an ID: %v", err)
			}
			if err := s.Done(t.Context(), id); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatal("too many records")
	})
}
