// Package tghtml parses texts the way Telegram parses them with parse_mode
// HTML: the plain text a user sees, its entities, and Telegram's error for
// markup it refuses. The fake server (bot/telegramtest) validates messages
// with it, and tests use it to check message templates without a server.
package tghtml

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// htmlTags maps the start tags Telegram accepts with parse_mode HTML to the
// entity type they produce.
var htmlTags = map[string]models.MessageEntityType{
	"b":          models.MessageEntityTypeBold,
	"strong":     models.MessageEntityTypeBold,
	"i":          models.MessageEntityTypeItalic,
	"em":         models.MessageEntityTypeItalic,
	"u":          models.MessageEntityTypeUnderline,
	"ins":        models.MessageEntityTypeUnderline,
	"s":          models.MessageEntityTypeStrikethrough,
	"strike":     models.MessageEntityTypeStrikethrough,
	"del":        models.MessageEntityTypeStrikethrough,
	"code":       models.MessageEntityTypeCode,
	"pre":        models.MessageEntityTypePre,
	"a":          models.MessageEntityTypeTextLink,
	"tg-spoiler": models.MessageEntityTypeSpoiler,
	"span":       models.MessageEntityTypeSpoiler,
	"blockquote": models.MessageEntityTypeBlockquote,
}

// htmlNamedEntities are the only named entities Telegram decodes.
var htmlNamedEntities = []struct {
	name string
	r    rune
}{{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'}}

// openTag is a start tag waiting for its end tag.
type openTag struct {
	name   string
	typ    models.MessageEntityType
	url    string
	lang   string
	offset int // UTF-16 offset in the plain text where the tag started
}

// Validate reports whether s is a valid text for parse_mode HTML, with
// the error text Telegram would put after "Bad Request: can't parse
// entities: ". It is handy for checking message templates (for example every
// translation) without a server.
func Validate(s string) error {
	_, _, err := Parse(s)
	return err
}

// Parse parses s the way Telegram parses a text sent with parse_mode
// HTML and returns the plain text a user sees together with its entities
// (offsets and lengths in UTF-16 code units, sorted like Telegram sorts them).
//
// It is stricter than Telegram in one documented respect: every "&" must
// start one of &lt; &gt; &amp; &quot; &#NN; &#xHH; (with the semicolon),
// while Telegram silently keeps a stray "&". A bare "<" that does not start
// a supported tag, unbalanced or badly nested tags, unknown tags and
// <span> without class="tg-spoiler" are errors, as in Telegram. A bare ">" is
// accepted as text, as in Telegram. Parse does not trim whitespace and
// does not check the length; the server does that for messages.
func Parse(s string) (string, []models.MessageEntity, error) {
	var (
		out      strings.Builder
		pos      int // UTF-16 length of out
		stack    []openTag
		entities []models.MessageEntity
	)
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			r, n := decodeHTMLEntity(s[i:])
			if n == 0 {
				return "", nil, fmt.Errorf("unsupported HTML entity at byte offset %d; write \"&\" as \"&amp;\"", i)
			}
			out.WriteRune(r)
			pos += utf16RuneLen(r)
			i += n
		case '<':
			if strings.HasPrefix(s[i:], "</") {
				name, next, err := parseEndTag(s, i)
				if err != nil {
					return "", nil, err
				}
				if len(stack) == 0 {
					return "", nil, fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if name != top.name {
					return "", nil, fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top.name, name)
				}
				stack = stack[:len(stack)-1]
				if top.name == "code" && top.lang != "" && len(stack) > 0 && stack[len(stack)-1].name == "pre" {
					// <pre><code class="language-x"> gives one pre entity with a language.
					stack[len(stack)-1].lang = top.lang
				} else if e, ok := top.entity(pos); ok {
					entities = append(entities, e)
				}
				i = next
				continue
			}
			tag, next, err := parseStartTag(s, i)
			if err != nil {
				return "", nil, err
			}
			tag.offset = pos
			stack = append(stack, tag)
			i = next
		default:
			j := strings.IndexAny(s[i:], "&<")
			if j < 0 {
				j = len(s) - i
			}
			out.WriteString(s[i : i+j])
			pos += UTF16Len(s[i : i+j])
			i += j
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	sort.SliceStable(entities, func(a, b int) bool {
		if entities[a].Offset != entities[b].Offset {
			return entities[a].Offset < entities[b].Offset
		}
		return entities[a].Length > entities[b].Length
	})
	return out.String(), entities, nil
}

// entity turns a closed tag into an entity ending at end; empty ones and
// links without href produce none.
func (t openTag) entity(end int) (models.MessageEntity, bool) {
	if end <= t.offset || (t.typ == models.MessageEntityTypeTextLink && t.url == "") {
		return models.MessageEntity{}, false
	}
	e := models.MessageEntity{Type: t.typ, Offset: t.offset, Length: end - t.offset}
	switch t.typ {
	case models.MessageEntityTypeTextLink:
		e.URL = t.url
	case models.MessageEntityTypePre:
		e.Language = t.lang
	}
	return e, true
}

// parseStartTag parses the start tag at s[begin] == '<' and returns it with
// the index just after its '>'.
func parseStartTag(s string, begin int) (openTag, int, error) {
	unclosed := fmt.Errorf("Unclosed start tag at byte offset %d", begin)
	i := begin + 1
	for i < len(s) && !isHTMLSpace(s[i]) && s[i] != '>' {
		i++
	}
	if i == len(s) {
		return openTag{}, 0, unclosed
	}
	name := strings.ToLower(s[begin+1 : i])
	typ, ok := htmlTags[name]
	if !ok {
		return openTag{}, 0, fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, begin)
	}
	tag := openTag{name: name, typ: typ}
	class := ""
	for {
		for i < len(s) && isHTMLSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return openTag{}, 0, unclosed
		}
		if s[i] == '>' {
			i++
			break
		}
		start := i
		for i < len(s) && !isHTMLSpace(s[i]) && s[i] != '=' && s[i] != '>' {
			i++
		}
		attr := strings.ToLower(s[start:i])
		if attr == "" {
			return openTag{}, 0, fmt.Errorf("Empty attribute name in the tag \"%s\" at byte offset %d", name, begin)
		}
		for i < len(s) && isHTMLSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return openTag{}, 0, unclosed
		}
		if s[i] != '=' {
			if name == "blockquote" && attr == "expandable" {
				tag.typ = models.MessageEntityTypeExpandableBlockquote
				continue
			}
			return openTag{}, 0, fmt.Errorf("Expected equal sign in declaration of an attribute of the tag \"%s\" at byte offset %d", name, begin)
		}
		i++
		for i < len(s) && isHTMLSpace(s[i]) {
			i++
		}
		if i == len(s) {
			return openTag{}, 0, unclosed
		}
		var value string
		if q := s[i]; q == '"' || q == '\'' {
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				return openTag{}, 0, unclosed
			}
			value = unescapeAttribute(s[i+1 : i+1+end])
			i += end + 2
		} else {
			start := i
			for i < len(s) && (isASCIIAlnum(s[i]) || s[i] == '.' || s[i] == '-') {
				i++
			}
			if i == len(s) || (!isHTMLSpace(s[i]) && s[i] != '>') {
				return openTag{}, 0, fmt.Errorf("Unexpected end of name token at byte offset %d", i)
			}
			value = strings.ToLower(s[start:i])
		}
		switch {
		case name == "a" && attr == "href":
			tag.url = value
		case name == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
			tag.lang = value[len("language-"):]
		case name == "span" && attr == "class":
			class = value
		}
	}
	if name == "span" && class != "tg-spoiler" {
		return openTag{}, 0, fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
	}
	return tag, i, nil
}

