package render_test

import (
	"html"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegramtest/tghtml"
	"github.com/intakebot/intakebot/dialog"
)

// units counts UTF-16 code units, as Telegram does.
func units(s string) int { return len(utf16.Encode([]rune(s))) }

// styled is one visible character with the formatting it shows in.
type styled struct {
	r     rune
	style string // "", "b", "i" or "bi"
}

// visibleChars parses Telegram HTML and returns its characters with their
// formatting, leaving out whitespace (Split may trim that at a cut, and
// Telegram trims it at the ends of a message).
func visibleChars(tb testing.TB, s string) []styled {
	tb.Helper()
	text, entities, err := tghtml.Parse(s)
	if err != nil {
		tb.Fatalf("invalid HTML: %v\n%q", err, s)
	}
	// How many bold and italic entities start (+1) and end (-1) at each
	// UTF-16 offset.
	n := units(text)
	bold, italic := make([]int, n+1), make([]int, n+1)
	for _, e := range entities {
		switch e.Type {
		case "bold":
			bold[e.Offset]++
			bold[e.Offset+e.Length]--
		case "italic":
			italic[e.Offset]++
			italic[e.Offset+e.Length]--
		}
	}
	var out []styled
	at, inBold, inItalic := 0, 0, 0 // UTF-16 offset of r, entities over it
	for _, r := range text {
		w := utf16.RuneLen(r)
		for k := at; k < at+w; k++ {
			inBold += bold[k]
			inItalic += italic[k]
		}
		if !unicode.IsSpace(r) {
			st := ""
			if inBold > 0 {
				st += "b"
			}
			if inItalic > 0 {
				st += "i"
			}
			out = append(out, styled{r, st})
		}
		at += w
	}
	return out
}

// checkPieces asserts what a person reading the pieces notices: Telegram
// accepts each one (valid HTML, within the limit, not empty) and together
// they show every character of in, in order, with its formatting.
// Formatting nested so deep that its tags alone nearly fill the limit can't
// be reopened after a cut; then only the characters must be there.
func checkPieces(tb testing.TB, in string, pieces []string, limit int) {
	tb.Helper()
	// Reopen and close every <b>/<i> (7 units a level), plus one more tag
	// and the longest entity.
	keepStyle := nesting(in)*7+7+12 <= limit
	var got []styled
	for i, p := range pieces {
		if n := units(p); n > limit {
			tb.Fatalf("piece %d has %d UTF-16 units, limit %d", i, n, limit)
		}
		if err := tghtml.Validate(p); err != nil {
			tb.Fatalf("piece %d is refused by Telegram: %v\n%q", i, err, p)
		}
		if strings.TrimSpace(render.PlainText(p)) == "" {
			tb.Fatalf("piece %d shows nothing (Telegram refuses an empty message): %q\npieces: %q", i, p, pieces)
		}
		got = append(got, visibleChars(tb, p)...)
	}
	want := visibleChars(tb, in)
	if len(got) != len(want) {
		tb.Fatalf("%d visible characters in the pieces, %d in the text\npieces: %q", len(got), len(want), pieces)
	}
	for i := range want {
		if got[i].r != want[i].r || (keepStyle && got[i] != want[i]) {
			tb.Fatalf("visible character %d is %q (%q), want %q (%q)\npieces: %q", i, got[i].r, got[i].style, want[i].r, want[i].style, pieces)
		}
	}
}

// nesting is how deep tags nest in s at most.
func nesting(s string) int {
	depth, deepest := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		if strings.HasPrefix(s[i:], "</") {
			depth--
		} else {
			depth++
			deepest = max(deepest, depth)
		}
	}
	return deepest
}

func TestSplitLeavesShortTextAlone(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"empty", ""},
		{"short", "<b>Hoi</b> &amp; welkom"},
		{"exactly the limit", strings.Repeat("a", render.MaxMessageLen)},
		{"emoji up to the limit", strings.Repeat("😀", render.MaxMessageLen/2)},
		{"accents count once", strings.Repeat("é", render.MaxMessageLen)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := render.Split(tc.text, render.MaxMessageLen)
			if len(got) != 1 || got[0] != tc.text {
				t.Fatalf("Split changed a text within the limit into %d pieces", len(got))
			}
		})
	}
}

func TestSplitLongAnswerArrivesWhole(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 10000; i++ {
		b.WriteString("Ik wil <graag> een eigen huis & een baan, ")
	}
	answer := strings.TrimSpace(b.String()[:10000])
	r := bottest.Renderer(t)
	body := r.Message("nl", dialog.Message{Parts: []dialog.Text{
		dialog.T("progress", "N", 7, "Total", 30, "Topic", dialog.T("topic.experience")),
		dialog.T("q.worked"),
		dialog.T("answer.current", "Answer", []dialog.Text{dialog.Raw(answer)}),
	}})
	pieces := render.Split(body, render.MaxMessageLen)
	if len(pieces) < 3 {
		t.Fatalf("%d pieces for %d units", len(pieces), units(body))
	}
	checkPieces(t, body, pieces, render.MaxMessageLen)
	var visible []string
	for _, p := range pieces {
		visible = append(visible, render.PlainText(p))
	}
	if !strings.Contains(strings.Join(visible, " "), answer) {
		t.Fatal("the answer does not read the same across the pieces")
	}
}

