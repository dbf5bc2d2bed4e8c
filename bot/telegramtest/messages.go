package telegramtest

import (
	"encoding/json"
	"fmt"
	"mime"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

// chatParam finds the chat named by chat_id. With create, an unknown chat
// is created (private for positive ids, group for negative ones), so a bot
// may write to any numeric chat id; "@username" ids are not supported.
func (a *botAPI) chatParam(p map[string]string, create bool) (*chat, *response) {
	v := strings.TrimSpace(p["chat_id"])
	if v == "" {
		r := badRequest("chat_id is empty")
		return nil, &r
	}
	id, err := strconv.ParseInt(v, 10, 64)
	c := a.chats[id]
	if err != nil || (c == nil && !create) {
		r := badRequest("chat not found")
		return nil, &r
	}
	if c == nil {
		c = a.chatLocked(id, "")
	}
	return c, nil
}

func (a *botAPI) sendMessage(r *request) response {
	p := r.params
	c, fail := a.chatParam(p, true)
	if fail != nil {
		return *fail
	}
	text, entities, fail := formatText(p["text"], p["parse_mode"], p["entities"], maxTextLength, "message is too long")
	if fail != nil {
		return *fail
	}
	if text == "" {
		return badRequest("message text is empty")
	}
	mk, fail := parseMarkup(p["reply_markup"])
	if fail != nil {
		return *fail
	}
	m := &message{
		fromBot: true, from: botUser(), kind: "text", text: text, entities: entities,
		source: p["text"], parseMode: p["parse_mode"], markup: mk,
		preview: rawJSON(p["link_preview_options"]),
	}
	a.addLocked(c, m)
	return okResult(c.wire(m))
}

// editTarget finds the bot message an edit method names.
func (a *botAPI) editTarget(p map[string]string) (*chat, *message, *response) {
	fail := func(desc string) (*chat, *message, *response) {
		r := badRequest(desc)
		return nil, nil, &r
	}
	if p["message_id"] == "" && p["inline_message_id"] != "" {
		return fail("MESSAGE_ID_INVALID") // inline messages are not supported
	}
	c, errResp := a.chatParam(p, false)
	if errResp != nil {
		return nil, nil, errResp
	}
	id, ok, err := intParam(p, "message_id")
	if err != nil || !ok {
		return fail("message identifier is not specified")
	}
	m := c.byID[id]
	if m == nil || m.deleted {
		return fail("message to edit not found")
	}
	if !m.fromBot {
		return fail("message can't be edited")
	}
	return c, m, nil
}

func (a *botAPI) editMessageText(r *request) response {
	p := r.params
	c, m, fail := a.editTarget(p)
	if fail != nil {
		return *fail
	}
	if m.kind != "text" {
		return badRequest("there is no text in the message to edit")
	}
	text, entities, fail := formatText(p["text"], p["parse_mode"], p["entities"], maxTextLength, "message is too long")
	if fail != nil {
		return *fail
	}
	if text == "" {
		return badRequest("message text is empty")
	}
	mk, fail := parseMarkup(p["reply_markup"])
	if fail != nil {
		return *fail
	}
	// Without reply_markup the inline keyboard goes away, as in Telegram.
	if text == m.text && slices.Equal(entities, m.entities) && mk.sameInline(m.markup) {
		return badRequest(notModified)
	}
	m.text, m.entities, m.source, m.parseMode = text, entities, p["text"], p["parse_mode"]
	m.markup.inline, m.markup.rows = mk.inline, mk.rows
	if prev := rawJSON(p["link_preview_options"]); prev != nil {
		m.preview = prev
	}
	a.editedLocked(m)
	return okResult(c.wire(m))
}

func (a *botAPI) editMessageReplyMarkup(r *request) response {
	c, m, fail := a.editTarget(r.params)
	if fail != nil {
		return *fail
	}
	mk, fail := parseMarkup(r.params["reply_markup"])
	if fail != nil {
		return *fail
	}
	if mk.sameInline(m.markup) {
		return badRequest(notModified)
	}
	m.markup.inline, m.markup.rows = mk.inline, mk.rows
	a.editedLocked(m)
	return okResult(c.wire(m))
}

func (a *botAPI) editedLocked(m *message) {
	m.edits++
	m.editDate = time.Now().Unix()
	a.touchLocked()
}

func (a *botAPI) deleteMessage(r *request) response {
	c, fail := a.chatParam(r.params, false)
	if fail != nil {
		return *fail
	}
	id, ok, err := intParam(r.params, "message_id")
	if err != nil || !ok {
		return badRequest("message identifier is not specified")
	}
	m := c.byID[id]
	if m == nil || m.deleted {
		return badRequest("message to delete not found")
	}
	m.deleted = true
	a.touchLocked()
	return okResult(true)
}

// deleteMessages deletes the messages it finds and skips the others, as
// Telegram does; only when none of them exists is it an error.
func (a *botAPI) deleteMessages(r *request) response {
	c, fail := a.chatParam(r.params, false)
	if fail != nil {
		return *fail
	}
	var ids []int64
	if json.Unmarshal([]byte(r.params["message_ids"]), &ids) != nil || len(ids) == 0 {
		return badRequest("message identifiers are not specified")
	}
	if len(ids) > 100 {
		return badRequest("too many message identifiers specified")
	}
	deleted := 0
	for _, id := range ids {
		if m := c.byID[id]; m != nil && !m.deleted {
			m.deleted = true
			deleted++
		}
	}
	if deleted == 0 {
		return badRequest("message to delete not found")
	}
	a.touchLocked()
	return okResult(true)
}

// sendDocument takes the document as an uploaded file (field "document",
// or "attach://<field>") or as a file_id/URL string.
func (a *botAPI) sendDocument(r *request) response {
	p := r.params
	c, fail := a.chatParam(p, true)
	if fail != nil {
		return *fail
	}
	var doc *File
	fileID := fmt.Sprintf("doc-%d-%d", c.id, c.nextID)
	media := map[string]any{"file_id": fileID, "file_unique_id": "u" + fileID}
	if f, ok := r.files["document"]; ok {
		doc = &f
	} else if v := p["document"]; strings.HasPrefix(v, "attach://") {
		f, ok := r.files[strings.TrimPrefix(v, "attach://")]
		if !ok {
			return badRequest("wrong file identifier/HTTP URL specified")
		}
		doc = &f
	} else if v != "" {
		media["file_id"] = v // a file_id or URL: nothing to inspect
	} else {
		return badRequest("there is no document in the request")
	}
	if doc != nil {
		if len(doc.Data) == 0 {
			return badRequest("file must be non-empty")
		}
		mt := mime.TypeByExtension(filepath.Ext(doc.Filename))
		if mt == "" {
			mt = doc.ContentType
		}
		media["file_name"], media["mime_type"], media["file_size"] = doc.Filename, mt, len(doc.Data)
	}
	caption, entities, fail := formatText(p["caption"], p["parse_mode"], p["caption_entities"], maxCaptionLength, "message caption is too long")
	if fail != nil {
		return *fail
	}
	mk, fail := parseMarkup(p["reply_markup"])
	if fail != nil {
		return *fail
	}
	mediaJSON, _ := json.Marshal(media)
	m := &message{
		fromBot: true, from: botUser(), kind: "document", text: caption, entities: entities,
		source: p["caption"], parseMode: p["parse_mode"], markup: mk, media: mediaJSON, document: doc,
	}
	a.addLocked(c, m)
	return okResult(c.wire(m))
}
