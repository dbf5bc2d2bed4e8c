package crisis

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/intakebot/intakebot/dialog/glyph"
	"golang.org/x/text/unicode/norm"
)

// token is one word of a message in normal form, with the other words it
// may stand for: its look-alike letters read as Latin ("сut" is "cut"),
// digits read as letters ("d00d" is "dood"), a chat spelling ("nie" is
// "niet"), a word of the lists it is stretched from ("dieee" is "die") or
// one typo away from ("suicdal" is "suicidal").
type token struct {
	word string
	alts []string
	// hit marks letters typed one by one that hold a whole phrase
	// ("k i l l m y s e l f").
	hit bool
}

// readings are the ways to read text: its words, and when some letters
// were typed one by one or a chat word stands for several words, the
// words with those joined or spelled out.
func (c *Words) readings(text string) [][]token {
	fields := strings.Fields(normalize(text))
	toks := make([]token, len(fields))
	for i, f := range fields {
		toks[i] = c.token(f)
	}
	out := [][]token{toks}
	if v, ok := c.respell(toks); ok {
		out = append(out, v)
	}
	return out
}

// minRun is the fewest letters typed one by one ("d o o d") that are read
// as one word.
const minRun = 3

// respell joins runs of letters typed one by one into a word and spells
// out chat words that stand for several words; ok is false when there is
// nothing to do.
func (c *Words) respell(toks []token) (out []token, ok bool) {
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		j := i
		for j < len(toks) && utf8.RuneCountInString(toks[j].word) == 1 {
			j++
		}
		if j-i >= minRun {
			var b strings.Builder
			for _, x := range toks[i:j] {
				b.WriteString(x.word)
			}
			joined := c.token(b.String())
			joined.hit = c.holdsPhrase(joined)
			out = append(out, joined)
			ok = true
			i = j - 1
			continue
		}
		if words, found := c.spelledOut(t); found {
			for _, w := range words {
				out = append(out, c.token(w))
			}
			ok = true
			continue
		}
		out = append(out, t)
	}
	return out, ok
}

// spelledOut returns the words a chat word stands for, when more than one.
func (c *Words) spelledOut(t token) ([]string, bool) {
	if ws, ok := c.spellings[t.word]; ok && len(ws) > 1 {
		return ws, true
	}
	for _, a := range t.alts {
		if ws, ok := c.spellings[a]; ok && len(ws) > 1 {
			return ws, true
		}
	}
	return nil, false
}

// holdsPhrase reports whether letters typed one by one hold a phrase.
func (c *Words) holdsPhrase(t token) bool {
	for _, form := range append([]string{t.word}, t.alts...) {
		if len(form) < minCompact {
			continue
		}
		for _, p := range c.compact {
			if strings.Contains(form, p) {
				return true
			}
		}
	}
	return false
}

// token reads one word of a message in normal form.
func (c *Words) token(w string) token {
	t := token{word: w}
	forms := c.disguises(w)
	for _, f := range forms {
		t.add(f)
	}
	for _, f := range append([]string{w}, forms...) {
		if ws, ok := c.spellings[f]; ok && len(ws) == 1 {
			t.add(ws[0])
		}
		c.vocab.near(f, t.add)
	}
	return t
}

func (t *token) add(f string) {
	if f != t.word && !contains(t.alts, f) {
		t.alts = append(t.alts, f)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// leet are the digits and signs typed for letters.
var leet = map[rune]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', '$': 's'}

// disguises returns what w looks like with look-alike letters read as
// Latin and digits and signs in a word with letters read as letters (1 as
// i, and as l); none when w has neither.
func (c *Words) disguises(w string) []string {
	var hasLatin, hasLeet, hasLetter bool
	for _, r := range w {
		switch {
		case r < utf8.RuneSelf && leet[r] != 0:
			hasLeet = true
		case r >= utf8.RuneSelf:
			if _, ok := glyph.Latin(r); ok {
				hasLatin = true
			}
			hasLetter = hasLetter || unicode.IsLetter(r)
		case 'a' <= r && r <= 'z':
			hasLetter = true
		}
	}
	if !hasLatin && !(hasLeet && hasLetter) {
		return nil
	}
	read := func(one rune) string {
		return strings.Map(func(r rune) rune {
			if l, ok := glyph.Latin(r); ok {
				return l
			}
			if hasLetter && r < utf8.RuneSelf {
				if r == '1' {
					return one
				}
				if l := leet[r]; l != 0 {
					return l
				}
			}
			return r
		}, w)
	}
	out := []string{read('i')}
	if strings.ContainsRune(w, '1') && hasLetter {
		out = append(out, read('l'))
	}
	return out
}

// normalize puts text in the form the word lists are written in: lower
// case, accents and compatibility forms folded ("Zélfmoord", full-width
// and mathematical letters alike), circled and squared letters plain,
// apostrophes dropped ("don't" is "dont", "'k" is "k"), invisible format
// characters dropped, @ and $ kept (they may stand for letters), every
// other character that is not a letter or digit a space, runs of one
// letter cut to two ("dooood" is "dood"), spaces collapsed and trimmed.
func normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	var last rune = ' '
	run := 0
	emit := func(r rune) {
		if r == ' ' {
			if last != ' ' {
				b.WriteByte(' ')
				last, run = ' ', 0
			}
			return
		}
		if r == last {
			run++
			if run > 2 && unicode.IsLetter(r) {
				return
			}
		} else {
			run = 1
		}
		b.WriteRune(r)
		last = r
	}
	for _, r := range text {
		if r < utf8.RuneSelf {
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '@', r == '$':
				emit(r)
			case 'A' <= r && r <= 'Z':
				emit(r + 'a' - 'A')
			case r == '\'' || r == '`':
			default:
				emit(' ')
			}
			continue
		}
		if p, ok := glyph.Plain(r); ok {
			emit(unicode.ToLower(p))
			continue
		}
		foldRune(r, emit, 0)
	}
	return strings.TrimSuffix(b.String(), " ")
}

// apostrophes are dropped rather than made spaces.
var apostrophes = map[rune]bool{'’': true, '‘': true, 'ʼ': true, '´': true, '′': true}

// letterFolds are letters that no decomposition turns into Latin ones.
var letterFolds = map[rune]string{
	'ß': "ss", 'ø': "o", 'æ': "ae", 'œ': "oe", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i", 'ĳ': "ij",
}

func foldRune(r rune, emit func(rune), depth int) {
	switch {
	case apostrophes[r], glyph.Invisible(r), unicode.Is(unicode.Mn, r):
		return
	}
	d := norm.NFKD.String(string(r))
	for _, c := range d {
		if unicode.Is(unicode.Mn, c) || glyph.Invisible(c) || apostrophes[c] {
			continue
		}
		lc := unicode.ToLower(c)
		if f, ok := letterFolds[lc]; ok {
			for _, x := range f {
				emit(x)
			}
			continue
		}
		if lc >= utf8.RuneSelf && lc != c && depth < 2 {
			// A lower-case form may decompose further.
			foldRune(lc, emit, depth+1)
			continue
		}
		switch {
		case lc < utf8.RuneSelf:
			switch {
			case 'a' <= lc && lc <= 'z', '0' <= lc && lc <= '9', lc == '@', lc == '$':
				emit(lc)
			case lc == '\'' || lc == '`':
			default:
				emit(' ')
			}
		case unicode.IsLetter(lc) || unicode.IsDigit(lc):
			emit(lc)
		default:
			emit(' ')
		}
	}
}
