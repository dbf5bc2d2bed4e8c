// Package langtag matches the language codes a transport reports
// (Telegram's language_code) to the languages the bot speaks, and knows
// which are written right to left.
package langtag

import (
	"strings"

	"golang.org/x/text/language"
)

// languageAliases are codes a transport may report for a language the bot
// knows under another code: Dari (prs) is written as fa, the Afghan variety
// of Persian; the Pashto and Arabic varieties go to ps and ar.
var languageAliases = map[string]string{
	"prs": "fa",                           // Dari
	"pbt": "ps", "pbu": "ps", "pst": "ps", // Southern, Northern, Central Pashto
	"arz": "ar", "apc": "ar", "ajp": "ar", "acm": "ar", "ary": "ar", "arq": "ar",
	"aeb": "ar", "afb": "ar", "ars": "ar", "ayl": "ar", "ayp": "ar", "apd": "ar", "acq": "ar",
}

// Match picks, for a transport language code (Telegram's
// language_code: an IETF tag like "nl", "nl-BE", "fa-AF" or "prs"), the
// language of langs it names: the exact tag, else the same base language
// (nl-BE → nl, ar-SA → ar, prs → fa), else a regional variant of langs with
// that base (pt → pt-BR). It returns "" when langs has none; case and "_"
// or "-" do not matter.
func Match(langs []string, code string) string {
	code = strings.ReplaceAll(strings.TrimSpace(code), "_", "-")
	if code == "" {
		return ""
	}
	for _, l := range langs {
		if strings.EqualFold(l, code) {
			return l
		}
	}
	tag, err := language.Parse(code)
	if err != nil {
		return ""
	}
	if c, err := language.All.Canonicalize(tag); err == nil {
		tag = c
	}
	for _, l := range langs {
		if strings.EqualFold(l, tag.String()) {
			return l
		}
	}
	base, conf := tag.Base()
	if conf != language.Exact {
		return ""
	}
	b := base.String()
	if a, ok := languageAliases[b]; ok {
		b = a
	}
	for _, l := range langs {
		if strings.EqualFold(l, b) {
			return l
		}
	}
	for _, l := range langs { // a regional variant only, like "pt-BR"
		if t, err := language.Parse(l); err == nil {
			if lb, _ := t.Base(); lb.String() == b {
				return l
			}
		}
	}
	return ""
}

// rtlLanguages are the base languages written right to left.
var rtlLanguages = map[string]bool{
	"ar": true, "fa": true, "ps": true, "he": true, "ur": true, "ckb": true, "sd": true, "ug": true, "yi": true, "dv": true,
}

// RightToLeft reports whether lang (a tag like "ar" or "fa-AF") is written
// right to left.
func RightToLeft(lang string) bool {
	base, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(lang, "_", "-")), "-")
	return rtlLanguages[base]
}
