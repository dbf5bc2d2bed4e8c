package chat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Pseudonyms stand for people and intakes where their IDs must not be:
// logs and the audit trail. Stable, not reversible without the key.
type Pseudonyms struct{ key []byte }

// NewPseudonyms keys the pseudonyms (INTAKEBOT_PSEUDONYM_KEY).
func NewPseudonyms(key []byte) Pseudonyms { return Pseudonyms{key: key} }

// Of is the pseudonym of a chat or user.
func (p Pseudonyms) Of(id int64) string { return p.OfKey(strconv.FormatInt(id, 10)) }

// OfKey is the pseudonym of a session key; for the usual key, the chat ID
// in decimal, it equals Of that chat, so audit entries and log lines of one
// case match. Empty for no key.
func (p Pseudonyms) OfKey(key string) string {
	if key == "" {
		return ""
	}
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil)[:6])
}
