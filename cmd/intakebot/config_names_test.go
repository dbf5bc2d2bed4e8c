package main

import (
	"bytes"
	"testing"
)

// Records are named by the pseudonym key when set; derived from the data
// key, the names stay those of the old key while a rotation runs.
func TestRecordNamesKeepTheirKeyThroughARotation(t *testing.T) {
	before, err := loadConfig(env(map[string]string{"INTAKEBOT_DATA_KEY": testKey}), false)
	if err != nil {
		t.Fatal(err)
	}
	during, err := loadConfig(env(map[string]string{"INTAKEBOT_DATA_KEY": newTestKey, "INTAKEBOT_OLD_DATA_KEYS": testKey}), false)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(recordNameKey(before), recordNameKey(during)) {
		t.Error("the names changed when the rotation began")
	}
	set, err := loadConfig(env(map[string]string{"INTAKEBOT_DATA_KEY": newTestKey, "INTAKEBOT_OLD_DATA_KEYS": testKey, "INTAKEBOT_PSEUDONYM_KEY": testKey}), false)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(recordNameKey(set), set.PseudonymKey) {
		t.Error("a pseudonym key that is set does not name the records")
	}
}
