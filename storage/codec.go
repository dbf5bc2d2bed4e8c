package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/intakebot/intakebot/storage/quarantine"
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
	ErrUnknownKey = quarantine.Unreadable("sealed with an unknown key")
	// ErrCorrupt means the sealed data is malformed, was changed, or belongs
	// to another record. Both are domain.ErrUnreadable.
	ErrCorrupt = quarantine.Unreadable("sealed data is corrupt")
)

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
	primaryID [keyIDSize]byte
	primary   cipher.AEAD
	byID      map[[keyIDSize]byte]cipher.AEAD
}

// NewCodec returns a Codec that seals with primary and also opens data
// sealed with any of the older keys. Every key must be KeySize bytes.
func NewCodec(primary []byte, older ...[]byte) (*Codec, error) {
	c := &Codec{byID: make(map[[keyIDSize]byte]cipher.AEAD, 1+len(older))}
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
