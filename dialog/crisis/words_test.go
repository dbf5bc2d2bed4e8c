package crisis

import (
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

var crisisWords = sync.OnceValues(Load)

func mustCrisisWords(tb testing.TB) *Words {
	tb.Helper()
	c, err := crisisWords()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// crisisTable is the table of sentences of every language (readTables).
var crisisTable = sync.OnceValue(readTables)

// minTable is the fewest sentences of each kind a language's table has.
var minTable = table{trigger: make([]string, 150), ordinary: make([]string, 100)}

func TestCrisisTable(t *testing.T) {
	c := mustCrisisWords(t)
	for lang, tab := range crisisTable() {
		if len(tab.trigger) < len(minTable.trigger) || len(tab.ordinary) < len(minTable.ordinary) {
			t.Errorf("%s: %d triggering and %d ordinary sentences, want at least %d and %d", lang, len(tab.trigger), len(tab.ordinary), len(minTable.trigger), len(minTable.ordinary))
		}
		for _, s := range tab.trigger {
			if !c.Match(s) {
				t.Errorf("%s: %q does not trigger (normalised %q)", lang, s, normalize(s))
			}
		}
		for _, s := range tab.ordinary {
			if c.Match(s) {
				t.Errorf("%s: ordinary %q triggers (normalised %q)", lang, s, normalize(s))
			}
		}
	}
}

// Every language on the lists has its table, and the other way round.
func TestCrisisTableCoversEveryLanguage(t *testing.T) {
	c := mustCrisisWords(t)
	langs := c.Languages()
	if len(langs) != len(crisisTable()) {
		t.Errorf("word lists for %v, tables for %d languages", langs, len(crisisTable()))
	}
	for _, l := range langs {
		if _, ok := crisisTable()[l]; !ok {
			t.Errorf("no test table for the %s word list", l)
		}
	}
}

func TestNormalizeCrisis(t *testing.T) {
	for in, want := range map[string]string{
		"  Ik  WIL\tdood!! ": "ik wil dood",
		"zelf-moord":         "zelf moord",
		"Zélfmoord":          "zelfmoord",
		"suïcide":            "suicide",
		"don't":              "dont",
		"I’m":                "im",
		"'k zie 't":          "k zie t",
		"doooood":            "dood",
		"112 1000":           "112 1000",
		"ｚｅｌｆｍｏｏｒｄ":          "zelfmoord",
		"zelf\u00admoord":    "zelfmoord",
		"zelf\u200bmoord":    "zelfmoord",
		"ik😢wil😢dood":        "ik wil dood",
		"STRASSE straße":     "strasse strasse",
		"beëindigen":         "beeindigen",
		"":                   "",
		"!!!":                "",
		"ΚΑΛΗΜΕΡΑ":           "καλημερα",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCrisisWordsNilMatchesNothing(t *testing.T) {
	var c *Words
	if c.Match("ik wil dood") {
		t.Error("nil Words matched")
	}
}

func TestCrisisWordListErrors(t *testing.T) {
	for name, file := range map[string]string{
		"not normal":    `phrases = ["Zelfmoord"]`,
		"leading star":  `phrases = ["* dood"]`,
		"trailing star": `phrases = ["wil *"]`,
		"short prefix":  `phrases = ["sn* mezelf"]`,
		"empty":         `phrases = [" "]`,
		"no phrases":    `exceptions = ["doodmoe"]`,
		"unknown key":   "phrases = [\"wil dood\"]\nphrase = [\"x\"]",
		"bad toml":      `phrases = [`,
		"bad exception": "phrases = [\"wil dood\"]\nexceptions = [\"dood-moe\"]",
		"empty choice":  `phrases = ["wil dood|"]`,
	} {
		fsys := fstest.MapFS{"lists/xx.toml": {Data: []byte(file)}}
		if _, err := load(fsys, "lists"); err == nil {
			t.Errorf("%s: list %q loaded without error", name, file)
		}
	}
	if _, err := load(fstest.MapFS{}, "lists"); err == nil {
		t.Error("no lists at all loaded without error")
	}
	fsys := fstest.MapFS{"lists/xx.toml": {Data: []byte("phrases = [\"snij* me|mij\", \"wil * dood\"]\nexceptions = [\"wil niet dood\"]")}}
	c, err := load(fsys, "lists")
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{
		"ik snijd mij": true, "snijden me": true, "ik sn me": false,
		"ik wil echt dood": true, "ik wil niet dood": false, "wil dood": false,
	} {
		if got := c.Match(s); got != want {
			t.Errorf("Match(%q) = %v, want %v", s, got, want)
		}
	}
}

// BenchmarkCrisisMatch is the cost of checking one ordinary message, done
// for every message a young person sends.
func BenchmarkCrisisMatch(b *testing.B) {
	c := mustCrisisWords(b)
	msgs := []string{
		"Ik wil graag een eigen plek, dichtbij mijn school en mijn vrienden. Mijn begeleider helpt me met geld.",
		"ik ga dood van het lachen",
		"I want to live on my own, near my sister, with a dog.",
		strings.Repeat("woorden zonder betekenis ", 80),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Match(msgs[i%len(msgs)])
	}
}

// FuzzCrisisMatch: any text is checked without a panic, and normalising
// is idempotent (so a normalised phrase means the same as the text it came
// from).
func FuzzCrisisMatch(f *testing.F) {
	c := mustCrisisWords(f)
	for _, tab := range crisisTable() {
		for _, s := range tab.trigger[:5] {
			f.Add(s)
		}
		for _, s := range tab.ordinary[:5] {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalize(s)
		if again := normalize(n); again != n {
			t.Fatalf("normalizeCrisis not idempotent: %q -> %q -> %q", s, n, again)
		}
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Fatalf("normalize(%q) = %q is not valid UTF-8", s, n)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("normalize(%q) = %q has stray spaces", s, n)
		}
		if c.Match(s) != c.Match(n) {
			t.Fatalf("Match(%q) differs from Match of its normal form %q", s, n)
		}
	})
}
