package telegramtest

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest/tghtml"
)

// Telegram's limits, in UTF-16 code units after entity parsing.
const (
	maxTextLength    = 4096
	maxCaptionLength = 1024
)

// formatText parses a text or caption like Telegram: it must be UTF-8, is
// parsed by parse_mode (only HTML is parsed; Markdown and MarkdownV2 are
// taken as plain text), trimmed, and limited to limit UTF-16 units.
func formatText(text, parseMode, entitiesJSON string, limit int, tooLong string) (string, []models.MessageEntity, *response) {
	fail := func(desc string) (string, []models.MessageEntity, *response) {
		r := badRequest(desc)
		return "", nil, &r
	}
	if !utf8.ValidString(text) {
		return fail("text must be encoded in UTF-8")
	}
	plain, entities := text, []models.MessageEntity(nil)
	switch strings.ToLower(parseMode) {
	case "":
		if strings.TrimSpace(entitiesJSON) != "" && json.Unmarshal([]byte(entitiesJSON), &entities) != nil {
			return fail("can't parse entities JSON object")
		}
	case "html":
		var err error
		if plain, entities, err = tghtml.Parse(text); err != nil {
			return fail("can't parse entities: " + err.Error())
		}
	case "markdown", "markdownv2":
	default:
		return fail("unsupported parse_mode")
	}
	plain, entities = trimText(plain, entities)
	if tghtml.UTF16Len(plain) > limit {
		return fail(tooLong)
	}
	return plain, entities, nil
}

// rawJSON keeps a JSON parameter for echoing, or nil if it is not JSON.
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return nil
	}
	return json.RawMessage(s)
}

// trimText strips the leading and trailing whitespace Telegram strips from
// message texts and captions, moving and clipping the entities to match.
func trimText(text string, entities []models.MessageEntity) (string, []models.MessageEntity) {
	const space = " \t\r\n"
	left := len(text) - len(strings.TrimLeft(text, space))
	trimmed := strings.TrimRight(text[left:], space)
	if left == 0 && len(trimmed) == len(text) {
		return text, entities
	}
	size := tghtml.UTF16Len(trimmed) // whitespace is ASCII: bytes == UTF-16 units
	var out []models.MessageEntity
	for _, e := range entities {
		start, end := max(e.Offset-left, 0), min(e.Offset+e.Length-left, size)
		if end > start {
			e.Offset, e.Length = start, end-start
			out = append(out, e)
		}
	}
	return trimmed, out
}