// parseEndTag parses the end tag at s[begin:] == "</..." and returns its
// lower-case name and the index just after its '>'.
func parseEndTag(s string, begin int) (string, int, error) {
	i := begin + 2
	for i < len(s) && !isHTMLSpace(s[i]) && s[i] != '>' {
		i++
	}
	name := strings.ToLower(s[begin+2 : i])
	for i < len(s) && isHTMLSpace(s[i]) {
		i++
	}
	if i == len(s) || s[i] != '>' {
		return "", 0, fmt.Errorf("Unclosed end tag at byte offset %d", begin)
	}
	return name, i + 1, nil
}

// decodeHTMLEntity decodes the entity at the start of s (s[0] == '&') and
// returns the rune and the number of bytes it takes, or 0 bytes if s does
// not start with a valid entity.
func decodeHTMLEntity(s string) (rune, int) {
	if strings.HasPrefix(s, "&#") {
		i, base := 2, 10
		if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
			i, base = 3, 16
		}
		start, v := i, 0
		for ; i < len(s); i++ {
			d := digitValue(s[i])
			if d < 0 || d >= base {
				break
			}
			if v = v*base + d; v > utf8.MaxRune {
				return 0, 0
			}
		}
		if i == start || i == len(s) || s[i] != ';' || v == 0 || (v >= 0xD800 && v <= 0xDFFF) {
			return 0, 0
		}
		return rune(v), i + 1
	}
	for _, e := range htmlNamedEntities {
		if strings.HasPrefix(s[1:], e.name) {
			return e.r, len(e.name) + 1
		}
	}
	return 0, 0
}

// unescapeAttribute decodes entities in a quoted attribute value; a stray
// '&' is kept, as Telegram does.
func unescapeAttribute(v string) string {
	if !strings.Contains(v, "&") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		if v[i] == '&' {
			if r, n := decodeHTMLEntity(v[i:]); n > 0 {
				b.WriteRune(r)
				i += n
				continue
			}
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String()
}

func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// UTF16Len is the length of s in UTF-16 code units, the unit Telegram uses
// for text limits and entity offsets. Invalid bytes count as one unit each.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16RuneLen(r)
	}
	return n
}

func utf16RuneLen(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}
