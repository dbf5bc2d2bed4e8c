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

// crisisTable holds, per language, sentences the lists must catch and
// ordinary sentences with similar words that must pass. Every phrase added
// to a list gets a sentence here.
var crisisTable = map[string]struct{ trigger, ordinary []string }{
	"nl": {
		trigger: []string{
			"ik wil dood",
			"Ik wil gewoon dood.",
			"k wil dood",
			"'k wil dood",
			"ik wil dooooood",
			"soms denk ik aan zelfmoord",
			"ik denk aan zelf moord",
			"ZELFMOORD",
			"ik heb zelfmoordgedachten",
			"ik heb een zelfmoordpoging gedaan",
			"ik wil niet meer leven",
			"ik wil er niet meer zijn",
			"ik wil er gewoon niet meer zijn eigenlijk",
			"ik doe mezelf wat aan",
			"ik ga mezelf iets aandoen",
			"ik snij mezelf",
			"ik snijd mezelf als het te veel wordt",
			"ik kras mezelf",
			"ik heb weer gekrast",
			"hij slaat me",
			"mijn vader slaat mij elke dag",
			"mijn stiefvader heeft me geslagen",
			"ik ben bang dat hij me vermoordt",
			"hij gaat mij vermoorden",
			"ik durf niet naar huis",
			"ik durf niet meer naar huis",
			"ik ben thuis niet veilig",
			"ik voel me niet veilig",
			"ik zie het niet meer zitten",
			"'k zie 't niet meer zitten",
			"ik wil er een einde aan maken",
			"ik wou dat ik dood was",
			"iedereen is beter af zonder mij",
			"niemand zal me missen",
			"ik ga mij van kant maken",
			"ik wil mij ophangen",
			"ik ga voor de trein springen",
			"ik heb al mijn pillen ingenomen",
			"ik heb een afscheidsbrief geschreven",
			"ik word mishandeld",
			"hij klopt mij",
			"ik krijg slaag thuis",
			"ik word bedreigd door mijn ex",
			"ik ben verkracht",
			"ik wil mijn leven beëindigen",
			"Ik Wil Niet Meer Wakker Worden",
			"het leven heeft geen zin meer",
			"ik ben suïcidaal",
			"ik ga dood van het lachen maar eigenlijk wil ik dood",
			"ze vermoorden me als ik terugga",
		},
		ordinary: []string{
			"ik ga dood van het lachen",
			"ik ga dood van de honger",
			"ik ben doodmoe",
			"ik ben doodop na school",
			"de batterij is dood",
			"mijn hond is vorig jaar dood gegaan",
			"ik wil doodgewoon een eigen huis",
			"ik wil dood van schaamte als ik eraan denk",
			"nog niet dood gevonden willen worden in die jas",
			"dat was een zelfmoordactie in de game",
			"ik snij de groenten voor het eten",
			"ik sneed me in mijn vinger bij het koken",
			"ik snij mezelf in mijn vinger soms",
			"ik heb pijn in mijn polsen van het gamen",
			"mijn knie doet pijn",
			"het doet mij pijn dat ze weg is",
			"dat klopt, mij ook",
			"klopt, me too",
			"de kat springt van het dak",
			"ik ben al mijn pillen kwijt",
			"ik wil niet meer naar die school",
			"ik kan niet meer wachten op mijn eigen huis",
			"ik voel me veilig thuis",
			"ik ben veilig",
			"thuis is het veilig",
			"ik wil niet meer zo vroeg wakker worden",
			"ik durf niet te bellen",
			"mijn scherm is gekrast",
			"ik kras een kraslot",
			"dat slaat nergens op",
			"ik sla de vraag over",
			"hij wint altijd van me met voetbal",
			"ik wil wonen in een rustige buurt",
			"ik heb een zwaar leven gehad maar het gaat nu goed",
			"",
		},
	},
	"en": {
		trigger: []string{
			"I want to die",
			"i wanna die",
			"I want to kill myself",
			"im gonna kms",
			"I've been thinking about suicide",
			"I feel suicidal",
			"I don't want to live anymore",
			"i dont want to be alive",
			"I'm going to end my life",
			"i want to end it all",
			"everyone is better off without me",
			"I wish I was dead",
			"I cut myself",
			"I'm cutting myself again",
			"i want to hurt myself",
			"I self-harm when it gets bad",
			"self harm",
			"my dad hits me",
			"He beats me",
			"my boyfriend is hitting me",
			"she threatened to kill me",
			"I'm scared he'll kill me",
			"I'm not safe at home",
			"I'm not safe",
			"i dont feel safe",
			"I'm scared to go home",
			"I was raped",
			"he abuses me",
			"I took an overdose",
			"I want to hang myself",
			"KILL MYSELF",
			"kill my self",
			"i want to sleep and never wake up",
			"I'm killing myself laughing but honestly I want to kill myself",
		},
		ordinary: []string{
			"I'm dying to see it",
			"killing it today!",
			"this kills me 😂",
			"you're killing me haha",
			"I'm killing myself laughing",
			"I could kill for a pizza",
			"I'm dead tired",
			"my phone is dead",
			"the battery is dead",
			"I died laughing",
			"I want to die of embarrassment",
			"have you seen Suicide Squad",
			"it beats me why",
			"he beats me at FIFA every time",
			"she's beating me at chess",
			"I cut myself shaving",
			"I cut myself a slice of cake",
			"I hurt myself playing football",
			"hit me up later",
			"I never wake up before ten",
			"I feel safe at home",
			"I am safe",
			"my mom will kill me if I'm late",
			"I killed it at the interview",
			"the song hits different",
			"I want to live on my own",
			"I don't want to live with my parents",
			"I don't want to live there anymore",
			"dead end street",
			"I hate my job",
			"the hitting season starts soon",
		},
	},
}

func TestCrisisTable(t *testing.T) {
	c := mustCrisisWords(t)
	for lang, tab := range crisisTable {
		if len(tab.trigger) < 25 || len(tab.ordinary) < 25 {
			t.Errorf("%s: %d triggering and %d ordinary sentences, want at least 25 of each", lang, len(tab.trigger), len(tab.ordinary))
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
	if len(langs) != len(crisisTable) {
		t.Errorf("word lists for %v, tables for %d languages", langs, len(crisisTable))
	}
	for _, l := range langs {
		if _, ok := crisisTable[l]; !ok {
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
	for _, tab := range crisisTable {
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
