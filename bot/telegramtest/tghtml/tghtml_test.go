package tghtml_test

import (
	"html"
	"slices"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest/tghtml"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		text     string
		entities []models.MessageEntity
	}{
		{"plain", "hello", "hello", nil},
		{"bold and italic", "<b>bold</b> and <i>italic</i>", "bold and italic", []models.MessageEntity{
			{Type: "bold", Offset: 0, Length: 4}, {Type: "italic", Offset: 9, Length: 6}}},
		{"named entities", "a &lt; b &amp;&amp; c &gt; d &quot;q&quot;", `a < b && c > d "q"`, nil},
		{"numeric entities", "&#128512; &#x1F600; &#39;", "😀 😀 '", nil},
		{"bare greater-than", "2 > 1", "2 > 1", nil},
		{"upper-case tags", "<B>x</B>", "x", []models.MessageEntity{{Type: "bold", Offset: 0, Length: 1}}},
		{"utf16 offsets", "😀<b>x</b>", "😀x", []models.MessageEntity{{Type: "bold", Offset: 2, Length: 1}}},
		{"link with escaped query", `<a href="https://example.org/?a=1&amp;b=2">link</a>`, "link",
			[]models.MessageEntity{{Type: "text_link", Offset: 0, Length: 4, URL: "https://example.org/?a=1&b=2"}}},
		{"spoilers", `<span class="tg-spoiler">a</span><tg-spoiler>b</tg-spoiler>`, "ab", []models.MessageEntity{
			{Type: "spoiler", Offset: 0, Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{"expandable blockquote", "<blockquote expandable>q</blockquote>", "q",
			[]models.MessageEntity{{Type: "expandable_blockquote", Offset: 0, Length: 1}}},
		{"pre with language", `<pre><code class="language-go">x := 1</code></pre>`, "x := 1",
			[]models.MessageEntity{{Type: "pre", Offset: 0, Length: 6, Language: "go"}}},
		{"nested, outer first", "<b>a<i>b</i></b>", "ab", []models.MessageEntity{
			{Type: "bold", Offset: 0, Length: 2}, {Type: "italic", Offset: 1, Length: 1}}},
		{"empty tag gives no entity", "<b></b>x", "x", nil},
		{"all aliases", "<strong>1</strong><em>2</em><ins>3</ins><u>4</u><s>5</s><strike>6</strike><del>7</del><code>8</code>",
			"12345678", []models.MessageEntity{
				{Type: "bold", Offset: 0, Length: 1}, {Type: "italic", Offset: 1, Length: 1},
				{Type: "underline", Offset: 2, Length: 1}, {Type: "underline", Offset: 3, Length: 1},
				{Type: "strikethrough", Offset: 4, Length: 1}, {Type: "strikethrough", Offset: 5, Length: 1},
				{Type: "strikethrough", Offset: 6, Length: 1}, {Type: "code", Offset: 7, Length: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, entities, err := tghtml.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if text != tt.text {
				t.Errorf("text = %q, want %q", text, tt.text)
			}
			if !slices.Equal(entities, tt.entities) {
				t.Errorf("entities = %+v, want %+v", entities, tt.entities)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a < b", `Unsupported start tag ""`},
		{"I <3 you", `Unsupported start tag "3"`},
		{"<div>x</div>", `Unsupported start tag "div"`},
		{"<b>bold", `Can't find end tag corresponding to start tag "b"`},
		{"<b><i>x</b></i>", `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{"<b>x</strong>", `expected "</b>", found "</strong>"`},
		{"x</b>", "Unexpected end tag at byte offset 1"},
		{"x <b", "Unclosed start tag"},
		{"<b>x</b", "Unclosed end tag"},
		{"Tom & Jerry", "unsupported HTML entity at byte offset 4"},
		{"&nbsp;", "unsupported HTML entity"},
		{"&lt", "unsupported HTML entity"},
		{"&#0;", "unsupported HTML entity"},
		{"&#xD800;", "unsupported HTML entity"},
		{"&#x110000;", "unsupported HTML entity"},
		{"&#;", "unsupported HTML entity"},
		{"<span>x</span>", `Tag "span" must have class "tg-spoiler"`},
		{`<span class="other">x</span>`, `Tag "span" must have class "tg-spoiler"`},
		{"<a href=https://x.org>y</a>", "Unexpected end of name token"},
		{"<b foo>x</b>", "Expected equal sign"},
		{`<a href="x>y</a>`, "Unclosed start tag"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := tghtml.Validate(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate(%q) = %v, want error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

// FuzzValidate checks that the parser never panics, that what it
// accepts has entities inside the text, and that any text escaped with
// html.EscapeString is valid and parses back to itself.
func FuzzValidate(f *testing.F) {
	for _, seed := range []string{
		"", "plain", "<b>bold</b>", "a < b & c", "<a href=\"https://x.org/?a=1&b=2\">x</a>",
		"<pre><code class=\"language-go\">x</code></pre>", "😀 &#128512; &#x1F600;", "<b><i>x</b></i>",
		"<blockquote expandable>q</blockquote>", "\xff\xfe<", "&#99999999999;", "<span class='tg-spoiler'>s</span>",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if text, entities, err := tghtml.Parse(s); err == nil {
			size := len([]rune(text)) * 2 // an upper bound for the UTF-16 length
			for _, e := range entities {
				if e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > size {
					t.Fatalf("Parse(%q): entity %+v outside text %q", s, e, text)
				}
			}
		}
		escaped := html.EscapeString(s)
		text, entities, err := tghtml.Parse(escaped)
		if err != nil {
			t.Fatalf("Parse(EscapeString(%q)) = %v", s, err)
		}
		if text != s || len(entities) != 0 {
			t.Fatalf("Parse(EscapeString(%q)) = %q, %v; want the input back", s, text, entities)
		}
	})
}
