package glyph

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"Gewoon een antwoord.": "Gewoon een antwoord.",
		"𝐋𝐞𝐭 𝐨𝐩":               "Let op",
		"𝘪𝘵𝘢𝘭𝘪𝘤 𝚖𝚘𝚗𝚘 𝕯𝖗𝖚𝖐": "italic mono Druk",
		"ｌｅｔ ｏｐ１":                        "let op1",
		"ℍ𝕖𝕝𝕡":                           "Help",
		"a\u202Eb\u202Cc":                "a[U+202E]b[U+202C]c",
		"zero\u200Bwidth\uFEFF":          "zero[U+200B]width[U+FEFF]",
		"\u2066isolate\u2069":            "[U+2066]isolate[U+2069]",
		"soft\u00ADhyphen":               "soft[U+00AD]hyphen",
		"bell\a":                         "bell[U+0007]",
		"blank\u3164name":                "blank[U+3164]name",
		"a\r\nb\rc\u2028d\u2029e\u0085f": "a\nb\nc\nd\ne\nf",
		"tab\there":                      "tab\there",
		"👩\u200D💻 en 👨‍👩‍👧":              "👩\u200D💻 en 👨‍👩‍👧",
		"a\u200Db":                       "a[U+200D]b",
		"\u200D😀":                        "[U+200D]😀",
		"می\u200Cخواهم":                  "می\u200Cخواهم",
		"🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F": "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F",
		"hidden\U000E0041": "hidden[U+E0041]",
		"لا أريد العودة":   "لا أريد العودة",
		"Zoë ☕ 😀 Привет":   "Zoë ☕ 😀 Привет",
		"bad \xff byte":    "bad \uFFFD byte",
	} {
		if got := Visible(in); got != want {
			t.Errorf("Visible(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPlainAndLatin(t *testing.T) {
	for r, want := range map[rune]rune{'𝐋': 'L', '𝕖': 'e', 'ｋ': 'k', 'ⓚ': 'k', 'Ⓚ': 'K', '🄺': 'K', '🅚': 'K', '🅺': 'K', 'ℓ': 'l', '𝟕': '7'} {
		if got, ok := Plain(r); !ok || got != want {
			t.Errorf("Plain(%q) = %q, %v; want %q", r, got, ok, want)
		}
	}
	for _, r := range "aZ9éжα😀" {
		if _, ok := Plain(r); ok {
			t.Errorf("Plain(%q) is ok", r)
		}
	}
	for r, want := range map[rune]rune{'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'і': 'i', 'ѕ': 's', 'К': 'k', 'Η': 'h', 'η': 'n', 'ο': 'o', 'ᴋ': 'k'} {
		if got, ok := Latin(r); !ok || got != want {
			t.Errorf("Latin(%q) = %q, %v; want %q", r, got, ok, want)
		}
	}
	for _, r := range "akжд😀" {
		if _, ok := Latin(r); ok {
			t.Errorf("Latin(%q) is ok", r)
		}
	}
}

// FuzzVisible: whatever is typed, Visible shows no bidi control, no
// invisible character outside emoji and joining scripts, no mathematical
// letter and no control but \n and \t; it is valid UTF-8, idempotent, and
// keeps every visible character of ordinary text (it only adds escapes
// and folds styled letters).
func FuzzVisible(f *testing.F) {
	for _, s := range []string{"", "Let op", "𝐋𝐞𝐭 𝐨𝐩\n🚨", "a\u202Eb", "👩\u200D💻", "می\u200Cخواهم", "x\r\ny", "\xff", "🏴\U000E0067\U000E007F", "ｆｕｌｌ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := Visible(s)
		if !utf8.ValidString(v) {
			t.Fatalf("Visible(%q) = %q is not UTF-8", s, v)
		}
		if again := Visible(v); again != v {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, v, again)
		}
		for _, r := range v {
			switch {
			case Bidi(r):
				t.Fatalf("Visible(%q) = %q keeps bidi control %U", s, v, r)
			case Styled(r):
				t.Fatalf("Visible(%q) = %q keeps styled %U", s, v, r)
			case unicode.IsControl(r) && r != '\n' && r != '\t':
				t.Fatalf("Visible(%q) = %q keeps control %U", s, v, r)
			case Invisible(r) && r != zwj && r != zwnj && (r < tagFirst || r > tagEnd):
				t.Fatalf("Visible(%q) = %q keeps invisible %U", s, v, r)
			}
		}
		// What was visible and plain stays, in order.
		keep := func(x string) string {
			return strings.Map(func(r rune) rune {
				if r < utf8.RuneSelf && unicode.IsPrint(r) {
					return r
				}
				return -1
			}, x)
		}
		if k := keep(s); !strings.Contains(keep(v), k) && !isSubsequence(k, keep(v)) {
			t.Fatalf("Visible(%q) = %q lost plain text", s, v)
		}
	})
}

func isSubsequence(sub, s string) bool {
	i := 0
	for j := 0; j < len(s) && i < len(sub); j++ {
		if s[j] == sub[i] {
			i++
		}
	}
	return i == len(sub)
}
