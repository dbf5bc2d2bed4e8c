package locales

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/dialog/checkin"
)

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load("nl", "")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// ids returns the message IDs of one language, sorted.
func (c *Catalog) ids(lang string) []string {
	var out []string
	for id := range c.messages[lang] {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// allIDs returns every message ID of any language, sorted.
func (c *Catalog) allIDs() []string {
	var out []string
	for _, l := range c.langs {
		out = append(out, c.ids(l)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// sampleData holds every variable any message uses.
func sampleData(count int) map[string]any {
	return map[string]any{
		"N":        3,
		"Total":    30,
		"Topic":    "Jouw dromen",
		"Answer":   "Een eigen plek",
		"Note":     "Een eigen plek",
		"Value":    4,
		"Max":      5,
		"Len":      2100,
		"Count":    count,
		"Date":     "2 januari 2026",
		"Language": "Nederlands",
		"Director": "je procesregisseur Sanne",
		"Name":     "Sanne",
		"Role":     "procesregisseur",
		"Who":      "Sam",
		"Item":     "Sanne, mijn zus",
		"Young":    "4",
		"Pro":      2,
		"Min":      1,
		"Gap":      true,
		"Link":     "https://t.me/intakebot?start=AbCdEfGhIjKlMnOpQrStUv",

		// oncall.*
		"Days": "ma-vr",
		"Time": "08:00-17:00",
		"Zone": "Europe/Amsterdam",

		// audit.*
		"Action":    "opende de samenvatting",
		"Case":      "intake a1b2c3d4e5f6 (Sam)",
		"Pseudonym": "a1b2c3d4e5f6",

		// help.crisis.*, flag.acute, signal.*
		"Minor":    false,
		"Adult":    false,
		"Signals":  "2 januari 2026 09:00 (in een bericht)",
		"Where":    "in een bericht",
		"Question": "Voelt zich nu veilig",

		// remind.*
		"What":    "Afspraak",
		"Status":  "gepland",
		"Repeat":  "elke week",
		"When":    "vrijdag 4 december om 16:00",
		"Weekday": "vrijdag",
		"Day":     4,
		"Month":   "december",
		"Year":    2026,
		"Place":   "Stationsplein 1",
		"Fee":     "EUR 8",
		"Text":    "Neem je ID mee",
		"Why":     "de jongere heeft de bot geblokkeerd",
		"Quiet":   "",

		// checkin.*
		"Week": 49,
	}
}

func TestLoad(t *testing.T) {
	c := load(t)
	if c.Default() != "nl" {
		t.Errorf("Default() = %q, want nl", c.Default())
	}
	// The default first, then the others sorted: nl, en and any
	// translated language present.
	if got := c.Languages(); got[0] != "nl" || !slices.Contains(got, "en") || !slices.IsSorted(got[1:]) {
		t.Errorf("Languages() = %v, want nl first, then en and the others sorted", got)
	}
	c.Languages()[0] = "xx" // a copy: the catalog must not change
	if c.Languages()[0] != "nl" {
		t.Error("Languages() exposes the catalog's slice")
	}

	e, err := Load("en", "")
	if err != nil {
		t.Fatalf(`Load("en"): %v`, err)
	}
	if got := e.Languages(); got[0] != "en" || !slices.Contains(got, "nl") || !slices.IsSorted(got[1:]) {
		t.Errorf("Languages() with default en = %v, want en first, then the others sorted", got)
	}
	if got := e.Match("fr"); got != "en" {
		t.Errorf(`Match("fr") with default en = %q, want en`, got)
	}

	for _, bad := range []string{"fr", "", "not a language"} {
		if _, err := Load(bad, ""); err == nil {
			t.Errorf("Load(%q) succeeded, want an error for an unknown default language", bad)
		}
	}
	if _, err := Load("nl", filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("Load with a missing extra folder succeeded, want an error")
	}
}

func TestEveryMessageInEveryLanguage(t *testing.T) {
	c := load(t)
	all := c.allIDs()
	for _, l := range c.Languages() {
		var missing []string
		for _, id := range all {
			if !c.Has(l, id) {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			t.Errorf("language %q misses %d messages:\n  %s", l, len(missing), strings.Join(missing, "\n  "))
		}
	}
	for _, id := range all {
		if !c.HasEverywhere(id) && !t.Failed() {
			t.Errorf("HasEverywhere(%q) = false", id)
		}
	}
}

func TestEveryTemplateExecutes(t *testing.T) {
	c := load(t)
	for _, l := range c.Languages() {
		for _, id := range c.ids(l) {
			for _, n := range []int{1, 5} {
				got, err := c.Localize(l, id, sampleData(n))
				if err != nil {
					t.Errorf("%s %s (Count %d): %v", l, id, n, err)
					continue
				}
				if strings.Contains(got, "<no value>") {
					t.Errorf("%s %s (Count %d) uses a variable without sample data: %q", l, id, n, got)
				}
				if strings.Contains(got, "{{") || strings.TrimSpace(got) == "" {
					t.Errorf("%s %s (Count %d) = %q", l, id, n, got)
				}
			}
		}
	}
}

func TestDefaultFlowHasAllMessages(t *testing.T) {
	c := load(t)
	flow, err := dialog.DefaultFlow(func(id string) bool { return c.HasEverywhere(id) })
	if err != nil {
		t.Fatalf("DefaultFlow: %v", err)
	}
	// And the other way round: every flow-style message belongs to the
	// default flow, so a typo in an ID can't hide.
	need := flow.MessageIDs()
	// The weekly check-in's flow (dialog/checkin) is the other flow.
	ci, err := checkin.Flow(nil, func(id string) bool { return c.HasEverywhere(id) })
	if err != nil {
		t.Fatalf("check-in flow: %v", err)
	}
	need = append(need, ci.MessageIDs()...)
	for _, id := range c.allIDs() {
		// <topic>.about and q.<id>.about are the director's words for a
		// topic or a question's label (.short): optional companions.
		if base, ok := strings.CutSuffix(id, ".about"); ok && (strings.HasPrefix(id, "q.") || strings.HasPrefix(id, "topic.")) {
			if strings.HasPrefix(id, "q.") {
				base += ".short"
			}
			if !slices.Contains(need, base) {
				t.Errorf("message %q is about %q, which the default flow does not use", id, base)
			}
			continue
		}
		if (strings.HasPrefix(id, "q.") || strings.HasPrefix(id, "topic.")) && !slices.Contains(need, id) {
			t.Errorf("message %q is not used by the default flow", id)
		}
	}
}

var (
	tagRE    = regexp.MustCompile(`^<(/?)([a-z]+)>`)
	entityRE = regexp.MustCompile(`^&(amp|lt|gt|quot|#[0-9]+|#x[0-9a-fA-F]+);`)
)

// checkHTML reports why s is not valid Telegram HTML with only <b> and <i>.
func checkHTML(s string) error {
	var open []string
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			m := tagRE.FindStringSubmatch(s[i:])
			if m == nil || (m[2] != "b" && m[2] != "i") {
				return fmt.Errorf("stray '<' or a tag other than <b>, <i> at byte %d", i)
			}
			if m[1] == "" {
				if slices.Contains(open, m[2]) {
					return fmt.Errorf("<%s> inside <%s>", m[2], m[2])
				}
				open = append(open, m[2])
			} else {
				if len(open) == 0 || open[len(open)-1] != m[2] {
					return fmt.Errorf("</%s> closes nothing at byte %d", m[2], i)
				}
				open = open[:len(open)-1]
			}
			i += len(m[0]) - 1
		case '>':
			return fmt.Errorf("stray '>' at byte %d", i)
		case '&':
			m := entityRE.FindString(s[i:])
			if m == "" {
				return fmt.Errorf("bare '&' at byte %d", i)
			}
			i += len(m) - 1
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("<%s> is not closed", open[len(open)-1])
	}
	return nil
}

func TestCheckHTML(t *testing.T) {
	for s, ok := range map[string]bool{
		"plain":                    true,
		"<b>bold</b> <i>it</i>":    true,
		"a &amp; b &lt;3 &#128;":   true,
		"<b><i>x</i></b>":          true,
		"a & b":                    false,
		"a < b":                    false,
		"a > b":                    false,
		"<u>x</u>":                 false,
		"<b>x":                     false,
		"x</b>":                    false,
		"<b><i>x</b></i>":          false,
		`<a href="x">x</a>`:        false,
		"&nbsp;":                   false,
		"<b>unclosed <i>inner</b>": false,
	} {
		if err := checkHTML(s); (err == nil) != ok {
			t.Errorf("checkHTML(%q) = %v, want ok=%v", s, err, ok)
		}
	}
}

// plainIDs are shown where Telegram HTML is not parsed: toasts and the
// terminal demo. They must carry no markup at all.
func isPlain(id string) bool {
	return id == "saved" || id == "stale" || strings.HasPrefix(id, "demo.")
}

func TestTelegramHTML(t *testing.T) {
	c := load(t)
	for _, l := range c.Languages() {
		for _, id := range c.ids(l) {
			m := c.messages[l][id]
			for _, s := range forms(m) {
				if err := checkHTML(s); err != nil {
					t.Errorf("%s %s: %v in %q", l, id, err, s)
				}
				if isPlain(id) && strings.ContainsAny(s, "<>&") {
					t.Errorf("%s %s is plain text but has markup: %q", l, id, s)
				}
			}
			got, _ := c.Localize(l, id, sampleData(2))
			if err := checkHTML(got); err != nil {
				t.Errorf("%s %s rendered: %v in %q", l, id, err, got)
			}
		}
	}
}

func TestButtonLabelsAreShort(t *testing.T) {
	c := load(t)
	flow, err := dialog.DefaultFlow(nil)
	if err != nil {
		t.Fatalf("DefaultFlow: %v", err)
	}
	var ids []string
	for _, q := range flow.Questions {
		for _, o := range q.OptionIDs() {
			ids = append(ids, dialog.OptionMessageID(q.ID, o))
		}
	}
	for _, id := range c.allIDs() {
		if strings.HasPrefix(id, "btn.") {
			ids = append(ids, id)
		}
	}
	const maxRunes = 32 // about 30 characters; an emoji may take 2 runes
	for _, l := range c.Languages() {
		for _, id := range ids {
			got, _ := c.Localize(l, id, nil)
			if n := utf8.RuneCountInString(got); n > maxRunes {
				t.Errorf("%s %s is %d runes, want at most %d: %q", l, id, n, maxRunes, got)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("%s %s has a line break: %q", l, id, got)
			}
		}
	}
}

func TestLanguageButtonAndNames(t *testing.T) {
	c := load(t)
	first, _ := c.Localize(c.Default(), "btn.language", nil)
	names := map[string]string{}
	for _, l := range c.Languages() {
		if got, _ := c.Localize(l, "btn.language", nil); got != first {
			t.Errorf("btn.language in %s = %q, want %q as in every language", l, got, first)
		}
		name, _ := c.Localize(l, "language.name", nil)
		if other, dup := names[name]; dup {
			t.Errorf("language.name %q is used by both %s and %s", name, other, l)
		}
		names[name] = l
	}
}

func TestCrisisTextsOutsideDutchAreMarkedForReview(t *testing.T) {
	c := load(t)
	found := 0
	for _, l := range c.Languages() {
		if l == "nl" {
			continue
		}
		for _, id := range c.ids(l) {
			if !strings.HasPrefix(id, "help.crisis.") {
				continue
			}
			found++
			if d := c.messages[l][id].Description; !strings.Contains(d, "professional review") {
				t.Errorf("%s %s: description %q lacks the professional review marker", l, id, d)
			}
		}
	}
	if found == 0 {
		t.Error("no crisis texts found outside Dutch")
	}

	// The file itself says so too, in a comment right above the message.
	files, _ := embedded.ReadDir(".")
	for _, f := range files {
		if f.Name() == "nl.toml" {
			continue
		}
		buf, _ := embedded.ReadFile(f.Name())
		lines := strings.Split(string(buf), "\n")
		for i, line := range lines {
			if !strings.HasPrefix(line, `["help.crisis.`) {
				continue
			}
			var comment []string
			for j := i - 1; j >= 0 && strings.HasPrefix(lines[j], "#"); j-- {
				comment = append(comment, lines[j])
			}
			if !strings.Contains(strings.Join(comment, "\n"), "CRISIS TEXT - needs professional review") {
				t.Errorf("%s line %d: %s has no review comment above it", f.Name(), i+1, line)
			}
		}
	}
}

func TestCrisisNumbers(t *testing.T) {
	c := load(t)
	want := map[string][]string{
		"help.crisis.nl": {"112", "113", "0800-0113", "113.nl", "0800-2000", "0800-0432", "0800-0450"},
		"help.crisis.be": {"112", "1813", "102", "1712", "106"},
	}
	for _, l := range c.Languages() {
		for id, numbers := range want {
			got, err := c.Localize(l, id, nil)
			if err != nil {
				t.Errorf("%s %s: %v", l, id, err)
			}
			for _, n := range numbers {
				if !strings.Contains(got, n) {
					t.Errorf("%s %s lacks %s", l, id, n)
				}
			}
		}
	}
}

func TestPlural(t *testing.T) {
	c := load(t)
	for _, l := range []string{"nl", "en"} {
		one, err1 := c.Localize(l, "list.added", map[string]any{"Count": 1})
		two, err2 := c.Localize(l, "list.added", map[string]any{"Count": 2})
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v, %v", l, err1, err2)
		}
		if one == two || !strings.Contains(one, "1") || !strings.Contains(two, "2") {
			t.Errorf("%s list.added: Count 1 %q, Count 2 %q: want different forms with the count", l, one, two)
		}
		if strings.ReplaceAll(two, "2", "1") == one {
			t.Errorf("%s list.added: Count 1 and 2 share one form: %q", l, one)
		}
	}
	// A count on a message without plural forms is harmless.
	if _, err := c.Localize("nl", "saved", map[string]any{"Count": 1}); err != nil {
		t.Errorf("Count on a message without plural forms: %v", err)
	}
}

func TestMatch(t *testing.T) {
	c := load(t)
	for code, want := range map[string]string{
		"nl":         "nl",
		"nl-BE":      "nl",
		"nl-NL":      "nl",
		"NL-be":      "nl",
		"en":         "en",
		"en-GB":      "en",
		"en-us":      "en",
		"en_US":      "en",
		" en ":       "en",
		"":           "nl",
		"fr":         "nl",
		"zh-hans":    "nl",
		"und":        "nl",
		"x!":         "nl",
		"not a code": "nl",
	} {
		if got := c.Match(code); got != want {
			t.Errorf("Match(%q) = %q, want %q", code, got, want)
		}
	}
	// The languages of issue 12 and their regions, when present; the
	// default when not.
	for code, lang := range map[string]string{
		"ar-SA": "ar", "fa-AF": "fa", "prs": "fa", "ps-AF": "ps", "uk-UA": "uk", "pl-PL": "pl",
		"tr-TR": "tr", "so-SO": "so", "ti-ER": "ti", "nl-BE": "nl", "en-GB": "en",
	} {
		want := lang
		if !slices.Contains(c.Languages(), lang) {
			want = c.Default()
		}
		if got := c.Match(code); got != want {
			t.Errorf("Match(%q) = %q, want %q (languages %v)", code, got, want, c.Languages())
		}
	}
}

func TestLocalizeMissing(t *testing.T) {
	c := load(t)
	got, err := c.Localize("en", "no.such.message", nil)
	if got != "no.such.message" || !errors.Is(err, ErrMissing) {
		t.Errorf("missing everywhere: %q, %v; want the ID and ErrMissing", got, err)
	}
	got, err = c.Localize("", "", nil)
	if got != "" || err == nil {
		t.Errorf("empty ID: %q, %v; want an error", got, err)
	}

	// An unknown or regional language is matched, without an error.
	nl, _ := c.Localize("nl", "btn.skip", nil)
	for _, lang := range []string{"fr", "", "nl-BE"} {
		got, err := c.Localize(lang, "btn.skip", nil)
		if got != nl || err != nil {
			t.Errorf("Localize(%q) = %q, %v; want %q", lang, got, err, nl)
		}
	}
	en, _ := c.Localize("en", "btn.skip", nil)
	if got, _ := c.Localize("en-GB", "btn.skip", nil); got != en {
		t.Errorf(`Localize("en-GB") = %q, want %q`, got, en)
	}

	// Odd data never panics.
	for _, data := range []map[string]any{
		nil,
		{"Count": 1.5},
		{"Count": struct{}{}},
		{"Count": "3"},
		{"N": nil},
	} {
		got, _ := c.Localize("nl", "list.added", data)
		if got == "" {
			t.Errorf("list.added with %v: empty text", data)
		}
	}
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestExtraDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "nl.toml", `
["btn.skip"]
other = "Sla over"

["q.own_question"]
other = "Een eigen vraag?"
`)
	writeFile(t, dir, "de.toml", `
["btn.skip"]
other = "Überspringen"
`)
	writeFile(t, dir, "README.md", "not a message file")
	c, err := Load("nl", dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := c.Languages(); got[0] != "nl" || !slices.Contains(got, "de") || !slices.IsSorted(got[1:]) {
		t.Errorf("Languages() = %v, want nl first and de among the others", got)
	}
	if got, _ := c.Localize("nl", "btn.skip", nil); got != "Sla over" {
		t.Errorf("replaced message = %q", got)
	}
	if got, _ := c.Localize("nl", "btn.back", nil); got != "⬅️ Terug" {
		t.Errorf("embedded message after merge = %q", got)
	}
	if got := c.Match("de-AT"); got != "de" {
		t.Errorf(`Match("de-AT") = %q, want de`, got)
	}
	if !c.Has("nl", "q.own_question") || c.Has("en", "q.own_question") || c.HasEverywhere("q.own_question") {
		t.Error("Has/HasEverywhere wrong for a message only in nl")
	}
	if !c.HasEverywhere("btn.skip") || c.HasEverywhere("btn.back") {
		t.Error("HasEverywhere wrong with a partial language")
	}

	// Missing in the asked language: the default's text and an error.
	got, err := c.Localize("en", "q.own_question", nil)
	if got != "Een eigen vraag?" || !errors.Is(err, ErrMissing) {
		t.Errorf("fallback: %q, %v; want the Dutch text and ErrMissing", got, err)
	}
	got, err = c.Localize("de", "btn.back", nil)
	if got != "⬅️ Terug" || !errors.Is(err, ErrMissing) {
		t.Errorf("fallback: %q, %v; want the Dutch text and ErrMissing", got, err)
	}
}

func TestExtraDirRefusesBadFiles(t *testing.T) {
	for name, file := range map[string]struct{ name, text string }{
		"bad toml":            {"nl.toml", "[unclosed"},
		"bad template":        {"nl.toml", "[\"x\"]\nother = \"{{.N\"\n"},
		"bad file name":       {"not-a-language.toml", "[\"x\"]\nother = \"x\"\n"},
		"part of no language": {"intake.xx-not.toml", "[\"x\"]\nother = \"x\"\n"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, file.name, file.text)
			if _, err := Load("nl", dir); err == nil {
				t.Errorf("Load accepted %s", file.name)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	c := load(t)
	ids := c.allIDs()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, id := range ids {
				lang := c.Languages()[(g+i)%2]
				if _, err := c.Localize(lang, id, sampleData(g)); err != nil {
					t.Errorf("%s %s: %v", lang, id, err)
				}
				c.Match("nl-BE")
				c.HasEverywhere(id)
			}
		}()
	}
	wg.Wait()
}

// Messages may be split over files per concern: <part>.<lang>.toml.
func TestExtraDirTakesAFilePerConcern(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "myflow.nl.toml"), []byte("[\"my.q\"]\nother = \"Mijn vraag\"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "myflow.en.toml"), []byte("[\"my.q\"]\nother = \"My question\"\n"), 0o600)
	cat, err := Load("nl", dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := cat.Localize("en", "my.q", nil); got != "My question" || !cat.Has("nl", "my.q") || !cat.Has("en", "my.q") {
		t.Fatalf("got %q", got)
	}
}
