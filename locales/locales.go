// Package locales holds every text the bot shows and looks them up by
// message ID and language.
//
// The texts live in <lang>.toml files in go-i18n v2 form, embedded in the
// binary: Dutch (nl, the first language, B1 level) and English (en, a plain
// bridge language). An operator may add a folder of their own <lang>.toml
// files, for instance the texts of their own flow or a new language; those
// messages are merged over the embedded ones.
//
// Texts are Telegram HTML as they are: only <b> and <i> tags, and a literal
// &, < or > written as an entity. Template variables ({{.Name}}) are not
// escaped here; the caller escapes the values it passes in.
//
// A Catalog is read-only after Load and safe for concurrent use.
package locales

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/intakebot/intakebot/dialog/langtag"
)

//go:embed *.toml
var embedded embed.FS

// namesFile holds the names of the languages (see names.go); it is data,
// not a message file.
const namesFile = "names.toml"

// ErrMissing is wrapped by the error Localize returns when a message does
// not exist in the language asked for (the text then comes from the
// default language) or in no language at all (the text is then the ID).
var ErrMissing = errors.New("message missing")

// countKey is the template variable that also selects the plural form.
const countKey = "Count"

// Catalog is the set of loaded messages, per language.
type Catalog struct {
	def        string
	langs      []string                            // sorted, default first
	messages   map[string]map[string]*i18n.Message // lang → ID → message
	names      map[string]langName                 // lang → its names (names.toml)
	localizers map[string]*i18n.Localizer          // lang → localizer
	bundle     *i18n.Bundle
}

// Load reads the embedded message files and, when extraDir is not "", every
// <lang>.toml file in that folder (other files are ignored), which may add
// languages and add or replace messages. defaultLang is the language to
// fall back to; it must be one that has messages. Any file that does not
// parse, is not named after a language, or holds a template that does not
// parse is an error.
func Load(defaultLang string, extraDir string) (*Catalog, error) {
	defTag, err := language.Parse(strings.TrimSpace(defaultLang))
	if err != nil {
		return nil, fmt.Errorf("locales: default language %q: %w", defaultLang, err)
	}
	c := &Catalog{
		def:        defTag.String(),
		messages:   map[string]map[string]*i18n.Message{},
		localizers: map[string]*i18n.Localizer{},
		bundle:     i18n.NewBundle(defTag),
	}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)

	files, err := fs.Glob(embedded, "*.toml")
	if err != nil {
		return nil, fmt.Errorf("locales: %w", err)
	}
	slices.Sort(files)
	for _, name := range files {
		if name == namesFile {
			continue
		}
		buf, err := embedded.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("locales: %s: %w", name, err)
		}
		if err := c.add(name, buf); err != nil {
			return nil, err
		}
	}

	if extraDir != "" {
		entries, err := os.ReadDir(extraDir)
		if err != nil {
			return nil, fmt.Errorf("locales: extra folder: %w", err)
		}
		for _, e := range entries { // ReadDir sorts by name
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".toml") {
				continue
			}
			path := filepath.Join(extraDir, e.Name())
			buf, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("locales: %w", err)
			}
			if err := c.add(path, buf); err != nil {
				return nil, err
			}
		}
	}

	if len(c.messages[c.def]) == 0 {
		return nil, fmt.Errorf("locales: unknown default language %q (have %s)", defaultLang, strings.Join(c.sortedLangs(), ", "))
	}
	c.langs = c.sortedLangs()
	if err := c.loadNames(); err != nil {
		return nil, err
	}
	for _, l := range c.langs {
		c.localizers[l] = i18n.NewLocalizer(c.bundle, l)
	}
	return c, nil
}

// add parses one message file named <lang>.toml (or <part>.<lang>.toml)
// and merges its messages.
func (c *Catalog) add(path string, buf []byte) error {
	// <language>.toml, or <part>.<language>.toml for a file per concern.
	base := strings.TrimSuffix(filepath.Base(path), ".toml")
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		base = base[i+1:]
	}
	tag, err := language.Parse(base)
	if err != nil || base == "" {
		return fmt.Errorf("locales: %s: the file name must be <language>.toml or <part>.<language>.toml, like nl.toml", path)
	}
	lang := tag.String()
	// The canonical name makes go-i18n file the messages under the same tag.
	mf, err := c.bundle.ParseMessageFileBytes(buf, lang+".toml")
	if err != nil {
		return fmt.Errorf("locales: %s: %w", path, err)
	}
	if c.messages[lang] == nil {
		c.messages[lang] = map[string]*i18n.Message{}
	}
	for _, m := range mf.Messages {
		if err := checkTemplates(m); err != nil {
			return fmt.Errorf("locales: %s: message %q: %w", path, m.ID, err)
		}
		c.messages[lang][m.ID] = m
	}
	return nil
}

