package dialog

import (
	"sync"
	"testing"

	"github.com/intakebot/intakebot/dialog/crisis"
)

var crisisWords = sync.OnceValues(crisis.Load)

// mustCrisisWords are the project's own word lists, loaded once.
func mustCrisisWords(tb testing.TB) *crisis.Words {
	tb.Helper()
	c, err := crisisWords()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
