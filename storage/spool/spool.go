// Package spool is an append-only queue in a file on local disk, for what
// must survive while Redis does not answer (alerts of young people in
// crisis, see bot/telegram's first aid). Each record is sealed with the
// data key, written with its length and checksum and synced before Append
// returns; records are read back in the order they were added, and one is
// dropped only after its work is done (First, then Done). A record torn by
// a crash at the end of the file is cut off when the spool is opened. One
// process owns a spool directory: every replica has its own.
package spool

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/intakebot/intakebot/storage"
)

// MaxRecord bounds one record (sealed), so that a damaged length can't
// make the spool read gigabytes.
const MaxRecord = 64 << 10

// ErrUnreadable is returned by First for a record that does not open
// (damaged, or sealed with a key that is gone): its ID is returned too,
// so that the caller can count it and go past it with Done.
var ErrUnreadable = errors.New("spool: a record does not open")

// Spool is one queue file. It is safe for concurrent use.
type Spool struct {
	mu    sync.Mutex
	codec *storage.Codec
	aad   []byte
	f     *os.File
	head  string // the file keeping the offset of the first record not done
	first int64  // that offset
	size  int64
}

// Open opens (or makes) the spool name in dir, with mode 0600 files.
func Open(dir, name string, codec *storage.Codec) (*Spool, error) {
	if codec == nil || name == "" || strings.ContainsAny(name, `/\`) {
		return nil, errors.New("spool: a spool needs a codec and a plain name")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: can't make %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name+".spool"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{codec: codec, aad: []byte("spool:" + name), f: f, head: filepath.Join(dir, name+".head")}
	if err := s.load(); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// load reads the head offset and cuts a torn record off the end.
func (s *Spool) load() error {
	if data, err := os.ReadFile(s.head); err == nil {
		if s.first, err = strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err != nil || s.first < 0 {
			return fmt.Errorf("spool: %s is damaged", s.head)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: %w", err)
	}
	st, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	end := st.Size()
	if s.first > end {
		return fmt.Errorf("spool: %s points past the end of the spool", s.head)
	}
	off := s.first
	for off < end {
		n, ok := frameAt(s.f, off, end)
		if !ok {
			break
		}
		off += n
	}
	if off < end {
		if err := s.f.Truncate(off); err != nil {
			return fmt.Errorf("spool: can't cut a torn record: %w", err)
		}
	}
	s.size = off
	return nil
}

// frameAt checks the record of f at off and returns its length on disk.
func frameAt(f *os.File, off, end int64) (int64, bool) {
	_, n, ok := readFrame(f, off, end)
	return n, ok
}

// readFrame reads the record of f at off: its payload and its length on
// disk (length, payload, checksum).
func readFrame(f *os.File, off, end int64) ([]byte, int64, bool) {
	var hdr [4]byte
	if end-off < 8 {
		return nil, 0, false
	}
	if _, err := f.ReadAt(hdr[:], off); err != nil {
		return nil, 0, false
	}
	n := int64(binary.BigEndian.Uint32(hdr[:]))
	if n > maxFrame || off+8+n > end {
		return nil, 0, false
	}
	buf := make([]byte, n+4)
	if _, err := f.ReadAt(buf, off+4); err != nil {
		return nil, 0, false
	}
	if crc32.ChecksumIEEE(buf[:n]) != binary.BigEndian.Uint32(buf[n:]) {
		return nil, 0, false
	}
	return buf[:n], 8 + n, true
}

// frame is payload as it is written: length, payload, checksum.
func frame(payload []byte) []byte {
	out := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint32(out, uint32(len(payload)))
	copy(out[4:], payload)
	binary.BigEndian.PutUint32(out[4+len(payload):], crc32.ChecksumIEEE(payload))
	return out
}

// maxFrame bounds a record on disk (an inbox batch is larger than an
// alert), so that a damaged length can't make a read take gigabytes.
const maxFrame = 64 << 20

// Append adds a record at the end and returns once it is on disk.
func (s *Spool) Append(_ context.Context, data []byte) error {
	sealed := s.codec.Seal(data, s.aad)
	if len(sealed) > MaxRecord {
		return errors.New("spool: record too large")
	}
	fr := frame(sealed)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.f.WriteAt(fr, s.size); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	s.size += int64(len(fr))
	return nil
}

// First returns the oldest record not done and its ID; ok is false when
// there is none. A record that does not open returns ErrUnreadable with
// its ID.
func (s *Spool) First(context.Context) (id string, data []byte, ok bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.first >= s.size {
		return "", nil, false, nil
	}
	buf, _, valid := readFrame(s.f, s.first, s.size)
	if !valid {
		return "", nil, false, fmt.Errorf("spool: the record at %d is damaged", s.first)
	}
	id = strconv.FormatInt(s.first, 10)
	plain, err := s.codec.Open(buf, s.aad)
	if err != nil {
		return id, nil, true, ErrUnreadable
	}
	return id, plain, true, nil
}

// Done drops the record id, which must be the first; another ID (done
// already) changes nothing. When the last record is done the file is
// emptied.
func (s *Spool) Done(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != strconv.FormatInt(s.first, 10) || s.first >= s.size {
		return nil
	}
	n, valid := frameAt(s.f, s.first, s.size)
	if !valid {
		return fmt.Errorf("spool: the record at %d is damaged", s.first)
	}
	next := s.first + n
	if next >= s.size {
		// All done: start the file again. The head is written first, so
		// that a crash in between leaves a head at 0 of a full file (the
		// records run again: an alert raised twice is one alert) rather
		// than one past the end of an empty file.
		if err := s.writeHead(0); err != nil {
			return err
		}
		if err := s.f.Truncate(0); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if err := s.f.Sync(); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		s.first, s.size = 0, 0
		return nil
	}
	if err := s.writeHead(next); err != nil {
		return err
	}
	s.first = next
	return nil
}

// Len is the number of records not done.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	count := 0
	for off := s.first; off < s.size; {
		n, ok := frameAt(s.f, off, s.size)
		if !ok {
			break
		}
		off += n
		count++
	}
	return count
}

// writeHead stores the head offset: a new file, synced, renamed over the
// old one.
func (s *Spool) writeHead(off int64) error {
	tmp := s.head + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	_, werr := f.WriteString(strconv.FormatInt(off, 10))
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := os.Rename(tmp, s.head); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if d, err := os.Open(filepath.Dir(s.head)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Close closes the file.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f.Close()
}
