package bot_test

import (
	"strings"
	"testing"

	tgbot "github.com/go-telegram/bot"

	"github.com/intakebot/intakebot/bot"
)

// A bot missing a store is refused at start, with the names of what is
// missing, instead of failing at the first update that needs it.
func TestNewNamesWhatIsMissing(t *testing.T) {
	h := prepare(t, nil)
	api, err := tgbot.New("123456:TEST-token", tgbot.WithServerURL(h.api.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	o := bot.Options{Engine: h.engine, Store: h.store, Renderer: h.r, API: api}
	h.people.into(&o)
	o.Cases, o.Trail = nil, nil
	b, err := bot.New(o)
	if err == nil || b != nil {
		t.Fatalf("New without Cases and Trail = %v, %v; want an error", b, err)
	}
	for _, name := range []string{"Cases", "Trail"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error %q does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "Staff") {
		t.Errorf("the error %q names a store that is there", err)
	}
}
