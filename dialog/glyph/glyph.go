// Package glyph knows how letters look: styled letters that are plain
// letters in disguise (mathematical bold, full-width, circled), letters of
// other alphabets that look like Latin ones (Cyrillic а, Greek ο), and
// characters that show nothing at all (zero-width spaces, bidi controls).
// The crisis matcher uses it to see through disguises; the renderer uses
// Visible so that what a reader sees is what was typed. It imports nothing
// of the module.
package glyph

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Styled reports whether r is a styled form of a plain letter or digit
// that a reader takes for formatting: mathematical alphanumerics (𝐋𝐞𝐭 in
// bold, 𝘪𝘵𝘢𝘭𝘪𝘤, 𝚖𝚘𝚗𝚘), the mathematical letters of the letterlike
// block (ℍ, ℯ) and full-width forms (ｌｅｔ).
func Styled(r rune) bool {
	switch {
	case 0x1D400 <= r && r <= 0x1D7FF: // Mathematical Alphanumeric Symbols
		return true
	case 0xFF01 <= r && r <= 0xFF5E: // full-width ASCII
		return true
	case 0x2100 <= r && r <= 0x214F: // letterlike symbols with a plain form
		_, ok := letterlike[r]
		return ok
	}
	return false
}

// letterlike are the letters of the mathematical alphabets that sit in the
// letterlike block (the "holes" of U+1D400...).
var letterlike = map[rune]rune{
	'ℂ': 'C', 'ℊ': 'g', 'ℋ': 'H', 'ℌ': 'H', 'ℍ': 'H', 'ℎ': 'h', 'ℐ': 'I', 'ℑ': 'I', 'ℒ': 'L', 'ℓ': 'l',
	'ℕ': 'N', 'ℙ': 'P', 'ℚ': 'Q', 'ℛ': 'R', 'ℜ': 'R', 'ℝ': 'R', 'ℤ': 'Z', 'ℨ': 'Z', 'ℬ': 'B', 'ℭ': 'C',
	'ℯ': 'e', 'ℰ': 'E', 'ℱ': 'F', 'ℳ': 'M', 'ℴ': 'o', 'ℹ': 'i', 'ⅅ': 'D', 'ⅆ': 'd', 'ⅇ': 'e', 'ⅈ': 'i', 'ⅉ': 'j',
}

// Plain returns the plain letter, digit or sign a styled one stands for
// (see Styled; mathematical Greek is Greek), and also those of circled and
// squared letters (ⓚ, 🄺, 🅺), in their own case; ok is false for any
// other rune.
func Plain(r rune) (plain rune, ok bool) {
	switch {
	case r < 0x2100:
		return r, false
	case 0x2100 <= r && r <= 0x214F:
		p, ok := letterlike[r]
		return p, ok
	case 0x24B6 <= r && r <= 0x24CF: // Ⓐ..Ⓩ
		return 'A' + r - 0x24B6, true
	case 0x24D0 <= r && r <= 0x24E9: // ⓐ..ⓩ
		return 'a' + r - 0x24D0, true
	case 0x1F130 <= r && r <= 0x1F149: // 🄰..🅉 squared
		return 'A' + r - 0x1F130, true
	case 0x1F150 <= r && r <= 0x1F169: // 🅐..🅩 negative circled
		return 'A' + r - 0x1F150, true
	case 0x1F170 <= r && r <= 0x1F189: // 🅰..🆉 negative squared
		return 'A' + r - 0x1F170, true
	case Styled(r):
		d := norm.NFKC.String(string(r))
		if p, size := utf8.DecodeRuneInString(d); size == len(d) && p != r {
			return p, true
		}
	}
	return r, false
}

// latin are letters of other alphabets (and Latin letters of other
// shapes) that look like a Latin letter, by the letter they pass for.
// Capitals that look unlike their lower case (Greek Η, lower case η) are
// listed in both forms.
var latin = map[rune]rune{
	// Cyrillic
	'а': 'a', 'А': 'a', 'в': 'b', 'В': 'b', 'е': 'e', 'Е': 'e', 'ё': 'e', 'Ё': 'e', 'к': 'k', 'К': 'k',
	'м': 'm', 'М': 'm', 'н': 'h', 'Н': 'h', 'о': 'o', 'О': 'o', 'р': 'p', 'Р': 'p', 'с': 'c', 'С': 'c',
	'т': 't', 'Т': 't', 'у': 'y', 'У': 'y', 'х': 'x', 'Х': 'x', 'і': 'i', 'І': 'i', 'ї': 'i', 'Ї': 'i',
	'ј': 'j', 'Ј': 'j', 'ѕ': 's', 'Ѕ': 's', 'ԁ': 'd', 'Ԁ': 'd', 'ԛ': 'q', 'Ԛ': 'q', 'ԝ': 'w', 'Ԝ': 'w',
	'һ': 'h', 'Һ': 'h', 'ӏ': 'l', 'Ӏ': 'l', 'ո': 'n', 'ս': 'u', 'օ': 'o', 'ց': 'g', 'զ': 'q', 'հ': 'h',
	'ь': 'b', 'п': 'n', 'г': 'r', 'ԍ': 'g', 'ɡ': 'g', 'ɑ': 'a', 'ɩ': 'i', 'ǀ': 'l', 'ı': 'i',
	// Greek
	'α': 'a', 'Α': 'a', 'β': 'b', 'Β': 'b', 'ε': 'e', 'Ε': 'e', 'ζ': 'z', 'Ζ': 'z', 'η': 'n', 'Η': 'h',
	'ι': 'i', 'Ι': 'i', 'κ': 'k', 'Κ': 'k', 'μ': 'u', 'Μ': 'm', 'ν': 'v', 'Ν': 'n', 'ο': 'o', 'Ο': 'o',
	'ρ': 'p', 'Ρ': 'p', 'τ': 't', 'Τ': 't', 'υ': 'u', 'Υ': 'y', 'χ': 'x', 'Χ': 'x', 'ω': 'w', 'ϲ': 'c',
	'Ϲ': 'c', 'ϳ': 'j', 'ς': 'c', 'γ': 'y', 'ά': 'a', 'έ': 'e', 'ί': 'i', 'ό': 'o', 'ύ': 'u', 'ή': 'n',
	// Latin small capitals and other shapes
	'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ꜰ': 'f', 'ɢ': 'g', 'ʜ': 'h', 'ɪ': 'i', 'ᴊ': 'j',
	'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p', 'ʀ': 'r', 'ꜱ': 's', 'ᴛ': 't', 'ᴜ': 'u',
	'ᴠ': 'v', 'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z',
}

