package crisis

import (
	"testing"
	"testing/fstest"
)

// A Dari or Pashto phrase matches typed on an Arabic keyboard, and an
// Arabic one typed on a Persian keyboard; digits of any script are read as
// ASCII ones.
func TestArabicScriptVariantsFold(t *testing.T) {
	for in, want := range map[string]string{
		"می‌خواهم بمیرم": "ميخواهم بميرم",  // Persian yeh; ZWNJ joins
		"مي خواهم بميرم": "مي خواهم بميرم", // Arabic yeh
		"ميخوام بمىرم":   "ميخوام بميرم",   // alef maksura
		"کشتن":           "كشتن",           // keheh, kaf
		"حياة":           "حياه",           // teh marbuta
		"زندگۍ":          "زندگي",          // Pashto yeh with tail
		"١١٣ و ۱۱۳":      "113 و 113",      // Arabic-Indic, Persian digits
		"أريـــد":        "اريد",           // hamza, tatweel
		"گشتم کشتم":      "گشتم كشتم",      // gaf is not kaf
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}

	// A list may write a phrase with either letter; both match both.
	fs := fstest.MapFS{
		"w/fa.toml": {Data: []byte("phrases = [\"می خواهم بمیرم\", \"خودکشی\"]\n")},
		"w/ar.toml": {Data: []byte("phrases = [\"اريد ان اموت\", \"انتحار\"]\n")},
	}
	c, err := load(fs, "w")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"می خواهم بمیرم", "مي خواهم بميرم", "فکر خودکشی دارم", "فكر خودكشي دارم",
		"أريد أن أموت", "اريد ان اموت", "اريد ان اموت", "افكر في انتحار",
	} {
		if !c.Match(s) {
			t.Errorf("%q does not trigger (normalised %q)", s, normalize(s))
		}
	}
	for _, s := range []string{"می خواهم بخوابم", "گشتم با دوستان"} {
		if c.Match(s) {
			t.Errorf("%q triggers", s)
		}
	}
}
