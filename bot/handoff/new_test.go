package handoff_test

import (
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/handoff"
)

// New names a missing dependency instead of running without it.
func TestNewNamesTheMissingOption(t *testing.T) {
	_, err := handoff.New(handoff.Options{})
	if err == nil || !strings.Contains(err.Error(), "Options.Out") {
		t.Fatalf("New(Options{}) = %v, want an error naming Options.Out", err)
	}
}
