package locales

import "strings"

// CommandNames are the intake commands that can also be typed as a word
// (words.<name> in every language).
var CommandNames = []string{"done", "skip", "back", "pause", "stop", "help"}

// CommandWords maps each typed word of every language (words.<command>,
// lower case) to its command, for dialog.Engine.Words.
func (c *Catalog) CommandWords() map[string]string {
	out := map[string]string{}
	for _, l := range c.langs {
		for _, cmd := range CommandNames {
			m := c.messages[l]["words."+cmd]
			if m == nil {
				continue
			}
			for w := range strings.SplitSeq(m.Other, ",") {
				if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
					out[w] = cmd
				}
			}
		}
	}
	return out
}
