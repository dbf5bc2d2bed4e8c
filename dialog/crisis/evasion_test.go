package crisis

import (
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
	"unicode/utf8"
)

// The disclosures of issue 14 that an exception meant for a harmless
// phrase used to swallow, and the everyday ways of issue 10 to say one
// does not want to live any more.
var swallowed = []string{
	"i cut myself a lot",
	"my stepdad hit me with a belt",
	"he beats me in my room",
	"i dont want to live like this anymore",
	"ik snij me een paar keer per week",
	"I don't want to live in this world anymore",
	"i'm tired of living",
	"life isn't worth living",
	"i wish i was never born",
	"ik ben het leven zat",
	"ik wil niet meer bestaan",
	"ik zie geen uitweg meer",
	"ik hoef niet meer te leven",
	"ik ben klaar met het leven",
}

func TestSwallowedDisclosuresTrigger(t *testing.T) {
	c := mustCrisisWords(t)
	for _, s := range swallowed {
		if !c.Match(s) {
			t.Errorf("%q does not trigger", s)
		}
	}
}

// disguise is one way of writing a sentence so that a word list that
// compares letters misses it, while a person reads the same.
type disguise struct {
	name string
	do   func(string) string
	// visual disguises change only how letters look: the sentence must
	// read the same to the matcher, ordinary or not.
	visual bool
}

var lookAlike = map[rune]rune{'a': 'а', 'e': 'е', 'o': 'о', 'p': 'р', 'c': 'с', 'i': 'і', 'x': 'х', 'y': 'у', 's': 'ѕ', 'j': 'ј'}

