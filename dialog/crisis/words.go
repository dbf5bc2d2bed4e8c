// Package crisis recognises messages that signal acute risk, from word
// lists kept as data: one file per language in this folder. The
// questionnaire engine (dialog) checks every text of a young person with
// it; so does the bot for someone who has no intake yet.
package crisis

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// The word lists are data: one file per language under crisis/, in the
// format described at the top of each file. A new language is a new file.
//
//go:embed *.toml
var files embed.FS

// Words recognises messages that signal acute risk (suicidal
// thoughts, self-harm, being hurt or threatened, not being safe at home)
// from the phrase lists of every language at once, since young people mix
// languages. It sees through the usual disguises and slips before it
// matches (see tokens): look-alike letters, digits for letters, letters
// spaced out or repeated, one typo in a long word, chat spellings. It is a
// safety net that makes sure a person looks, not a diagnosis: it misses
// what is said in other words and now and then reacts to a sentence that
// meant no harm. Read-only after loading, safe for concurrent use.
type Words struct {
	langs      []string
	phrases    patternSet
	exceptions exceptionSet
	// spellings are chat words and what they stand for, in normal form:
	// "kms" -> ["kill", "myself"].
	spellings map[string][]string
	vocab     vocabulary
}

// patternSet is a list of phrases indexed by their first word, so that a
// message is checked word by word against only the phrases that can start
// there.
type patternSet struct {
	all     []pattern
	byFirst map[string][]int // a first word -> indexes into all
	// byStart holds the phrases whose first word may be a prefix, under
	// the prefix's first minPrefix letters.
	byStart map[string][]int
}

// pattern is one phrase: a sequence of words.
type pattern struct {
	words []wordPattern
	text  string // as written, for errors and tests
}

// wordPattern matches one word: any word ("*"), or one of alternatives.
type wordPattern struct {
	any  bool
	alts []wordAlt
}

type wordAlt struct {
	word   string
	prefix bool // "snij*": any word starting with "snij"
}

func (w wordPattern) matchForm(word string) bool {
	for _, a := range w.alts {
		if a.word == word || a.prefix && strings.HasPrefix(word, a.word) {
			return true
		}
	}
	return false
}

// match reports whether the token, in any of its forms, is the word.
func (w wordPattern) match(t token) bool {
	if w.any {
		return true
	}
	if w.matchForm(t.word) {
		return true
	}
	for _, f := range t.alts {
		if w.matchForm(f) {
			return true
		}
	}
	return false
}

// crisisFile is the format of one word list file.
type crisisFile struct {
	Phrases    []string          `toml:"phrases"`
	Exceptions []string          `toml:"exceptions"`
	Spellings  map[string]string `toml:"spellings"`
	NotTypos   []string          `toml:"not_typos"`
}

// Load reads the embedded word lists of every language.
func Load() (*Words, error) {
	return load(files, ".")
}

