package main

import "bytes"

// recordNameKey is the key that names the records in Redis (a keyed hash
// of each chat ID: storage.Codec.WithNameKey). It is INTAKEBOT_PSEUDONYM_KEY
// when set. Without it the pseudonym key is derived from the data key,
// which a rotation changes; during a rotation (INTAKEBOT_OLD_DATA_KEYS set)
// the names are then derived from the oldest old key, so that the bot
// finds every record while the keys change. When the old keys are
// dropped, `intakebot rekey` (run before the bot serves again) moves the
// records to the names of the new key.
func recordNameKey(cfg *config) []byte {
	derived := cfg.DataKey != nil && bytes.Equal(cfg.PseudonymKey, derivePseudonymKey(cfg.DataKey))
	if derived && len(cfg.OldDataKeys) > 0 {
		return derivePseudonymKey(cfg.OldDataKeys[len(cfg.OldDataKeys)-1])
	}
	return cfg.PseudonymKey
}
