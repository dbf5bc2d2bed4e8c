package langtag_test

import (
	"testing"

	"github.com/intakebot/intakebot/dialog"
	. "github.com/intakebot/intakebot/dialog/langtag"
)

func TestMatchLanguageRegionsAndVarieties(t *testing.T) {
	all := []string{"nl", "ar", "en", "fa", "pl", "ps", "so", "ti", "tr", "uk"}
	for code, want := range map[string]string{
		"ar": "ar", "ar-SA": "ar", "ar-EG": "ar", "arz": "ar", "apc": "ar", "ar_MA": "ar",
		"fa": "fa", "fa-AF": "fa", "prs": "fa", "fa-IR": "fa", "pes": "fa",
		"ps": "ps", "ps-AF": "ps", "pbt": "ps", "pbu": "ps",
		"uk": "uk", "uk-UA": "uk", "UK-ua": "uk",
		"pl": "pl", "pl-PL": "pl",
		"tr": "tr", "tr-TR": "tr",
		"so": "so", "so-SO": "so",
		"ti": "ti", "ti-ER": "ti", "ti-ET": "ti",
		"nl": "nl", "nl-BE": "nl", "nl_NL": "nl",
		"en": "en", "en-GB": "en", "en-us": "en",
		"": "", "fr": "", "de-AT": "", "zh-hans": "", "und": "", "x!": "", "not a code": "",
	} {
		if got := Match(all, code); got != want {
			t.Errorf("Match(%q) = %q, want %q", code, got, want)
		}
	}
	// Only the languages present count; the engine falls back to the first.
	two := []string{"nl", "en"}
	e := &dialog.Engine{Languages: two, Match: func(code string) string {
		if l := Match(two, code); l != "" {
			return l
		}
		return two[0]
	}}
	for code, want := range map[string]string{"ar-SA": "nl", "prs": "nl", "en-GB": "en", "": "nl"} {
		if got := e.MatchLanguage(code); got != want {
			t.Errorf("Engine.MatchLanguage(%q) = %q, want %q", code, got, want)
		}
	}
	if got := Match([]string{"pt-BR"}, "pt"); got != "pt-BR" {
		t.Errorf("a regional language only: %q", got)
	}
}

func TestRightToLeft(t *testing.T) {
	for lang, want := range map[string]bool{"ar": true, "fa": true, "ps": true, "fa-AF": true, "ar_SA": true, "nl": false, "en": false, "tr": false, "ti": false, "": false} {
		if got := RightToLeft(lang); got != want {
			t.Errorf("RightToLeft(%q) = %v", lang, got)
		}
	}
}