func load(fsys fs.FS, dir string) (*Words, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.toml"))
	if err != nil {
		return nil, fmt.Errorf("crisis words: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("crisis words: no word lists in %s", dir)
	}
	slices.Sort(names)
	c := &Words{spellings: map[string][]string{}}
	var phrases, exceptions []pattern
	notTypos := map[string]bool{}
	for _, name := range names {
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("crisis words: %w", err)
		}
		var f crisisFile
		md, err := toml.Decode(string(buf), &f)
		if err != nil {
			return nil, fmt.Errorf("crisis words: %s: %w", name, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return nil, fmt.Errorf("crisis words: %s: unknown key %q", name, und[0].String())
		}
		if len(f.Phrases) == 0 {
			return nil, fmt.Errorf("crisis words: %s: no phrases", name)
		}
		for _, s := range f.Phrases {
			p, err := parsePattern(s, false)
			if err != nil {
				return nil, fmt.Errorf("crisis words: %s: %q: %w", name, s, err)
			}
			phrases = append(phrases, p)
		}
		for _, s := range f.Exceptions {
			p, err := parsePattern(s, true)
			if err != nil {
				return nil, fmt.Errorf("crisis words: %s: exception %q: %w", name, s, err)
			}
			exceptions = append(exceptions, p)
		}
		for from, to := range f.Spellings {
			words := strings.Fields(to)
			if !normalForm(from) || strings.Contains(from, " ") || len(words) == 0 || !normalForm(to) {
				return nil, fmt.Errorf("crisis words: %s: spelling %q = %q: write one word and what it stands for in normal form", name, from, to)
			}
			from, to = foldArabic(from), foldArabic(to)
			words = strings.Fields(to)
			c.spellings[from] = words
		}
		for _, w := range f.NotTypos {
			if !normalForm(w) || strings.Contains(w, " ") {
				return nil, fmt.Errorf("crisis words: %s: not_typos %q is not one word in normal form", name, w)
			}
			notTypos[foldArabic(w)] = true
		}
		c.langs = append(c.langs, strings.TrimSuffix(path.Base(name), ".toml"))
	}
	c.phrases = newPatternSet(phrases)
	c.exceptions = newExceptionSet(exceptions)
	c.vocab = newVocabulary(slices.Concat(phrases, exceptions), c.spellings, notTypos)
	return c, nil
}

// normalForm reports whether s is in normal form, Arabic-script letter
// variants allowed (arabicFolds).
func normalForm(s string) bool {
	n := normalize(s)
	return n == s || n == foldArabic(s)
}

// minPrefix is the shortest prefix a "word*" may have: shorter ones match
// far too many words.
const minPrefix = 3

// parsePattern reads one phrase; an exception may start with "*".
func parsePattern(s string, exception bool) (pattern, error) {
	p := pattern{text: s}
	for _, field := range strings.Fields(s) {
		if field == "*" {
			if len(p.words) == 0 && !exception {
				return p, fmt.Errorf("a phrase cannot start with *")
			}
			p.words = append(p.words, wordPattern{any: true})
			continue
		}
		var w wordPattern
		for alt := range strings.SplitSeq(field, "|") {
			prefix := strings.HasSuffix(alt, "*")
			alt = strings.TrimSuffix(alt, "*")
			n := normalize(alt)
			// Arabic-script letter variants are one letter (arabicFolds):
			// a list may write either.
			if n == "" || strings.Contains(n, " ") || (n != alt && n != foldArabic(alt)) {
				return p, fmt.Errorf("%q is not one word in normal form (lower case, no accents or punctuation): write %q", alt, n)
			}
			if prefix && utf8.RuneCountInString(n) < minPrefix {
				return p, fmt.Errorf("prefix %q* is shorter than %d letters", n, minPrefix)
			}
			w.alts = append(w.alts, wordAlt{word: n, prefix: prefix})
		}
		p.words = append(p.words, w)
	}
	if len(p.words) == 0 {
		return p, fmt.Errorf("empty phrase")
	}
	if p.words[len(p.words)-1].any {
		return p, fmt.Errorf("a phrase cannot end with *")
	}
	return p, nil
}

func newPatternSet(ps []pattern) patternSet {
	s := patternSet{all: ps, byFirst: map[string][]int{}, byStart: map[string][]int{}}
	for i, p := range ps {
		for _, a := range p.words[0].alts {
			if a.prefix {
				k := wordStart(a.word)
				s.byStart[k] = append(s.byStart[k], i)
			} else {
				s.byFirst[a.word] = append(s.byFirst[a.word], i)
			}
		}
	}
	return s
}

// wordStart is the first minPrefix letters of a word, or all of a shorter one.
func wordStart(w string) string {
	n := 0
	for i := range w {
		if n == minPrefix {
			return w[:i]
		}
		n++
	}
	return w
}

// matchAt reports whether p matches words from i on, and where it ends.
func (p pattern) matchAt(words []token, i int) (end int, ok bool) {
	if i < 0 || i+len(p.words) > len(words) {
		return 0, false
	}
	for j, w := range p.words {
		if !w.match(words[i+j]) {
			return 0, false
		}
	}
	return i + len(p.words), true
}

// each calls fn with the span [start, end) of every match in words, until
// fn returns false.
func (s *patternSet) each(words []token, fn func(start, end int) bool) {
	try := func(ks []int, i int) bool {
		for _, k := range ks {
			if end, ok := s.all[k].matchAt(words, i); ok && !fn(i, end) {
				return false
			}
		}
		return true
	}
	for i, t := range words {
		if !try(s.byFirst[t.word], i) || !try(s.byStart[wordStart(t.word)], i) {
			return
		}
		for j, f := range t.alts {
			if slices.Contains(t.alts[:j], f) || f == t.word {
				continue
			}
			if !try(s.byFirst[f], i) || !try(s.byStart[wordStart(f)], i) {
				return
			}
		}
	}
}

// Languages are the languages of the loaded lists, like "en" and "nl".
func (c *Words) Languages() []string { return slices.Clone(c.langs) }

// Match reports whether text holds a phrase of any language's list that
// is not inside a harmless phrase of the exceptions ("ik ga dood van het
// lachen"). The text is read in each of the ways readings makes of it; an
// exception found in one reading excuses the same words in another.
func (c *Words) Match(text string) bool {
	if c == nil {
		return false
	}
	rs := c.readings(text)
	found := false
	for _, words := range rs {
		c.phrases.each(words, func(start, end int) bool {
			from, to := words[start].from, words[end-1].to
			for _, other := range rs {
				if c.exceptedBetween(other, from, to) {
					return true
				}
			}
			found = true
			return false
		})
		if found {
			return true
		}
	}
	return false
}

// exceptedBetween reports whether an exception holds the tokens of words
// that read the words from to to of the message.
func (c *Words) exceptedBetween(words []token, from, to int) bool {
	start, end := -1, -1
	for i, t := range words {
		if t.to > from && start < 0 {
			start = i
		}
		if t.from < to {
			end = i + 1
		}
	}
	return start >= 0 && end > start && c.excepted(words, start, end)
}

// exceptionSet are the exceptions indexed by each of their words, so that
// a match is checked against only the exceptions that hold its last word
// there.
type exceptionSet struct {
	all     []pattern
	byWord  map[string][]wordAt
	byStart map[string][]wordAt // prefixes, under their first minPrefix letters
	loose   []int               // exceptions with a * after a word: checked everywhere
}

// wordAt is word k of exception e.
type wordAt struct{ e, k int }

func newExceptionSet(ps []pattern) exceptionSet {
	s := exceptionSet{all: ps, byWord: map[string][]wordAt{}, byStart: map[string][]wordAt{}}
	for e, p := range ps {
		lead := true
		for k, w := range p.words {
			if w.any {
				if !lead {
					s.loose = append(s.loose, e)
					break
				}
				continue
			}
			lead = false
			for _, a := range w.alts {
				if a.prefix {
					s.byStart[wordStart(a.word)] = append(s.byStart[wordStart(a.word)], wordAt{e, k})
				} else {
					s.byWord[a.word] = append(s.byWord[a.word], wordAt{e, k})
				}
			}
		}
	}
	return s
}

// excepted reports whether an exception matches words around the span
// [start, end) in full: "cut myself shaving" holds "cut myself", while
// "cut myself a lot" is no exception.
func (c *Words) excepted(words []token, start, end int) bool {
	x := &c.exceptions
	holds := func(e, at int) bool {
		p := x.all[e]
		if at > start || at+len(p.words) < end {
			return false
		}
		_, ok := p.matchAt(words, at)
		return ok
	}
	try := func(refs []wordAt) bool {
		for _, r := range refs {
			if holds(r.e, end-1-r.k) {
				return true
			}
		}
		return false
	}
	last := words[end-1]
	if try(x.byWord[last.word]) || try(x.byStart[wordStart(last.word)]) {
		return true
	}
	for _, f := range last.alts {
		if try(x.byWord[f]) || try(x.byStart[wordStart(f)]) {
			return true
		}
	}
	for _, e := range x.loose {
		for at := max(0, end-len(x.all[e].words)); at <= start; at++ {
			if holds(e, at) {
				return true
			}
		}
	}
	return false
}
