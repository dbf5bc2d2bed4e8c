package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/storage"
)

// The pseudonym key is a key of its own: configured, it survives a
// rotation of the data key; derived, it is never the data key itself.
func TestConfigOfPseudonymKey(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"INTAKEBOT_DATA_KEY": testKey}), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.PseudonymKey) != 32 || bytes.Equal(c.PseudonymKey, c.DataKey) {
		t.Fatalf("derived pseudonym key: %d bytes, equal to the data key: %v", len(c.PseudonymKey), bytes.Equal(c.PseudonymKey, c.DataKey))
	}
	rotated, err := loadConfig(env(map[string]string{"INTAKEBOT_DATA_KEY": newTestKey, "INTAKEBOT_OLD_DATA_KEYS": testKey}), false)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(rotated.PseudonymKey, c.PseudonymKey) {
		t.Fatal("a derived pseudonym key did not change with the data key; the README says it does")
	}

	fixed := map[string]string{"INTAKEBOT_DATA_KEY": testKey, "INTAKEBOT_PSEUDONYM_KEY": newTestKey}
	before, err := loadConfig(env(fixed), false)
	if err != nil {
		t.Fatal(err)
	}
	fixed["INTAKEBOT_DATA_KEY"], fixed["INTAKEBOT_OLD_DATA_KEYS"] = newTestKey, testKey
	after, err := loadConfig(env(fixed), false)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := storage.ParseKey(newTestKey)
	if !bytes.Equal(before.PseudonymKey, want) || !bytes.Equal(after.PseudonymKey, want) {
		t.Fatal("a configured pseudonym key is not used as it is across a rotation")
	}

	secret := "c2VjcmV0LWJ1dC10b28tc2hvcnQ="
	_, err = loadConfig(env(map[string]string{"INTAKEBOT_PSEUDONYM_KEY": secret}), false)
	if err == nil || !strings.HasPrefix(err.Error(), "INTAKEBOT_PSEUDONYM_KEY:") || strings.Contains(err.Error(), secret) {
		t.Fatalf("a bad pseudonym key: %v", err)
	}
}
