package crisis

import (
	"strings"
	"unicode/utf8"
)

// Typos and stretched words: a word of a message that is not on the lists
// may be a word of the lists typed with one slip, or with a letter held
// down. Only long words are read that way, never with another first
// letter, and never a word the lists name as no typo ("cooking" is not
// "choking"): short words differ by one letter all the time.

// minTypo is the fewest letters of a word of the lists that may be read
// from a word one typo away.
const minTypo = 6

// minStretch is the fewest letters of a word of the lists that may be read
// from a word with letters held down ("dieee"): "me" is not "mee".
const minStretch = 3

type vocabulary struct {
	words map[string]bool
	// other are the words of the lists that are not read from typos:
	// prefixes, short words, not_typos and chat spellings.
	other    map[string]bool
	squeezed map[string][]string // squeeze(word) -> words of minStretch+ letters
	// typos are the words of minTypo+ letters by first letter and length
	// (up to maxTypo), the only ones a word one typo away may stand for.
	typos    *[utf8.RuneSelf][maxTypo + 2][]string
	prefixes *[utf8.RuneSelf][]string // prefixes (word*) of minTypo+ letters
	notTypos map[string]bool
	// flags say in one look-up what a word is to the lists.
	flags map[string]wordFlags
}

// wordFlags say what a word is to the lists.
type wordFlags uint8

const (
	isWord       wordFlags = 1 << iota // a word of the phrases or exceptions
	isNotTypo                          // named in not_typos
	isSpelled                          // a chat spelling of one word
	isSpelledOut                       // a chat spelling of several words
)

// maxTypo is the longest word read as a typo.
const maxTypo = 32

func newVocabulary(ps []pattern, spellings map[string][]string, notTypos map[string]bool) vocabulary {
	v := vocabulary{words: map[string]bool{}, other: map[string]bool{}, squeezed: map[string][]string{},
		typos: new([utf8.RuneSelf][maxTypo + 2][]string), prefixes: new([utf8.RuneSelf][]string), notTypos: notTypos}
	// A chat spelling may be typed with a slip too ("unailve").
	var spelled []wordPattern
	for k := range spellings {
		spelled = append(spelled, wordPattern{alts: []wordAlt{{word: k}}})
	}
	ps = append(ps, pattern{words: spelled})
	for _, p := range ps {
		for _, w := range p.words {
			for _, a := range w.alts {
				if !isASCII(a.word) {
					continue
				}
				v.other[a.word] = true
				if a.prefix {
					if len(a.word) >= minTypo && !contains(v.prefixes[a.word[0]], a.word) {
						v.prefixes[a.word[0]] = append(v.prefixes[a.word[0]], a.word)
					}
					continue
				}
				if v.words[a.word] {
					continue
				}
				v.words[a.word] = true
				if len(a.word) >= minStretch {
					k := squeeze(a.word)
					v.squeezed[k] = append(v.squeezed[k], a.word)
				}
				if n := len(a.word); n >= minTypo && n <= maxTypo {
					v.typos[a.word[0]][n] = append(v.typos[a.word[0]][n], a.word)
				}
			}
		}
	}
	v.flags = map[string]wordFlags{}
	for w := range v.words {
		v.flags[w] |= isWord
	}
	for w := range notTypos {
		v.other[w] = true
		v.flags[w] |= isNotTypo
	}
	for w, to := range spellings {
		if len(to) == 1 {
			v.flags[w] |= isSpelled
		} else {
			v.flags[w] |= isSpelledOut
		}
	}
	return v
}

// known reports whether w is a word of the lists, a chat spelling or a
// word the lists name as no typo.
func (v *vocabulary) known(w string) bool { return v.other[w] }

// near calls add with each word of the lists that w is stretched from,
// and when typos is set, that w, not one of them, is one typo away from.
func (v *vocabulary) near(w string, fl wordFlags, typos bool, add func(string)) {
	if len(w) < minStretch || !isASCII(w) {
		return
	}
	if hasDouble(w) {
		for _, x := range v.squeezed[squeeze(w)] {
			if stretched(w, x) {
				add(x)
			}
		}
	}
	if !typos || len(w) < minTypo-1 || len(w) > maxTypo || fl&(isWord|isNotTypo) != 0 {
		return
	}
	v.typo(w, add)
	// A last letter held down and a typo: "suicdalll".
	if n := len(w); hasDouble(w[n-2:]) {
		for n > 1 && w[n-2] == w[n-1] {
			n--
		}
		if !v.notTypos[w[:n]] {
			v.typo(w[:n], add)
		}
	}
}

// typo calls add with each word of the lists one typo away from w, and
// with w read through a prefix one typo away from its start.
func (v *vocabulary) typo(w string, add func(string)) {
	for n := len(w) - 1; n <= len(w)+1; n++ {
		for _, x := range v.typos[w[0]][n] {
			if oneEdit(w, x) {
				add(x)
			}
		}
	}
	for _, p := range v.prefixes[w[0]] {
		if strings.HasPrefix(w, p) {
			continue
		}
		for n := len(p) - 1; n <= len(p)+1 && n <= len(w); n++ {
			if oneEdit(w[:n], p) {
				add(p + w[n:])
				break
			}
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hasDouble(w string) bool {
	for i := 1; i < len(w); i++ {
		if w[i] == w[i-1] {
			return true
		}
	}
	return false
}

// squeeze cuts every run of one letter to one: "dood" is "dod".
func squeeze(w string) string {
	if !hasDouble(w) {
		return w
	}
	b := make([]byte, 0, len(w))
	for i := 0; i < len(w); i++ {
		if i == 0 || w[i] != w[i-1] {
			b = append(b, w[i])
		}
	}
	return string(b)
}

// stretched reports whether w is x with some letters held down: the same
// letters in the same order, each run at least as long.
func stretched(w, x string) bool {
	i, j := 0, 0
	for i < len(w) && j < len(x) {
		if w[i] != x[j] {
			return false
		}
		ri, rj := i, j
		for i < len(w) && w[i] == w[ri] {
			i++
		}
		for j < len(x) && x[j] == x[rj] {
			j++
		}
		if i-ri < j-rj {
			return false
		}
	}
	return i == len(w) && j == len(x)
}

// oneEdit reports whether a and b differ by exactly one edit: a letter
// changed, added or dropped, or two letters side by side swapped.
func oneEdit(a, b string) bool {
	if a == b {
		return false
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	switch len(a) - len(b) {
	case 0:
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		return a[i+1:] == b[i:]
	}
	return false
}
