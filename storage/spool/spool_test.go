package spool_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/spool"
)

func codec(t *testing.T, b byte) *storage.Codec {
	t.Helper()
	c, err := storage.NewCodec(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func open(t *testing.T, dir string, c *storage.Codec) *spool.Spool {
	t.Helper()
	s, err := spool.Open(dir, "alerts", c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Records come back in order, survive a reopen, go one by one with Done,
// and the file is emptied when the last is done. Nothing is stored plain.
func TestSpoolKeepsOrderAcrossARestart(t *testing.T) {
	dir, c := t.TempDir(), codec(t, 1)
	s := open(t, dir, c)
	for _, r := range []string{"one", "two", "three"} {
		if err := s.Append(t.Context(), []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	id, data, ok, err := s.First(t.Context())
	if err != nil || !ok || string(data) != "one" {
		t.Fatalf("first: %q %v %v", data, ok, err)
	}
	if err := s.Done(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if err := s.Done(t.Context(), id); err != nil { // done twice: nothing
		t.Fatal(err)
	}
	s.Close()
	raw, _ := os.ReadFile(filepath.Join(dir, "alerts.spool"))
	if bytes.Contains(raw, []byte("two")) {
		t.Fatal("a record is stored in plain text")
	}
	if st, _ := os.Stat(filepath.Join(dir, "alerts.spool")); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	s = open(t, dir, c)
	if s.Len() != 2 {
		t.Fatalf("len %d after a restart, want 2", s.Len())
	}
	for _, want := range []string{"two", "three"} {
		id, data, ok, err := s.First(t.Context())
		if err != nil || !ok || string(data) != want {
			t.Fatalf("got %q %v %v, want %q", data, ok, err, want)
		}
		if err := s.Done(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, ok, _ := s.First(t.Context()); ok {
		t.Fatal("a record is left")
	}
	if st, _ := os.Stat(filepath.Join(dir, "alerts.spool")); st.Size() != 0 {
		t.Fatalf("the spool is %d bytes once all is done", st.Size())
	}
}

// A record torn by a crash at the end is cut off; the ones before stay.
func TestSpoolCutsATornRecord(t *testing.T) {
	dir, c := t.TempDir(), codec(t, 1)
	s := open(t, dir, c)
	if err := s.Append(t.Context(), []byte("whole")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	f, _ := os.OpenFile(filepath.Join(dir, "alerts.spool"), os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{0, 0, 0, 40, 1, 2, 3})
	f.Close()
	s = open(t, dir, c)
	if s.Len() != 1 {
		t.Fatalf("len %d", s.Len())
	}
	if err := s.Append(t.Context(), []byte("after")); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 {
		t.Fatalf("len %d after an append past the cut", s.Len())
	}
}

// A record sealed with a key that is gone is reported with its ID, so that
// it can be counted and passed.
func TestSpoolReportsAnUnreadableRecord(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, codec(t, 1))
	s.Append(t.Context(), []byte("old key"))
	s.Close()
	s = open(t, dir, codec(t, 2))
	id, _, ok, err := s.First(t.Context())
	if !ok || !errors.Is(err, spool.ErrUnreadable) || id == "" {
		t.Fatalf("%q %v %v", id, ok, err)
	}
	if err := s.Done(t.Context(), id); err != nil || s.Len() != 0 {
		t.Fatalf("done: %v, len %d", err, s.Len())
	}
}

// The file inbox keeps what is put until it is done, across a restart, in
// update order, sealed; it is emptied once nothing is left.
func TestInboxKeepsUpdatesUntilDone(t *testing.T) {
	dir, c := t.TempDir(), codec(t, 3)
	in, err := spool.OpenInbox(dir, "updates", c)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Put(t.Context(), map[int64][]byte{3: []byte("drie"), 1: []byte("een")}); err != nil {
		t.Fatal(err)
	}
	if err := in.Put(t.Context(), map[int64][]byte{2: []byte("twee")}); err != nil {
		t.Fatal(err)
	}
	if err := in.Done(t.Context(), []int64{1, 99}); err != nil {
		t.Fatal(err)
	}
	in.Close()
	raw, _ := os.ReadFile(filepath.Join(dir, "updates.inbox"))
	if bytes.Contains(raw, []byte("twee")) {
		t.Fatal("an update is stored in plain text")
	}
	in, err = spool.OpenInbox(dir, "updates", c)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	ids, data, _, err := in.Pending(t.Context())
	if err != nil || len(ids) != 2 || ids[0] != 2 || ids[1] != 3 || string(data[0]) != "twee" {
		t.Fatalf("pending %v %q %v", ids, data, err)
	}
	if err := in.Done(t.Context(), []int64{2, 3}); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(dir, "updates.inbox")); st.Size() != 0 {
		t.Fatalf("the inbox is %d bytes with nothing in it", st.Size())
	}
}
