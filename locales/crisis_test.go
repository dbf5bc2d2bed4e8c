package locales

import (
	"slices"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/dialog"
)

// Every country and age bracket sees the lines that fit, in every
// language; with an unknown age, every line.
func TestCrisisLinesByCountryAndAge(t *testing.T) {
	c := load(t)
	const (
		kindertelefoon = "0800-0432" // 8-18
		allesOke       = "0800-0450" // 18-24
	)
	nlAlways := []string{"112", "113", "0800-0113", "113.nl", "0800-2000"}
	beAlways := []string{"112", "1813", "102", "1712", "106"}
	for _, tc := range []struct {
		country, age string
		want, not    []string
	}{
		{"nl", "", append(nlAlways, kindertelefoon, allesOke), nil},
		{"nl", "16_17", append(nlAlways, kindertelefoon), []string{allesOke}},
		{"nl", "18_21", append(nlAlways, allesOke), []string{kindertelefoon}},
		{"nl", "22_27", append(nlAlways, allesOke), []string{kindertelefoon}},
		{"", "16_17", append(nlAlways, kindertelefoon), []string{allesOke}},
		{"be", "", beAlways, []string{kindertelefoon, allesOke, "113"}},
		{"be", "16_17", beAlways, nil},
		{"be", "18_21", beAlways, nil},
		{"be", "22_27", beAlways, nil},
	} {
		if tc.age != "" && !slices.Contains(dialog.AgeBrackets, tc.age) {
			t.Fatalf("%q is not an age bracket of %v", tc.age, dialog.AgeBrackets)
		}
		tx := dialog.CrisisLines(tc.country, tc.age)
		for _, l := range c.Languages() {
			got, err := c.Localize(l, tx.ID, tx.Vars)
			if err != nil {
				t.Errorf("%s %s/%q: %v", l, tc.country, tc.age, err)
			}
			for _, n := range tc.want {
				if !strings.Contains(got, n) {
					t.Errorf("%s %s/%q lacks %s:\n%s", l, tc.country, tc.age, n, got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("%s %s/%q shows %s, which does not fit:\n%s", l, tc.country, tc.age, n, got)
				}
			}
			if strings.Contains(got, "\n\n") || strings.HasSuffix(got, "\n") {
				t.Errorf("%s %s/%q has an empty line where a line was left out:\n%q", l, tc.country, tc.age, got)
			}
			if err := checkHTML(got); err != nil {
				t.Errorf("%s %s/%q: %v", l, tc.country, tc.age, err)
			}
		}
	}
	// Every bracket is covered above.
	for _, a := range dialog.AgeBrackets {
		if v := dialog.CrisisLines("nl", a).Vars; v["Minor"] == nil && v["Adult"] == nil {
			t.Errorf("age bracket %q picks no lines: add it to dialog.CrisisLines", a)
		}
	}
}