// Latin returns the lower-case Latin letter that r, a letter of another
// alphabet or shape, looks like (Cyrillic а and Greek α are a, small
// capital ᴋ is k); ok is false when r looks like no Latin letter.
func Latin(r rune) (l rune, ok bool) {
	if r < 0x0131 {
		return r, false
	}
	l, ok = latin[r]
	return l, ok
}

// Invisible reports whether r shows nothing of its own though it is not
// white space: format characters (zero-width space and joiners, bidi
// controls, soft hyphen, word joiner, tags), the combining grapheme
// joiner and letters that are blank (Hangul fillers, braille blank).
func Invisible(r rune) bool {
	switch r {
	case '\u034F', '\u115F', '\u1160', '\u17B4', '\u17B5', '\u3164', '\uFFA0', '\u2800':
		return true
	}
	return r >= 0x00AD && unicode.Is(unicode.Cf, r)
}

// Bidi reports whether r is a control of the text's direction: marks,
// embeddings, overrides and isolates.
func Bidi(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F':
		return true
	case 0x202A <= r && r <= 0x202E, 0x2066 <= r && r <= 0x2069:
		return true
	}
	return false
}

const (
	zwnj     = '\u200C'
	zwj      = '\u200D'
	tagFlag  = '\U0001F3F4' // 🏴, which tags turn into a regional flag
	tagFirst = '\U000E0020'
	tagEnd   = '\U000E007F'
)

// Visible returns s as it must be shown to a reader who has to see what
// was typed, not what it poses as:
//   - styled letters (see Styled) are plain letters: "𝐋𝐞𝐭 𝐨𝐩" is "Let op";
//   - bidi controls, zero-width and other invisible characters (see
//     Invisible) and control characters are visible escapes, "[U+202E]";
//     except what writing needs: a zero-width joiner inside an emoji
//     sequence or a joiner between letters of a script that uses them
//     (Arabic, Persian, Indic), and the tags of a flag (🏴 England);
//   - every line break (CR LF, CR, U+2028, U+2029, NEL, VT, FF) is "\n";
//   - bytes that are not UTF-8 are U+FFFD.
//
// Everything else, any alphabet and emoji included, stays as it was.
// Visible(Visible(s)) == Visible(s).
func Visible(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	var prev rune = -1
	inFlag := false
	for i, r := range s {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				size = 1
			}
		}
		next, _ := utf8.DecodeRuneInString(s[i+size:])
		if i+size >= len(s) {
			next = -1
		}
		switch {
		case r == '\r':
			if next != '\n' {
				b.WriteByte('\n')
			}
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\u2028', r == '\u2029', r == '\u0085', r == '\v', r == '\f':
			b.WriteByte('\n')
		case Styled(r):
			if p, ok := Plain(r); ok {
				b.WriteRune(p)
			} else {
				b.WriteString(Escape(r)) // unassigned
			}
		case (r == zwj || r == zwnj) && joins(r, prev, next):
			b.WriteRune(r)
		case tagFirst <= r && r <= tagEnd && inFlag:
			b.WriteRune(r)
			if r == tagEnd {
				inFlag = false
			}
		case Invisible(r), unicode.IsControl(r):
			b.WriteString(Escape(r))
		default:
			b.WriteRune(r)
		}
		if r == tagFlag {
			inFlag = true
		} else if r < tagFirst || r > tagEnd {
			inFlag = false
		}
		prev = r
	}
	return b.String()
}

// Escape is how Visible shows an invisible character: "[U+202E]".
func Escape(r rune) string {
	h := strings.ToUpper(strconv.FormatInt(int64(r), 16))
	for len(h) < 4 {
		h = "0" + h
	}
	return "[U+" + h + "]"
}

// isPlain reports whether s is printable ASCII, tabs and \n only: the
// common case, which Visible returns as it is.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < ' ' && c != '\n' && c != '\t' || c == 0x7F {
			return false
		}
	}
	return true
}

// joins reports whether a zero-width joiner or non-joiner between prev and
// next does what writing needs it for: join an emoji sequence (👩‍💻), or
// shape the letters of a script that is not Latin, Greek or Cyrillic.
func joins(r, prev, next rune) bool {
	if prev < 0 || next < 0 {
		return false
	}
	if r == zwj && emojiPart(prev) && emojiPart(next) {
		return true
	}
	if !(unicode.IsLetter(prev) || unicode.IsMark(prev)) || !(unicode.IsLetter(next) || unicode.IsMark(next)) {
		return false
	}
	return !unicode.In(prev, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Common) &&
		!unicode.In(next, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Common)
}

// emojiPart reports whether r can be part of an emoji sequence.
func emojiPart(r rune) bool {
	return unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || r == '\uFE0F' || r == '\u20E3' || 0x1F000 <= r && r <= 0x1FAFF
}
