package staff_test

import (
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/staff"
)

// New refuses to run without what the office needs.
func TestNewRefusesMissingOptions(t *testing.T) {
	_, err := staff.New(staff.Options{})
	if err == nil || !strings.Contains(err.Error(), "Cases") || !strings.Contains(err.Error(), "Out") {
		t.Fatalf("New(Options{}) = %v, want an error naming what is missing", err)
	}
}
