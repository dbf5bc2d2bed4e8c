// Package seal keeps what storage writes to Redis unreadable without the
// deployment's keys: Codec seals values with AES-256-GCM (the data key,
// rotated with older keys kept to open) and names records by a keyed hash
// of their ID (the pseudonym key). It knows nothing of Redis; package
// storage re-exports what its callers use.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/intakebot/intakebot/bot/domain"
)

// KeySize is the length of a data key: AES-256.
const KeySize = 32

// Sealed format, version 1:
//
//	version (1 byte) | key ID (4 bytes) | nonce (12 bytes) | ciphertext and GCM tag
//
// The key ID is the first 4 bytes of SHA-256 of the key: enough to pick the
// right key after a rotation, and it reveals nothing useful about the key.
const (
	sealVersion = 1
	keyIDSize   = 4
	nonceSize   = 12
	tagSize     = 16
	headerSize  = 1 + keyIDSize + nonceSize
)

var (
	// ErrUnknownKey means the data was sealed with a key this Codec does not
	// hold: an older key was dropped from the configuration too early.
	ErrUnknownKey error = &unreadable{"sealed with an unknown key"}
	// ErrCorrupt means the sealed data is malformed, was changed, or belongs
	// to another record. Both are domain.ErrUnreadable (errors.Is), so that
	// the rooms, which never import storage, tell a record that does not
	// open from an outage.
	ErrCorrupt error = &unreadable{"sealed data is corrupt"}
)

// unreadable is an error that is also domain.ErrUnreadable.
type unreadable struct{ msg string }

func (e *unreadable) Error() string        { return e.msg }
func (e *unreadable) Is(target error) bool { return target == domain.ErrUnreadable }

// ParseKey decodes a data key given as base64 (standard or URL alphabet,
// with or without padding) of exactly KeySize bytes, as INTAKEBOT_DATA_KEY
// holds it. Its errors never contain the input.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("data key is empty")
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("data key must be %d bytes, got %d (generate one with: head -c 32 /dev/urandom | base64)", KeySize, len(key))
		}
		return key, nil
	}
	return nil, errors.New("data key is not valid base64")
}

// Codec seals and opens records with AES-256-GCM. It seals with the primary
// key and opens with any key it holds, so that keys can rotate: deploy with
// NewCodec(newKey, oldKey), and records move to the new key as they are
// saved again. A Codec is safe for concurrent use.
type Codec struct {
	names     []byte // keys the record names (Name); see WithNameKey
	primaryID [keyIDSize]byte
	primary   cipher.AEAD
	byID      map[[keyIDSize]byte]cipher.AEAD
}

// NewCodec returns a Codec that seals with primary and also opens data
// sealed with any of the older keys. Every key must be KeySize bytes.
func NewCodec(primary []byte, older ...[]byte) (*Codec, error) {
	c := &Codec{byID: make(map[[keyIDSize]byte]cipher.AEAD, 1+len(older)), names: testNameKey}
	seen := make(map[[sha256.Size]byte]bool, 1+len(older))
	for i, key := range append([][]byte{primary}, older...) {
		if len(key) != KeySize {
			return nil, fmt.Errorf("can't use data key %d: must be %d bytes, got %d", i, KeySize, len(key))
		}
		sum := sha256.Sum256(key)
		if seen[sum] {
			continue // the same key listed twice is harmless
		}
		seen[sum] = true
		id := [keyIDSize]byte(sum[:keyIDSize])
		if _, dup := c.byID[id]; dup {
			return nil, fmt.Errorf("can't use data key %d: its key ID collides with another key; generate a new one", i)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("can't use data key %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("can't use data key %d: %w", i, err)
		}
		c.byID[id] = aead
		if i == 0 {
			c.primaryID, c.primary = id, aead
		}
	}
	return c, nil
}

// KeyID names the primary key in hex, for startup logs: operators can see
// which key is in use without seeing the key.
func (c *Codec) KeyID() string {
	return hex.EncodeToString(c.primaryID[:])
}

// Seal encrypts plain with the primary key and a fresh random nonce. aad is
// authenticated but not stored: Open must be given the same aad. Storage
// passes the record's Redis key, so a value copied to another record does
// not open.
func (c *Codec) Seal(plain, aad []byte) []byte {
	out := make([]byte, headerSize, headerSize+len(plain)+tagSize)
	out[0] = sealVersion
	copy(out[1:], c.primaryID[:])
	nonce := out[1+keyIDSize : headerSize]
	// crypto/rand.Read never fails; on a broken system it crashes the
	// program rather than return predictable bytes.
	_, _ = rand.Read(nonce)
	return c.primary.Seal(out, nonce, plain, aad)
}

// Open checks and decrypts data made by Seal with any key the Codec holds.
// It fails with an error wrapping ErrUnknownKey or ErrCorrupt.
func (c *Codec) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < headerSize+tagSize {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrCorrupt, len(sealed))
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unsupported format version %d", ErrCorrupt, sealed[0])
	}
	id := [keyIDSize]byte(sealed[1 : 1+keyIDSize])
	aead, ok := c.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: key ID %x", ErrUnknownKey, id)
	}
	plain, err := aead.Open(nil, sealed[1+keyIDSize:headerSize], sealed[headerSize:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrCorrupt)
	}
	return plain, nil
}