func TestSplitCountsUTF16Units(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		pieces int
	}{
		{"emoji count twice", strings.Repeat("😀", 2100), 2},
		{"emoji just over", strings.Repeat("😀", render.MaxMessageLen/2+1), 2},
		{"emoji and words", strings.Repeat("Hoi 👋🏽 ", 1000), 3},
		{"accents count once", strings.Repeat("ë", 3000), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pieces := render.Split(tc.text, render.MaxMessageLen)
			if len(pieces) != tc.pieces {
				t.Fatalf("%d pieces, want %d", len(pieces), tc.pieces)
			}
			for i, p := range pieces {
				if !utf8.ValidString(p) {
					t.Fatalf("piece %d cuts a character in half", i)
				}
			}
			checkPieces(t, tc.text, pieces, render.MaxMessageLen)
		})
	}
}

func TestSplitReopensFormattingAfterACut(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"bold", "<b>" + strings.Repeat("vet ", 2000) + "</b>"},
		{"nested", "<b>vet <i>" + strings.Repeat("vet en schuin ", 700) + "</i> vet</b> gewoon"},
		{"closing at the very end", "<b>" + strings.Repeat("x", 4090) + "</b>\n\n"},
		{"cut in trailing spaces", "<b>" + strings.Repeat("x", 4080) + strings.Repeat(" ", 100) + "</b>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkPieces(t, tc.text, render.Split(tc.text, render.MaxMessageLen), render.MaxMessageLen)
		})
	}
}

func TestSplitPrefersBlankLinesThenLinesThenSpaces(t *testing.T) {
	a, b, c := strings.Repeat("a", 60), strings.Repeat("b", 20), strings.Repeat("c", 60)
	tests := []struct {
		name  string
		text  string
		first string
	}{
		{"blank line", a + "\n\n" + b + "\n" + b + " " + c, a},
		{"line end", a + "\n" + b + " " + c, a},
		{"space", a + " " + b + "x" + c, a},
		{"blank line too early", "aaaa\n\n" + a + "\n" + c, "aaaa\n\n" + a},
		{"no room to choose", strings.Repeat("z", 250), strings.Repeat("z", 100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pieces := render.Split(tc.text, 100)
			if pieces[0] != tc.first {
				t.Fatalf("first piece = %q, want %q", pieces[0], tc.first)
			}
			checkPieces(t, tc.text, pieces, 100)
		})
	}
}

func TestSplitDeepFormattingStillArrives(t *testing.T) {
	text := strings.Repeat("<b><i>", 10) + strings.Repeat("diep genest ", 30) + strings.Repeat("</i></b>", 10) + " en klaar"
	pieces := render.Split(text, 64)
	checkPieces(t, text, pieces, 64)
	if len(pieces) > 10 {
		t.Fatalf("%d messages for %d visible characters", len(pieces), len(render.PlainText(text)))
	}
}

func TestSplitNeverCutsAnEntity(t *testing.T) {
	for pad := 90; pad < 100; pad++ {
		text := strings.Repeat("x", pad) + "&amp;&lt;&gt;&quot;&#39;" + strings.Repeat("y", 50)
		pieces := render.Split(text, 100)
		checkPieces(t, text, pieces, 100)
	}
}

// fuzzHTML turns any string into Telegram HTML as the renderer makes it:
// escaped text in random <b> and <i> and line ends, repeated or cut to
// about target UTF-16 units (at least one character), so that cuts are
// likely and one run stays fast.
func fuzzHTML(s string, rng *rand.Rand, target int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if s == "" {
		return ""
	}
	var b strings.Builder
	var open []string
	for n := 0; n == 0 || n < target; {
		for _, r := range s {
			if n > 0 && n >= target {
				break
			}
			switch rng.IntN(12) {
			case 0:
				b.WriteString("<b>")
				open = append(open, "b")
			case 1:
				b.WriteString("<i>")
				open = append(open, "i")
			case 2, 3:
				if len(open) > 0 {
					b.WriteString("</" + open[len(open)-1] + ">")
					open = open[:len(open)-1]
				}
			case 4:
				b.WriteString("\n")
			case 5:
				b.WriteString("\n\n")
			}
			e := html.EscapeString(string(r))
			b.WriteString(e)
			n += units(e)
		}
	}
	for len(open) > 0 {
		b.WriteString("</" + open[len(open)-1] + ">")
		open = open[:len(open)-1]
	}
	return b.String()
}

func FuzzSplit(f *testing.F) {
	f.Add("Ik wil een eigen huis & een baan <later>.", uint16(0), uint64(1))
	f.Add("😀👋🏽 emoji", uint16(100), uint64(2))
	f.Add("a", uint16(4032), uint64(3))
	f.Add("woord ", uint16(7), uint64(4))
	f.Add("\"quotes\" and 'apostrophes'", uint16(300), uint64(5))
	f.Add("x\ny\n\nz", uint16(1), uint64(6))
	f.Fuzz(func(t *testing.T, s string, l uint16, seed uint64) {
		limit := 64 + int(l)%(render.MaxMessageLen-64+1)
		rng := rand.New(rand.NewPCG(seed, seed>>32))
		in := fuzzHTML(s, rng, rng.IntN(3*limit+1))
		if tghtml.Validate(in) != nil {
			return // not an input the renderer could make: nothing to check
		}
		if strings.TrimSpace(render.PlainText(in)) == "" {
			return // nothing to send at all
		}
		checkPieces(t, in, render.Split(in, limit), limit)
	})
}

func BenchmarkSplit10k(b *testing.B) {
	var sb strings.Builder
	for sb.Len() < 10000 {
		sb.WriteString("<b>Dromen</b>: Ik wil een eigen huis &amp; een baan.\n")
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		render.Split(text, render.MaxMessageLen)
	}
}
