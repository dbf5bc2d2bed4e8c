package render

import (
	"strings"
	"testing"
)

func TestIsolate(t *testing.T) {
	for _, tc := range []struct{ lang, in, want string }{
		{"nl", "Een eigen huis", "Een eigen huis"},
		{"nl", "لا أريد العودة", FSI + "لا أريد العودة" + PDI},
		{"nl", "12", "12"},
		{"ar", "سارة", "سارة"},
		{"ar", "Sara", FSI + "Sara" + PDI},
		{"ar", "113", FSI + "113" + PDI},
		{"fa", "Utrecht", FSI + "Utrecht" + PDI},
		{"ps", "۱۱۳", FSI + "۱۱۳" + PDI},
		{"en", "\n" + QuoteBar + "سطر\n" + QuoteBar + "line", "\n" + QuoteBar + FSI + "سطر" + PDI + "\n" + QuoteBar + FSI + "line" + PDI},
		{"tr", "", ""},
		{"ar", "https://t.me/intakebot?start=AbC", "https://t.me/intakebot?start=AbC"},
		{"ar", "/language", "/language"},
	} {
		if got := Isolate(tc.lang, tc.in); got != tc.want {
			t.Errorf("Isolate(%q, %q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

// FuzzIsolate: whatever a person types, the isolates around it come in
// pairs, never span a line break, and take nothing away.
func FuzzIsolate(f *testing.F) {
	for _, s := range []string{"", "Sara", "سارة", "a\nب\n\nc", "<b>x</b> & 113", "\u2068\u2069\u202e", "۱۲۳ abc"} {
		f.Add("ar", s)
		f.Add("nl", s)
	}
	f.Fuzz(func(t *testing.T, lang, s string) {
		u := UserText(s)
		out := Isolate(lang, u)
		if StripIsolates(out) != u {
			t.Fatalf("Isolate(%q, %q) = %q: not the text and isolates", lang, u, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.Count(line, FSI) != strings.Count(line, PDI) {
				t.Fatalf("unpaired isolates in line %q", line)
			}
		}
	})
}