// checkTemplates parses every form of m, so that a broken template is found
// when the bot starts rather than when the text is needed.
func checkTemplates(m *i18n.Message) error {
	left, right := m.LeftDelim, m.RightDelim
	if left == "" {
		left = "{{"
	}
	if right == "" {
		right = "}}"
	}
	for _, s := range forms(m) {
		if !strings.Contains(s, left) {
			continue
		}
		if _, err := template.New("").Delims(left, right).Parse(s); err != nil {
			return err
		}
	}
	return nil
}

// forms returns the non-empty plural forms of m.
func forms(m *i18n.Message) []string {
	var out []string
	for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (c *Catalog) sortedLangs() []string {
	var ls []string
	for l := range c.messages {
		if l != c.def {
			ls = append(ls, l)
		}
	}
	slices.Sort(ls)
	if _, ok := c.messages[c.def]; ok {
		ls = append([]string{c.def}, ls...)
	}
	return ls
}

// Default returns the default language, like "nl".
func (c *Catalog) Default() string { return c.def }

// Languages returns the loaded languages, sorted, the default first.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// canonical returns the loaded language that lang names exactly (any case,
// "_" or "-"), or "".
func (c *Catalog) canonical(lang string) string {
	if _, ok := c.messages[lang]; ok {
		return lang
	}
	tag, err := language.Parse(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"))
	if err != nil {
		return ""
	}
	if _, ok := c.messages[tag.String()]; ok {
		return tag.String()
	}
	return ""
}

// Has reports whether message id exists in language lang itself (no
// fallback). lang must name a loaded language exactly.
func (c *Catalog) Has(lang, id string) bool {
	_, ok := c.messages[c.canonical(lang)][id]
	return ok
}

// HasEverywhere reports whether message id exists in every loaded language.
func (c *Catalog) HasEverywhere(id string) bool {
	for _, l := range c.langs {
		if _, ok := c.messages[l][id]; !ok {
			return false
		}
	}
	return len(c.langs) > 0
}

// Match picks the language for a Telegram language_code (an IETF tag like
// "nl", "nl-BE", "ar-SA", "fa-AF" or "prs"): the loaded language that
// dialog.MatchLanguage finds, else the default. It never fails.
func (c *Catalog) Match(telegramLanguageCode string) string {
	if l := langtag.Match(c.langs, telegramLanguageCode); l != "" {
		return l
	}
	return c.def
}

// Known returns the loaded language that code names (see Match) and true,
// or "" and false when no loaded language fits.
func (c *Catalog) Known(code string) (string, bool) {
	l := langtag.Match(c.langs, code)
	return l, l != ""
}

// Localize returns message id in language lang, its template filled with
// data; data["Count"], when present, also picks the plural form. lang is
// resolved with Match, so "nl-BE" or an unknown code work too.
//
// Localize never panics and always returns something to show: a message
// missing in lang comes from the default language, together with an error
// wrapping ErrMissing; a message missing everywhere returns id itself and
// such an error. A template that fails returns the id and the error.
func (c *Catalog) Localize(lang, id string, data map[string]any) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = id, fmt.Errorf("locales: %q in %q: panic: %v", id, lang, r)
		}
	}()
	use := c.Match(lang)
	var missing error
	if _, ok := c.messages[use][id]; !ok {
		if _, ok := c.messages[c.def][id]; !ok {
			return id, fmt.Errorf("locales: %w: %q in any language", ErrMissing, id)
		}
		missing = fmt.Errorf("locales: %w: %q in %q, used %q", ErrMissing, id, use, c.def)
		use = c.def
	}
	m := c.messages[use][id]
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if data != nil {
		cfg.TemplateData = data
	}
	// Only a message with plural forms gets a plural count: go-i18n
	// reports an error for a count on a message that has "other" alone.
	if n, ok := data[countKey]; ok && len(forms(m)) > 1 {
		cfg.PluralCount = n
	}
	loc := c.localizers[use]
	if loc == nil {
		return id, fmt.Errorf("locales: no localizer for %q", use)
	}
	s, err := loc.Localize(cfg)
	if err != nil && s == "" && cfg.PluralCount != nil {
		// A count of a type go-i18n can't use: show the "other" form.
		cfg.PluralCount = nil
		if s2, err2 := loc.Localize(cfg); err2 == nil {
			s = s2
		}
	}
	if err != nil {
		if s == "" {
			return id, fmt.Errorf("locales: %q in %q: %w", id, use, err)
		}
		return s, fmt.Errorf("locales: %q in %q: %w", id, use, err)
	}
	return s, missing
}
