package langtag

import (
	"slices"
	"testing"
)

// Telegram's language_code comes from the young person's client: whatever
// it holds, Match answers one of the languages it was given or "", never
// panics, and answers the same twice.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"", "nl", "nl-BE", "ar-SA", "fa-AF", "prs", "ps_AF", "zh-Hant-TW", "x-klingon", "ar-u-nu-arab", "-", "en--", "\x00", "ü"} {
		f.Add(s)
	}
	langs := []string{"nl", "ar", "en", "fa", "pl", "ps", "so", "ti", "tr", "uk"}
	f.Fuzz(func(t *testing.T, code string) {
		got := Match(langs, code)
		if got != "" && !slices.Contains(langs, got) {
			t.Fatalf("Match(%q) = %q, not a given language", code, got)
		}
		if again := Match(langs, code); again != got {
			t.Fatalf("Match(%q) = %q, then %q", code, got, again)
		}
	})
}
