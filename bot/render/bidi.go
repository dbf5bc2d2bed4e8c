package render

import (
	"strings"

	"golang.org/x/text/unicode/bidi"

	"github.com/intakebot/intakebot/dialog/langtag"
)

// Unicode direction isolates: what sits between FSI and PDI takes its
// direction from its own first strong letter and does not reorder the text
// around it (a Latin name in an Arabic sentence, an Arabic answer after a
// Dutch label, a number at the end of a right-to-left line).
const (
	FSI = "\u2068" // first strong isolate
	PDI = "\u2069" // pop directional isolate
)

// Isolate wraps s in FSI…PDI when its direction may differ from that of a
// text in lang: in a right-to-left language, a value with a left-to-right
// letter or a digit; in a left-to-right one, a value with a right-to-left
// letter. A value of several lines is isolated line by line (an isolate
// ends at a line break), after the QuoteBar of a person's text. Anything
// else is returned as it is, so texts in one direction do not change.
//
// A link, a /command or an @name is left as it is: Telegram finds those in
// the text, and an isolate beside one could end up part of it.
func Isolate(lang, s string) string {
	if strings.Contains(s, "://") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "@") {
		return s
	}
	if !needsIsolate(langtag.RightToLeft(lang), s) {
		return s
	}
	if !strings.Contains(s, "\n") {
		return FSI + s + PDI
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		rest, quoted := strings.CutPrefix(l, QuoteBar)
		if strings.TrimSpace(rest) == "" {
			continue
		}
		if quoted {
			lines[i] = QuoteBar + FSI + rest + PDI
		} else {
			lines[i] = FSI + l + PDI
		}
	}
	return strings.Join(lines, "\n")
}

func needsIsolate(rtl bool, s string) bool {
	for _, c := range s {
		if c < 0x80 {
			switch {
			case rtl && ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'):
				return true
			case !rtl:
				continue
			}
			continue
		}
		p, _ := bidi.LookupRune(c)
		switch p.Class() {
		case bidi.L:
			if rtl {
				return true
			}
		case bidi.R, bidi.AL:
			if !rtl {
				return true
			}
		case bidi.EN, bidi.AN:
			if rtl {
				return true
			}
		}
	}
	return false
}

// RightToLeft reports whether lang is written right to left.
func RightToLeft(lang string) bool { return langtag.RightToLeft(lang) }

// StripIsolates removes the isolates Isolate adds, for a document whose
// elements carry their own dir attributes.
func StripIsolates(s string) string {
	if !strings.ContainsAny(s, FSI+PDI) {
		return s
	}
	return strings.NewReplacer(FSI, "", PDI, "").Replace(s)
}
