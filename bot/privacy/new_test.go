package privacy

import (
	"strings"
	"testing"
)

// New names every required option that is missing.
func TestNewNamesWhatIsMissing(t *testing.T) {
	_, err := New(Options{})
	if err == nil {
		t.Fatal("New without options: no error")
	}
	for _, name := range []string{"Out", "Renderer", "Engine", "Sessions", "Trail", "Cases", "Links", "Erasure", "Reminders",
		"Roles", "Alerts", "Dir.Staff", "Dir.Languages", "Auditor.Store", "Work", "Log", "Metrics", "Now", "AckAfter", "Checkins", "CheckinFlow"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}