func mapLetters(s string, f func(r rune) string) string {
	var b strings.Builder
	for _, r := range s {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			b.WriteString(f(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// longest returns the start and end of the longest word of s.
func longest(s string) (int, int) {
	best, bs, be := 0, 0, 0
	start := -1
	for i, r := range s + " " {
		if unicode.IsLetter(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start > best {
			best, bs, be = i-start, start, i
		}
		start = -1
	}
	return bs, be
}

func inLongest(s string, f func(w string) string) string {
	i, j := longest(s)
	return s[:i] + f(s[i:j]) + s[j:]
}

var disguises = []disguise{
	{"cyrillic", func(s string) string {
		return mapLetters(s, func(r rune) string {
			if l, ok := lookAlike[r]; ok {
				return string(l)
			}
			return string(r)
		})
	}, true},
	{"math bold", func(s string) string {
		return mapLetters(s, func(r rune) string {
			if r >= 'a' {
				return string(0x1D41A + r - 'a')
			}
			return string(0x1D400 + r - 'A')
		})
	}, true},
	{"full width", func(s string) string {
		return mapLetters(s, func(r rune) string { return string(0xFF21 + r - 'A') })
	}, true},
	{"zero width", func(s string) string {
		return mapLetters(s, func(r rune) string { return string(r) + "\u200B" })
	}, true},
	{"bidi", func(s string) string { return "\u202E" + strings.ReplaceAll(s, " ", " \u2066") + "\u202C" }, true},
	{"upper case", strings.ToUpper, true},
	{"spaced out", func(s string) string {
		return inLongest(s, func(w string) string { return strings.Join(strings.Split(w, ""), " ") })
	}, false},
	{"digits", func(s string) string {
		return inLongest(s, func(w string) string { return strings.NewReplacer("o", "0", "e", "3", "i", "1", "a", "4").Replace(w) })
	}, false},
	{"held down", func(s string) string {
		return inLongest(s, func(w string) string { return w + strings.Repeat(w[len(w)-1:], 4) })
	}, false},
	{"typo", func(s string) string {
		return inLongest(s, func(w string) string {
			if len(w) < 7 {
				return w
			}
			b := []byte(w)
			k := len(b) / 2
			b[k], b[k+1] = b[k+1], b[k]
			return string(b)
		})
	}, false},
}

// Every triggering sentence still triggers in each disguise; an ordinary
// one stays ordinary in every disguise that only changes how letters look.
func TestDisguisesAreSeenThrough(t *testing.T) {
	c := mustCrisisWords(t)
	for lang, tab := range readTables() {
		for _, d := range disguises {
			// Every sentence in a disguise that only changes how
			// letters look; nearly every one in the others, which may
			// meet a sentence already in another disguise (a typo in
			// a typo).
			missed, tried := 0, 0
			for _, s := range tab.trigger {
				if !isASCII(s) {
					continue
				}
				tried++
				if v := d.do(s); !c.Match(v) {
					missed++
					t.Logf("%s, %s: %q does not trigger (%q)", lang, d.name, v, s)
				}
			}
			if d.visual && missed > 0 || missed*100 > tried*2 {
				t.Errorf("%s, %s: %d of %d triggering sentences missed", lang, d.name, missed, tried)
			}
			for _, s := range tab.ordinary {
				if v := d.do(s); d.visual && c.Match(v) {
					t.Errorf("%s, %s: ordinary %q triggers (%q)", lang, d.name, v, s)
				}
			}
		}
	}
}

// FuzzDisguisedSentence: a sentence of the tables written with look-alike
// letters, styled letters, invisible characters and other case, letter by
// letter as the fuzzer chooses, reads as the sentence itself: an ordinary
// sentence never triggers, a triggering one always does.
func FuzzDisguisedSentence(f *testing.F) {
	c := mustCrisisWords(f)
	type sentence struct {
		text    string
		trigger bool
	}
	var all []sentence
	for _, tab := range readTables() {
		for _, s := range tab.trigger {
			all = append(all, sentence{s, true})
		}
		for _, s := range tab.ordinary {
			all = append(all, sentence{s, false})
		}
	}
	f.Add(uint16(0), []byte{0, 1, 2, 3, 4, 5, 6})
	f.Add(uint16(len(all)-1), []byte{7, 7, 7})
	f.Add(uint16(len(all)/2), []byte("disguise"))
	f.Fuzz(func(t *testing.T, pick uint16, ops []byte) {
		s := all[int(pick)%len(all)]
		v := disguiseLetters(s.text, ops)
		if got := c.Match(v); got != s.trigger {
			t.Fatalf("Match(%q) = %v, the sentence %q is %v", v, got, s.text, s.trigger)
		}
	})
}

// disguiseLetters changes each ASCII letter of s as ops say, one op a
// letter in turn: keep it, a look-alike, bold, full width, a zero-width
// space or a bidi mark after it, or the other case.
func disguiseLetters(s string, ops []byte) string {
	if len(ops) == 0 {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r >= utf8.RuneSelf || !unicode.IsLetter(r) {
			b.WriteRune(r)
			continue
		}
		lower := unicode.ToLower(r)
		switch ops[n%len(ops)] % 7 {
		case 1:
			if l, ok := lookAlike[lower]; ok {
				b.WriteRune(l)
			} else {
				b.WriteRune(r)
			}
		case 2:
			b.WriteRune(0x1D41A + lower - 'a')
		case 3:
			b.WriteRune(0xFF41 + lower - 'a')
		case 4:
			b.WriteRune(r)
			b.WriteRune('\u200B')
		case 5:
			b.WriteRune(r)
			b.WriteRune('\u200F')
		case 6:
			b.WriteRune(unicode.ToUpper(r))
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

// FuzzNormalize: the normal form of any text is valid UTF-8, idempotent,
// without stray spaces, and holds only lower-case letters, digits, @, $ and
// single spaces: nothing invisible, no styled letter.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "Ik WIL dood!!", "𝐤𝐢𝐥𝐥 ｍｅ", "zelf\u200bmoord", "d00d", "\xff", "ΚΑΛΗΜΕΡΑ", "k i l l"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("normalize(%q) = %q is not UTF-8", s, n)
		}
		if again := normalize(n); again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, again)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("normalize(%q) = %q has stray spaces", s, n)
		}
		for _, r := range n {
			if r == ' ' || r == '@' || r == '$' || unicode.IsDigit(r) || unicode.IsLetter(r) && !unicode.IsUpper(r) {
				continue
			}
			t.Fatalf("normalize(%q) = %q holds %U", s, n, r)
		}
	})
}

// A language in another script is a list file like any other: its words
// are matched as written, accents and Arabic vowel signs and stretching
// dropped, look-alike Latin readings beside them and not instead of them.
func TestListsInOtherScripts(t *testing.T) {
	fsys := fstest.MapFS{
		"lists/uk.toml": {Data: []byte(`phrases = ["хочу померти", "не хочу жити"]` + "\nexceptions = [\"не хочу жити тут\"]")},
		"lists/ar.toml": {Data: []byte(`phrases = ["اريد ان اموت"]`)},
		"lists/en.toml": {Data: []byte(`phrases = ["kill myself"]`)},
	}
	c, err := load(fsys, "lists")
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{
		"Я хочу померти!":         true,
		"я не хочу жити":          true,
		"я не хочу жити тут":      false,
		"хочу пити":               false,
		"أريد أن أموت":            true,
		"أُرِيـــدُ أَنْ أَمُوتَ": true,
		"أريد أن أنام":            false,
		"і want to kіll mуsеlf":   true,
	} {
		if got := c.Match(s); got != want {
			t.Errorf("Match(%q) = %v, want %v", s, got, want)
		}
	}
}
