package telegramtest

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Button is an inline keyboard button as the user sees it.
type Button struct {
	Text         string
	CallbackData string // empty for URL and other buttons
	URL          string
}

// maxCallbackData is Telegram's limit for callback_data, in bytes.
const maxCallbackData = 64

// inlineActions are the fields of an inline keyboard button that give it
// an action; a button needs one.
var inlineActions = []string{
	"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"copy_text", "callback_game", "pay",
}

// markup is a parsed reply_markup.
type markup struct {
	inline json.RawMessage // canonical {"inline_keyboard":...}; nil if none
	rows   [][]Button
	reply  [][]string // reply keyboard button texts
	remove bool       // remove_keyboard
}

// sameInline reports whether two markups carry the same inline keyboard.
func (m markup) sameInline(o markup) bool { return bytes.Equal(m.inline, o.inline) }

// parseMarkup parses and validates a reply_markup parameter. An inline
// keyboard without buttons counts as no keyboard, as in Telegram.
func parseMarkup(raw string) (markup, *response) {
	var m markup
	if strings.TrimSpace(raw) == "" {
		return m, nil
	}
	invalid := badRequest("can't parse reply keyboard markup JSON object")
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
		return m, &invalid
	}
	if kb, ok := obj["inline_keyboard"]; ok {
		var rows [][]map[string]json.RawMessage
		if err := json.Unmarshal(kb, &rows); err != nil {
			return m, &invalid
		}
		var canon [][]map[string]json.RawMessage
		for _, row := range rows {
			var btnRow []Button
			var canonRow []map[string]json.RawMessage
			for _, fields := range row {
				b, errResp := parseInlineButton(fields)
				if errResp != nil {
					return markup{}, errResp
				}
				btnRow = append(btnRow, b)
				canonRow = append(canonRow, fields)
			}
			if len(btnRow) > 0 {
				m.rows = append(m.rows, btnRow)
				canon = append(canon, canonRow)
			}
		}
		if len(canon) > 0 {
			m.inline, _ = json.Marshal(map[string]any{"inline_keyboard": canon})
		}
		return m, nil
	}
	if kb, ok := obj["keyboard"]; ok {
		var rows [][]json.RawMessage
		if err := json.Unmarshal(kb, &rows); err != nil {
			return m, &invalid
		}
		for _, row := range rows {
			var texts []string
			for _, b := range row {
				var text string
				if json.Unmarshal(b, &text) != nil { // a button object, not a bare string
					var obj struct {
						Text string `json:"text"`
					}
					if json.Unmarshal(b, &obj) != nil {
						return markup{}, &invalid
					}
					text = obj.Text
				}
				texts = append(texts, text)
			}
			m.reply = append(m.reply, texts)
		}
		return m, nil
	}
	var remove bool
	if rk, ok := obj["remove_keyboard"]; ok && json.Unmarshal(rk, &remove) == nil {
		m.remove = remove
	}
	return m, nil
}

// parseInlineButton validates one inline keyboard button and normalizes
// fields in place (an empty copy_text, which go-telegram/bot always sends,
// is dropped).
func parseInlineButton(fields map[string]json.RawMessage) (Button, *response) {
	var b Button
	if err := json.Unmarshal(fields["text"], &b.Text); err != nil || b.Text == "" {
		r := badRequest("can't parse inline keyboard button: Text must be non-empty")
		return b, &r
	}
	if ct, ok := fields["copy_text"]; ok {
		var v struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(ct, &v) == nil && v.Text == "" {
			delete(fields, "copy_text")
		}
	}
	if cd, ok := fields["callback_data"]; ok {
		if json.Unmarshal(cd, &b.CallbackData) != nil || b.CallbackData == "" || len(b.CallbackData) > maxCallbackData {
			r := badRequest("BUTTON_DATA_INVALID")
			return b, &r
		}
	}
	if u, ok := fields["url"]; ok {
		_ = json.Unmarshal(u, &b.URL)
	}
	for _, action := range inlineActions {
		if v, ok := fields[action]; ok && !emptyJSON(v) {
			return b, nil
		}
	}
	r := badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	return b, &r
}

// emptyJSON reports whether a JSON value is null, false or "".
func emptyJSON(v json.RawMessage) bool {
	switch string(bytes.TrimSpace(v)) {
	case "null", "false", `""`:
		return true
	}
	return false
}