// LooksSealed tells a value made by Codec.Seal from the plain values beside
// it (numbers, states, IDs, times): plain values are printable text and
// never start with the format's version byte.
func LooksSealed(v string) bool {
	return len(v) >= headerSize+tagSize && v[0] == sealVersion
}

// Reseal opens a sealed value with whichever of the candidate AADs it was
// sealed with and seals the plaintext again with the primary key and the
// same AAD. current reports a value already under the primary key (which
// is still opened, to find damage). The candidates are the record's Redis
// key and, for a field or member, "<key>:<field>" (the inbox's AAD).
func (c *Codec) Reseal(sealed string, aads ...string) (out string, current bool, err error) {
	if len(sealed) < headerSize+tagSize {
		return "", false, ErrCorrupt
	}
	current = [keyIDSize]byte([]byte(sealed[1:1+keyIDSize])) == c.primaryID
	err = ErrCorrupt
	for _, aad := range aads {
		plain, oerr := c.Open([]byte(sealed), []byte(aad))
		if oerr == nil {
			if current {
				return sealed, true, nil
			}
			return string(c.Seal(plain, []byte(aad))), false, nil
		}
		if errors.Is(oerr, ErrUnknownKey) {
			return "", false, oerr
		}
	}
	return "", current, err
}

// Record names. A young person's records are stored under a keyed hash of
// their ID (the chat ID, the session key) instead of the ID itself, and so
// are the members of the indexes that list them: a copy of Redis, or a
// look at its keys, shows no Telegram ID. The hash is keyed with the
// deployment's pseudonym key (INTAKEBOT_PSEUDONYM_KEY), not with the data
// key, so that it stays the same across rotations of the data key.

// nameLabel separates the names' key from other uses of the pseudonym key
// (the pseudonyms in logs and the audit trail): a name in Redis is not the
// pseudonym in a log line.
const nameLabel = "intakebot record names v1"

// NameSize is the length of a record name: 128 bits of HMAC-SHA256, in hex.
const NameSize = 32

// testNameKey names records of a Codec that was given no name key. It is
// public, so its names hide nothing: every deployment sets its own with
// WithNameKey (cmd/intakebot does); tests need not.
var testNameKey = nameKey([]byte("intakebot: no pseudonym key configured"))

func nameKey(pseudonymKey []byte) []byte {
	m := hmac.New(sha256.New, pseudonymKey)
	m.Write([]byte(nameLabel))
	return m.Sum(nil)
}

// WithNameKey returns a copy of c that names records with a key derived
// from pseudonymKey (the deployment's INTAKEBOT_PSEUDONYM_KEY). Every
// process of a deployment must use the same one: records stored under
// another name key are not found (storage/rekey moves them).
func (c *Codec) WithNameKey(pseudonymKey []byte) *Codec {
	cp := *c
	cp.names = nameKey(pseudonymKey)
	return &cp
}

// Name is the name a record of id (a session key, a chat or user ID in
// decimal) is stored under: NameSize hex characters of HMAC-SHA256 keyed
// with the name key. Stable, and not reversible without the key.
func (c *Codec) Name(id string) string {
	m := hmac.New(sha256.New, c.names)
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:NameSize/2])
}

// IsName reports whether s has the shape of a Name: NameSize lower-case
// hex characters (never a Telegram ID, which is decimal and shorter).
func IsName(s string) bool {
	if len(s) != NameSize {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}
