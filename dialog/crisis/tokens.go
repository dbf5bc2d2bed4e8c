package crisis

import (
	"slices"
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
	// spelledOut marks a chat word that stands for several words.
	spelledOut bool
	// from and to are the words of the message this token reads, as
	// indexes of the first reading: letters typed one by one are one
	// token of several words of the message.
	from, to int
}

// readings are the ways to read text: its words, and when some letters
// were typed one by one or a chat word stands for several words, the
// words with those joined or spelled out.
func (c *Words) readings(text string) [][]token {
	n := normalize(text)
	toks := make([]token, 0, strings.Count(n, " ")+1)
	for f := range strings.SplitSeq(n, " ") {
		if f != "" {
			t := c.token(f)
			t.from, t.to = len(toks), len(toks)+1
			toks = append(toks, t)
		}
	}
	out := [][]token{toks}
	if v, ok := c.respell(toks); ok {
		out = append(out, v)
	}
	return out
}

// minRun is the fewest letters typed one by one ("d o o d") that are read
// as words.
const minRun = 3

// maxRun is the most letters typed one by one that are split into words.
const maxRun = 64

// respell reads runs of letters typed one by one as the words they spell
// and spells out chat words that stand for several words; ok is false when
// there is nothing to do.
func (c *Words) respell(toks []token) (out []token, ok bool) {
	if !c.needsRespell(toks) {
		return nil, false
	}
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
			run := b.String()
			pieces := c.segment(run)
			at := i // the message's word where the piece starts
			for _, w := range pieces {
				end := at + utf8.RuneCountInString(w)
				if len(pieces) == 1 {
					end = j
				}
				words, found := c.spelledOut(c.token(w))
				if !found {
					words = []string{w}
				}
				for _, w := range words {
					x := c.token(w)
					x.from, x.to = at, end
					out = append(out, x)
				}
				at = end
			}
			ok = true
			i = j - 1
			continue
		}
		if words, found := c.spelledOut(t); found {
			for _, w := range words {
				x := c.token(w)
				x.from, x.to = i, i+1
				out = append(out, x)
			}
			ok = true
			continue
		}
		out = append(out, t)
	}
	return out, ok
}

// needsRespell reports whether toks hold a run of letters typed one by
// one or a chat word that stands for several words.
func (c *Words) needsRespell(toks []token) bool {
	run := 0
	for _, t := range toks {
		if len(t.word) <= utf8.UTFMax && utf8.RuneCountInString(t.word) == 1 {
			if run++; run >= minRun {
				return true
			}
			continue
		}
		run = 0
		if _, ok := c.spelledOut(t); ok {
			return true
		}
	}
	return false
}

// segment splits letters typed one by one into the words they most
// likely spell: as few pieces as it can, preferring words of the lists
// (and the ordinary words they name) over unknown ones: "iwanttodie" is
// "i want to die", "doodgewoon" stays one word.
func (c *Words) segment(run string) []string {
	if len(run) > maxRun || !isASCII(run) {
		return []string{run}
	}
	const known, unknown = 1, 4
	n := len(run)
	cost := make([]int, n+1)
	from := make([]int, n+1)
	for i := 1; i <= n; i++ {
		cost[i] = -1
		for k := 0; k < i; k++ {
			if cost[k] < 0 {
				continue
			}
			piece := unknown
			if c.vocab.known(run[k:i]) {
				piece = known
			}
			if cost[i] < 0 || cost[k]+piece < cost[i] {
				cost[i], from[i] = cost[k]+piece, k
			}
		}
	}
	var words []string
	for i := n; i > 0; i = from[i] {
		words = append(words, run[from[i]:i])
	}
	slices.Reverse(words)
	return words
}

