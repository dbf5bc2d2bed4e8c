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
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"golang.org/x/text/unicode/norm"
)

// The word lists are data: one file per language under crisis/, in the
// format described at the top of each file. A new language is a new file.
//
//go:embed *.toml
var files embed.FS

// Words recognises messages that signal acute risk (suicidal
// thoughts, self-harm, being hurt or threatened, not being safe at home)
// from the phrase lists of every language at once, since young people mix
// languages. It is a safety net that makes sure a person looks, not a
// diagnosis: it misses what is said in other words and now and then
// reacts to a sentence that meant no harm. Read-only after loading, safe
// for concurrent use.
type Words struct {
	langs      []string
	phrases    patternSet
	exceptions patternSet
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

func (w wordPattern) match(word string) bool {
	if w.any {
		return true
	}
	for _, a := range w.alts {
		if a.word == word || a.prefix && strings.HasPrefix(word, a.word) {
			return true
		}
	}
	return false
}

// crisisFile is the format of one word list file.
type crisisFile struct {
	Phrases    []string `toml:"phrases"`
	Exceptions []string `toml:"exceptions"`
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
	c := &Words{}
	var phrases, exceptions []pattern
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
		for _, list := range []struct {
			in  []string
			out *[]pattern
		}{{f.Phrases, &phrases}, {f.Exceptions, &exceptions}} {
			for _, s := range list.in {
				p, err := parsePattern(s)
				if err != nil {
					return nil, fmt.Errorf("crisis words: %s: %q: %w", name, s, err)
				}
				*list.out = append(*list.out, p)
			}
		}
		c.langs = append(c.langs, strings.TrimSuffix(path.Base(name), ".toml"))
	}
	c.phrases = newPatternSet(phrases)
	c.exceptions = newPatternSet(exceptions)
	return c, nil
}

// minPrefix is the shortest prefix a "word*" may have: shorter ones match
// far too many words.
const minPrefix = 3

func parsePattern(s string) (pattern, error) {
	p := pattern{text: s}
	for _, field := range strings.Fields(s) {
		if field == "*" {
			if len(p.words) == 0 {
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
			if n == "" || strings.Contains(n, " ") || n != alt {
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
func (p pattern) matchAt(words []string, i int) (end int, ok bool) {
	if i+len(p.words) > len(words) {
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
func (s *patternSet) each(words []string, fn func(start, end int) bool) {
	for i, w := range words {
		for _, k := range s.byFirst[w] {
			if end, ok := s.all[k].matchAt(words, i); ok && !fn(i, end) {
				return
			}
		}
		for _, k := range s.byStart[wordStart(w)] {
			if end, ok := s.all[k].matchAt(words, i); ok && !fn(i, end) {
				return
			}
		}
	}
}

// Languages are the languages of the loaded lists, like "en" and "nl".
func (c *Words) Languages() []string { return slices.Clone(c.langs) }

// Match reports whether text holds a phrase of any language's list that
// is not part of an exception ("ik ga dood van het lachen").
func (c *Words) Match(text string) bool {
	if c == nil {
		return false
	}
	words := strings.Fields(normalize(text))
	var hits [][2]int
	c.phrases.each(words, func(start, end int) bool {
		hits = append(hits, [2]int{start, end})
		return true
	})
	if len(hits) == 0 {
		return false
	}
	// A hit counts unless an exception overlaps it.
	var excepted [][2]int
	c.exceptions.each(words, func(start, end int) bool {
		excepted = append(excepted, [2]int{start, end})
		return true
	})
	for _, h := range hits {
		if !slices.ContainsFunc(excepted, func(e [2]int) bool { return e[0] < h[1] && h[0] < e[1] }) {
			return true
		}
	}
	return false
}

// normalizeCrisis puts text in the form the word lists are written in:
// lower case, accents and compatibility forms folded ("Zélfmoord" and
// full-width letters alike), apostrophes dropped ("don't" is "dont", "'k"
// is "k"), invisible format characters dropped, every other character that
// is not a letter or digit a space, runs of one letter cut to two
// ("dooood" is "dood"), spaces collapsed and trimmed.
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
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				emit(r)
			case 'A' <= r && r <= 'Z':
				emit(r + 'a' - 'A')
			case r == '\'' || r == '`':
			default:
				emit(' ')
			}
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
	case apostrophes[r], unicode.Is(unicode.Cf, r), unicode.Is(unicode.Mn, r):
		return
	}
	d := norm.NFKD.String(string(r))
	for _, c := range d {
		if unicode.Is(unicode.Mn, c) || unicode.Is(unicode.Cf, c) || apostrophes[c] {
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
			case 'a' <= lc && lc <= 'z', '0' <= lc && lc <= '9':
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
