package locales

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"unicode"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The checks of a translated language (docs/translations.md): they read
// every language present, so a new <lang>.toml is checked as it lands.

// sameAsEnglish starts the description of a message that stays identical
// to the English on purpose (an emoji, a number, a name).
const sameAsEnglish = "Same as English on purpose"

// pluralCounts are the counts every plural message is tried with.
var pluralCounts = []int{0, 1, 2, 3, 5, 11, 21, 100}

// pluralForms returns the plural forms go-i18n's own rules use for lang,
// found by asking go-i18n to pick a form for integers and decimals.
func pluralForms(t *testing.T, lang string) []string {
	t.Helper()
	tag := language.Make(lang)
	b := i18n.NewBundle(tag)
	probe := &i18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	if err := b.AddMessages(tag, probe); err != nil {
		t.Fatal(err)
	}
	loc := i18n.NewLocalizer(b, lang)
	seen := map[string]bool{}
	var counts []any
	for i := range 1001 {
		counts = append(counts, i)
	}
	for _, d := range []string{"0.5", "1.5", "2.5", "3.5", "5.5", "11.5", "0.1", "1.0", "2.0", "100.25"} {
		counts = append(counts, d)
	}
	for _, n := range counts {
		s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil {
			t.Fatalf("%s: plural form of %v: %v", lang, n, err)
		}
		seen[s] = true
	}
	var out []string
	for _, f := range []string{"zero", "one", "two", "few", "many", "other"} {
		if seen[f] {
			out = append(out, f)
		}
	}
	return out
}

// formsOf names the non-empty plural forms of m.
func formsOf(m *i18n.Message) []string {
	var out []string
	for _, f := range []struct {
		name, text string
	}{{"zero", m.Zero}, {"one", m.One}, {"two", m.Two}, {"few", m.Few}, {"many", m.Many}, {"other", m.Other}} {
		if f.text != "" {
			out = append(out, f.name)
		}
	}
	return out
}

func TestPluralFormsFollowCLDR(t *testing.T) {
	c := load(t)
	for _, l := range c.Languages() {
		want := pluralForms(t, l)
		for _, id := range c.ids(c.Default()) {
			if len(forms(c.messages[c.Default()][id])) < 2 {
				continue // not a plural message
			}
			m := c.messages[l][id]
			if m == nil {
				continue // TestEveryMessageInEveryLanguage says so
			}
			if got := formsOf(m); !slices.Equal(got, want) {
				t.Errorf("%s %s has the plural forms %v, want exactly %v (CLDR, as go-i18n names them)", l, id, got, want)
			}
		}
	}
}

func TestPluralFormsKnownLanguages(t *testing.T) {
	for lang, want := range map[string]string{
		"nl": "one other", "en": "one other", "ar": "zero one two few many other",
		"tr": "one other", "fa": "one other", "ps": "one other", "so": "one other", "ti": "one other",
		"uk": "one few many other", "pl": "one few many other",
	} {
		if got := strings.Join(pluralForms(t, lang), " "); got != want {
			t.Errorf("%s: go-i18n uses the forms %q, want %q (TRANSLATE rules)", lang, got, want)
		}
	}
}

// Every form of every message executes with the sample data, for each of
// the plural counts, also a form the counts here do not select.
func TestEveryFormExecutesForEveryCount(t *testing.T) {
	c := load(t)
	for _, l := range c.Languages() {
		for _, id := range c.ids(l) {
			m := c.messages[l][id]
			for _, n := range pluralCounts {
				got, err := c.Localize(l, id, sampleData(n))
				if err != nil {
					t.Errorf("%s %s (Count %d): %v", l, id, n, err)
					continue
				}
				if strings.Contains(got, "<no value>") || strings.Contains(got, "{{") || strings.TrimSpace(got) == "" {
					t.Errorf("%s %s (Count %d) = %q", l, id, n, got)
				}
			}
			for _, s := range forms(m) {
				tpl, err := template.New("").Option("missingkey=error").Parse(s)
				if err != nil {
					t.Errorf("%s %s: %v", l, id, err)
					continue
				}
				for _, n := range pluralCounts {
					var b strings.Builder
					if err := tpl.Execute(&b, sampleData(n)); err != nil {
						t.Errorf("%s %s form %q (Count %d): %v", l, id, s, n, err)
					}
				}
			}
		}
	}
}

func TestNoMessageLeftInEnglish(t *testing.T) {
	c := load(t)
	for _, l := range c.Languages() {
		if l == "en" {
			continue
		}
		for _, id := range c.ids(l) {
			m, en := c.messages[l][id], c.messages["en"][id]
			if en == nil || !slices.Equal(forms(m), forms(en)) {
				continue
			}
			if !hasWords(m.Other) {
				continue // only variables, numbers, emoji and punctuation
			}
			if !strings.HasPrefix(m.Description, sameAsEnglish) {
				t.Errorf("%s %s is identical to the English %q: translate it, or give it description = %q",
					l, id, en.Other, sameAsEnglish+": <why>")
			}
		}
	}
}

var actionRE = regexp.MustCompile(`{{[^}]*}}|<[^>]*>|&[a-z#0-9]+;`)

