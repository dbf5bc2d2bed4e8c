package locales

import (
	"strings"
	"testing"
)

// youngPersonIDs are the messages a young person reads in the intake: the
// flow's questions, options, hints and review labels, and the intake's own
// texts (not the director's .about labels, the demo or the summary).
func youngPersonIDs(c *Catalog) []string {
	var out []string
	for _, id := range c.allIDs() {
		if strings.HasSuffix(id, ".about") || strings.HasPrefix(id, "demo.") || strings.HasPrefix(id, "summary.") ||
			strings.HasPrefix(id, "handoff.") || strings.HasPrefix(id, "flag.") || strings.HasPrefix(id, "words.") ||
			strings.Contains(id, "staff") || strings.HasPrefix(id, "oncall") || strings.HasPrefix(id, "audit.") {
			continue
		}
		out = append(out, id)
	}
	return out
}

// Words above B1 are replaced, or explained in the same sentence; lists
// do not count "punten".
func TestPlainWordsForTheYoungPerson(t *testing.T) {
	c := load(t)
	hard := map[string][]string{
		"nl": {"dagbesteding", "toeslagen", "leefloon", "begane grond", "woonmaatschappij", "punten", " punt "},
		"en": {"day program", "allowances", "ground floor", "housing company", "points", " point "},
	}
	for lang, words := range hard {
		for _, id := range youngPersonIDs(c) {
			m := c.messages[lang][id]
			if m == nil {
				continue
			}
			text := strings.ToLower(m.Other + " " + m.One)
			for _, w := range words {
				if strings.Contains(text, w) {
					t.Errorf("%s %s uses %q:\n%s", lang, id, w, m.Other)
				}
			}
		}
	}
	// "procesregisseur" is the name of a person they will meet: it is
	// explained where they first read it.
	for _, id := range []string{"consent.text", "help.text"} {
		if text := c.messages["nl"][id].Other; !strings.Contains(text, "procesregisseur") || !strings.Contains(text, "regelt") {
			t.Errorf("nl %s does not say what a procesregisseur does:\n%s", id, text)
		}
	}
	// Why the sensitive questions are asked, in one short line each.
	for _, id := range []string{"q.safe_now.hint", "q.income_amount.hint", "q.no_go_places.hint", "q.keep_practitioners.hint"} {
		for _, lang := range []string{"nl", "en"} {
			if c.messages[lang][id] == nil {
				t.Errorf("%s %s missing: the question does not say why it is asked", lang, id)
			}
		}
	}
	// "Weet ik niet" where a young person may not know.
	for _, id := range []string{"q.support_often.unknown", "q.network_involve.unknown", "q.housing_register.unknown", "q.income_amount.unknown", "q.ground_floor.unknown"} {
		if c.messages["nl"][id] == nil {
			t.Errorf("no %s", id)
		}
	}
}