// spelledOut returns the words a chat word stands for, when more than one.
func (c *Words) spelledOut(t token) ([]string, bool) {
	if !t.spelledOut {
		return nil, false
	}
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

// token reads one word of a message in normal form.
func (c *Words) token(w string) token {
	t := token{word: w}
	fl := c.vocab.flags[w]
	for _, f := range c.disguises(w) {
		t.add(f)
	}
	n := len(t.alts)
	var alts wordFlags
	altFlags := make([]wordFlags, 0, n)
	for _, f := range t.alts {
		af := c.vocab.flags[f]
		altFlags = append(altFlags, af)
		alts |= af
	}
	// A real word in disguise is no typo of a word of the lists.
	typos := (fl|alts)&isNotTypo == 0
	c.vocab.near(w, fl, typos, t.add)
	for i := range n {
		c.vocab.near(t.alts[i], altFlags[i], typos, t.add)
	}
	if fl&isSpelled != 0 {
		t.add(c.spellings[w][0])
	}
	t.spelledOut = fl&isSpelledOut != 0
	for i := 0; i < len(t.alts); i++ {
		af := wordFlags(0)
		if i < n {
			af = altFlags[i]
		} else {
			af = c.vocab.flags[t.alts[i]]
		}
		if af&isSpelled != 0 {
			t.add(c.spellings[t.alts[i]][0])
		}
		t.spelledOut = t.spelledOut || af&isSpelledOut != 0
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

// leet are the digits and signs typed for letters, by ASCII code.
var leet = [utf8.RuneSelf]rune{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g', '@': 'a', '$': 's'}

// disguises returns what w looks like with look-alike letters read as
// Latin and digits and signs in a word with letters read as letters (1 as
// i, and as l); none when w has neither.
func (c *Words) disguises(w string) []string {
	plain := true
	for i := 0; i < len(w) && plain; i++ {
		plain = 'a' <= w[i] && w[i] <= 'z'
	}
	if plain {
		return nil
	}
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
	out := []string{capRuns(read('i'))}
	if strings.ContainsRune(w, '1') && hasLetter {
		out = append(out, capRuns(read('l')))
	}
	return out
}

// capRuns cuts runs of one letter to two, as normalize does: a look-alike
// or a digit in a run of letters ("dоооd") hides the run from it.
func capRuns(w string) string {
	var b strings.Builder
	var last rune
	run := 0
	for _, r := range w {
		if r == last {
			run++
			if run > 2 {
				continue
			}
		} else {
			last, run = r, 1
		}
		b.WriteRune(r)
	}
	return b.String()
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
	ascii := func(r rune) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '@', r == '$':
			emit(r)
		case 'A' <= r && r <= 'Z':
			emit(r + 'a' - 'A')
		case r == '\'' || r == '`':
		default:
			emit(' ')
		}
	}
	for _, r := range text {
		if r < utf8.RuneSelf {
			ascii(r)
			continue
		}
		if p, ok := glyph.Plain(r); ok && p < utf8.RuneSelf {
			ascii(p)
			continue
		}
		foldRune(r, emit, 0)
	}
	return strings.TrimSuffix(b.String(), " ")
}

// tatweel stretches Arabic letters ("أريـــد"); it is dropped.
const tatweel = '\u0640'

// apostrophes are dropped rather than made spaces.
var apostrophes = map[rune]bool{'’': true, '‘': true, 'ʼ': true, '´': true, '′': true}

// letterFolds are letters that no decomposition turns into Latin ones.
var letterFolds = map[rune]string{
	'ß': "ss", 'ø': "o", 'æ': "ae", 'œ': "oe", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i", 'ĳ': "ij",
}

// arabicFolds are the Arabic-script letters typed one for the other on
// Arabic, Persian and Pashto keyboards, each read as one letter, and the
// Arabic-Indic and Persian digits read as ASCII ones: a Dari or Pashto
// phrase then matches when typed on an Arabic keyboard and the other way
// round. Letters that tell words apart (گ and ک: "گشتم" I walked, "کشتم" I
// killed) are not folded.
var arabicFolds = func() map[rune]rune {
	m := map[rune]rune{
		'ی': 'ي', 'ى': 'ي', 'ې': 'ي', 'ۍ': 'ي', 'ئ': 'ي', // Farsi yeh, alef maksura, Pashto yehs
		'ک': 'ك',                                         // keheh
		'ة': 'ه', 'ە': 'ه', 'ۀ': 'ه', 'ہ': 'ه', 'ھ': 'ه', // teh marbuta, ae, heh with yeh, goal, doachashmee
	}
	for i := range rune(10) {
		m['٠'+i] = '0' + i // Arabic-Indic
		m['۰'+i] = '0' + i // Persian
	}
	return m
}()

// foldArabic applies arabicFolds to s.
func foldArabic(s string) string {
	return strings.Map(func(r rune) rune {
		if f, ok := arabicFolds[r]; ok {
			return f
		}
		return r
	}, s)
}

func foldRune(r rune, emit func(rune), depth int) {
	switch {
	case apostrophes[r], glyph.Invisible(r), unicode.Is(unicode.Mn, r), r == tatweel:
		return
	}
	if f, ok := arabicFolds[r]; ok {
		emit(f)
		return
	}
	d := norm.NFKD.String(string(r))
	for _, c := range d {
		if unicode.Is(unicode.Mn, c) || glyph.Invisible(c) || apostrophes[c] || c == tatweel { // a presentation form may decompose to a tatweel
			continue
		}
		lc := unicode.ToLower(c)
		if f, ok := letterFolds[lc]; ok {
			for _, x := range f {
				emit(x)
			}
			continue
		}
		if f, ok := arabicFolds[lc]; ok { // also what a letter decomposes to (ۂ is ہ with a hamza)
			emit(f)
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