// hasWords reports whether a text has a letter outside its template
// actions, tags and entities: a text with none has nothing to translate.
func hasWords(s string) bool {
	for _, r := range actionRE.ReplaceAllString(s, "") {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

var messageLineRE = regexp.MustCompile(`^\["([^"]+)"\]\s*$`)

// messageLines returns, per language, where each message is written:
// file name and the comment lines right above its ["id"] line.
func messageLines(t *testing.T) map[string]map[string]messageAt {
	t.Helper()
	out := map[string]map[string]messageAt{}
	files, err := embedded.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := f.Name()
		if name == namesFile || !strings.HasSuffix(name, ".toml") {
			continue
		}
		base := strings.TrimSuffix(name, ".toml")
		part, lang, ok := strings.Cut(base, ".")
		if !ok {
			part, lang = "", base
		}
		buf, _ := embedded.ReadFile(name)
		lines := strings.Split(string(buf), "\n")
		for i, line := range lines {
			m := messageLineRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			var comment []string
			for j := i - 1; j >= 0 && strings.HasPrefix(lines[j], "#"); j-- {
				comment = append(comment, lines[j])
			}
			if out[lang] == nil {
				out[lang] = map[string]messageAt{}
			}
			out[lang][m[1]] = messageAt{file: name, part: part, line: i + 1, comment: strings.Join(comment, "\n")}
		}
	}
	return out
}

type messageAt struct {
	file, part, comment string
	line                int
}

// reviewMark returns the mark a message outside Dutch needs ("CRISIS
// TEXT", "CONSENT TEXT") or "".
func reviewMark(c *Catalog, where map[string]map[string]messageAt, id string) string {
	en := c.messages["en"][id]
	switch {
	case where["en"][id].part == "consent" || where["nl"][id].part == "consent":
		return "CONSENT TEXT"
	case strings.HasPrefix(id, "help.crisis."), where["en"][id].part == "crisis", where["nl"][id].part == "crisis",
		en != nil && strings.Contains(en.Description, "CRISIS TEXT - needs professional review"):
		return "CRISIS TEXT"
	}
	return ""
}

// ReviewMarks lists, per language outside Dutch, the messages marked for
// professional review: language → mark → IDs (docs/translations.md).
func reviewMarks(t *testing.T, c *Catalog) map[string]map[string][]string {
	where := messageLines(t)
	out := map[string]map[string][]string{}
	for _, l := range c.Languages() {
		if l == "nl" {
			continue
		}
		for _, id := range c.ids(l) {
			if mark := reviewMark(c, where, id); mark != "" {
				if out[l] == nil {
					out[l] = map[string][]string{}
				}
				out[l][mark] = append(out[l][mark], id)
			}
		}
	}
	return out
}

func TestCrisisAndConsentTextsOutsideDutchAreMarkedForReview(t *testing.T) {
	c := load(t)
	where := messageLines(t)
	marks := reviewMarks(t, c)
	if len(marks["en"]["CONSENT TEXT"]) == 0 || len(marks["en"]["CRISIS TEXT"]) == 0 {
		t.Fatalf("no consent or crisis texts found in English: %v", marks["en"])
	}
	for _, l := range c.Languages() {
		for mark, ids := range marks[l] {
			for _, id := range ids {
				full := mark + " - needs professional review"
				if d := c.messages[l][id].Description; !strings.Contains(d, full) {
					t.Errorf("%s %s: description %q lacks %q", l, id, d, full)
				}
				at := where[l][id]
				if !strings.Contains(at.comment, full) {
					t.Errorf("%s line %d: %s has no comment %q right above it", at.file, at.line, id, "# "+full+" before release.")
				}
			}
		}
	}
}

func TestReviewMarksCountEveryLanguage(t *testing.T) {
	c := load(t)
	marks := reviewMarks(t, c)
	for _, l := range c.Languages() {
		if l == "nl" {
			continue
		}
		if len(marks[l]) == 0 {
			t.Errorf("%s has no texts marked for review", l)
		}
	}
}

// The own names of the languages, as issue 12 lists them, and each one's
// name in the director's languages.
func TestLanguageNames(t *testing.T) {
	c := load(t)
	want := map[string]string{
		"nl": "Nederlands", "en": "English", "ar": "العربية", "ti": "ትግርኛ", "so": "Soomaali",
		"tr": "Türkçe", "uk": "Українська", "pl": "Polski", "fa": "دری", "ps": "پښتو",
	}
	for l, own := range want {
		if got := c.names[l].Own; got != own {
			t.Errorf("names.toml: %s is %q, want %q", l, got, own)
		}
		for r := range want {
			if c.names[l].In[r] == "" {
				t.Errorf("names.toml: %s has no name in %s", l, r)
			}
		}
	}
	for _, l := range c.Languages() {
		if got, _ := c.Localize(l, "language.name", nil); want[l] != "" && got != want[l] {
			t.Errorf("language.name in %s = %q, want %q", l, got, want[l])
		}
	}
	if got := c.LanguageLabel("en", "nl"); got != "English (Engels)" {
		t.Errorf(`LanguageLabel("en", "nl") = %q`, got)
	}
	if got := c.LanguageLabel("nl", "nl-BE"); got != "Nederlands" {
		t.Errorf(`LanguageLabel("nl", "nl-BE") = %q`, got)
	}
	if l, ok := c.Known("en-GB"); !ok || l != "en" {
		t.Errorf(`Known("en-GB") = %q, %v`, l, ok)
	}
	if _, ok := c.Known("xx"); ok {
		t.Error(`Known("xx") = true`)
	}
}
