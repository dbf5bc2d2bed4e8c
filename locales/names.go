package locales

import (
	"fmt"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// langName is one language's entry in names.toml.
type langName struct {
	Own string            `toml:"own"` // its name in itself: "العربية"
	In  map[string]string `toml:"in"`  // reader's language → its name there
}

// loadNames reads names.toml. The own name of every loaded language with
// an entry becomes its language.name message, so that the /language
// buttons show the names kept here whatever a translated file says.
func (c *Catalog) loadNames() error {
	buf, err := embedded.ReadFile(namesFile)
	if err != nil {
		return fmt.Errorf("locales: %s: %w", namesFile, err)
	}
	names := map[string]langName{}
	if _, err := toml.Decode(string(buf), &names); err != nil {
		return fmt.Errorf("locales: %s: %w", namesFile, err)
	}
	c.names = names
	for _, l := range c.langs {
		n, ok := names[l]
		if !ok || n.Own == "" {
			continue
		}
		m := &i18n.Message{ID: "language.name", Description: "The name of this language, in this language (names.toml).", Other: n.Own}
		if err := c.bundle.AddMessages(language.Make(l), m); err != nil {
			return fmt.Errorf("locales: %s: %s: %w", namesFile, l, err)
		}
		c.messages[l]["language.name"] = m
	}
	return nil
}

// Name returns lang's own name ("العربية" for ar), or lang itself when it
// has none.
func (c *Catalog) Name(lang string) string {
	l := c.Match(lang)
	if n := c.names[l].Own; n != "" {
		return n
	}
	if m := c.messages[l]["language.name"]; m != nil && m.Other != "" {
		return m.Other
	}
	return lang
}

// NameIn returns the name of language lang in the reader's language
// ("Arabisch" for ar read in nl), or "" when names.toml has none.
func (c *Catalog) NameIn(lang, reader string) string {
	return c.names[c.Match(lang)].In[c.Match(reader)]
}

// LanguageNames returns lang's own name and, when the reader's language
// is another one and has another name for it, that name ("العربية",
// "Arabisch"); else in is "".
func (c *Catalog) LanguageNames(lang, reader string) (own, in string) {
	own = c.Name(lang)
	if c.Match(lang) == c.Match(reader) {
		return own, ""
	}
	if in = c.NameIn(lang, reader); in == own {
		in = ""
	}
	return own, in
}

// LanguageLabel names language lang for a reader: its own name and, when
// the reader's language is another one and has a name for it, that name in
// brackets: "العربية (Arabisch)".
func (c *Catalog) LanguageLabel(lang, reader string) string {
	own := c.Name(lang)
	if c.Match(lang) == c.Match(reader) {
		return own
	}
	if in := c.NameIn(lang, reader); in != "" && in != own {
		return own + " (" + in + ")"
	}
	return own
}
