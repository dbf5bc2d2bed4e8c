package render

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxMessageLen is Telegram's limit on a message text, in UTF-16 code units.
const MaxMessageLen = 4096

// Len counts UTF-16 code units, as Telegram does.
func Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Split cuts Telegram HTML into pieces of at most limit UTF-16 units (raw
// markup counted, so the visible text is always shorter). It prefers a
// blank line, then a line end, then a space; it never cuts inside a tag or
// an entity; tags open at a cut are closed at the end of the piece and
// opened again at the start of the next, so each piece is valid HTML.
func Split(s string, limit int) []string {
	if Len(s) <= limit {
		return []string{s}
	}
	var out []string
	var open []string // open tags, as written (e.g. `<a href="x">`)
	for s != "" {
		prefix := strings.Join(open, "")
		// cutPoint counts the end tags of open itself.
		budget := limit - Len(prefix)
		cut, tags := cutPoint(s, budget, open)
		if cut == 0 {
			if len(open) > 0 {
				// Not even one token fits next to the reopened tags
				// (formatting nested deeper than the limit allows): the
				// rest goes without them, and without their end tags.
				s = dropEndTags(s, len(open))
				open = nil
				continue
			}
			// A single token over the limit (a limit below any sane
			// value): send it alone.
			cut = len(nextToken(s))
			tags = applyTag(nil, s[:cut])
		}
		piece := strings.TrimRight(prefix+s[:cut]+closing(tags), " \n")
		// A cut in whitespace before end tags leaves a piece that shows
		// nothing; Telegram refuses an empty message.
		if strings.TrimSpace(PlainText(piece)) != "" {
			out = append(out, piece)
		}
		s = strings.TrimLeft(s[cut:], " \n")
		open = tags
	}
	return out
}

// dropEndTags removes from s the end tags of the n tags that were open
// before it.
func dropEndTags(s string, n int) string {
	var b strings.Builder
	depth := n // tags open here; the outer n of them are dropped
	for s != "" {
		tok := nextToken(s)
		s = s[len(tok):]
		switch {
		case strings.HasPrefix(tok, "</") && strings.HasSuffix(tok, ">"):
			depth--
			if depth < n {
				n = depth
				continue
			}
		case isOpenTag(tok):
			depth++
		}
		b.WriteString(tok)
	}
	return b.String()
}

// cutPoint walks s token by token within budget and returns where to cut
// and the tags still open there: at the latest blank line, else line end,
// else space, as long as that keeps at least half of the piece; else as far
// as the budget goes.
func cutPoint(s string, budget int, open []string) (int, []string) {
	type mark struct {
		at, used int
		stack    []string
	}
	var best [4]mark // by rank: any token, space, line end, blank line
	stack := append([]string(nil), open...)
	used := 0
	for i := 0; i < len(s); {
		tok := nextToken(s[i:])
		// Keep room to close every tag open after tok. An end tag always
		// fits where the text before it did.
		next := applyTag(stack, tok)
		if used+Len(tok)+closingLen(next) > budget {
			break
		}
		used += Len(tok)
		stack = next
		i += len(tok)
		if i == len(s) {
			return i, stack
		}
		m := mark{at: i, used: used, stack: append([]string(nil), stack...)}
		best[0] = m
		switch {
		case strings.HasSuffix(s[:i], "\n\n"):
			best[3] = m
		case tok == "\n":
			best[2] = m
		case tok == " ":
			best[1] = m
		}
	}
	for rank := 3; rank > 0; rank-- {
		if best[rank].at > 0 && best[rank].used*2 >= used {
			return best[rank].at, best[rank].stack
		}
	}
	return best[0].at, best[0].stack
}

// nextToken is one tag, one entity or one character.
func nextToken(s string) string {
	switch s[0] {
	case '<':
		if j := strings.IndexByte(s, '>'); j > 0 {
			return s[:j+1]
		}
	case '&':
		if j := strings.IndexByte(s, ';'); j > 0 && j < 12 {
			return s[:j+1]
		}
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}

func isOpenTag(tok string) bool {
	return len(tok) > 2 && tok[0] == '<' && tok[1] != '/' && tok[len(tok)-1] == '>'
}

func tagName(tok string) string {
	t := strings.TrimPrefix(strings.TrimPrefix(tok, "<"), "/")
	t = strings.TrimSuffix(t, ">")
	if i := strings.IndexAny(t, " \t\n"); i >= 0 {
		t = t[:i]
	}
	return t
}

func applyTag(stack []string, tok string) []string {
	switch {
	case strings.HasPrefix(tok, "</") && strings.HasSuffix(tok, ">"):
		name := tagName(tok)
		for k := len(stack) - 1; k >= 0; k-- {
			if tagName(stack[k]) == name {
				return stack[:k]
			}
		}
	case isOpenTag(tok):
		return append(stack, tok)
	}
	return stack
}

func closing(stack []string) string {
	var b strings.Builder
	for k := len(stack) - 1; k >= 0; k-- {
		b.WriteString("</" + tagName(stack[k]) + ">")
	}
	return b.String()
}

func closingLen(stack []string) int { return len(closing(stack)) }
