package dialog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// docExamples returns the ```toml blocks of docs/flows.md that start with
// "# example: <name>", by name.
func docExamples(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "docs", "flows.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	blocks := strings.Split(string(data), "```toml\n")
	for _, b := range blocks[1:] {
		body, _, _ := strings.Cut(b, "```")
		first, _, _ := strings.Cut(body, "\n")
		if name, ok := strings.CutPrefix(first, "# example: "); ok {
			out[name] = body
		}
	}
	return out
}

func TestDocsExampleFlow(t *testing.T) {
	ex := docExamples(t)
	has := map[string]map[string]bool{}
	for _, lang := range []string{"nl", "en"} {
		var msgs map[string]any
		if _, err := toml.Decode(ex[lang+".toml"], &msgs); err != nil || len(msgs) == 0 {
			t.Fatalf("example %s.toml: %v", lang, err)
		}
		has[lang] = map[string]bool{}
		for id := range msgs {
			has[lang][id] = true
		}
	}
	// answer.yes and answer.no come with the bot.
	everywhere := func(id string) bool {
		return id == "answer.yes" || id == "answer.no" || (has["nl"][id] && has["en"][id])
	}
	f, err := ParseFlow([]byte(ex["flow.toml"]), everywhere)
	if err != nil {
		t.Fatalf("the example flow in docs/flows.md is refused: %v", err)
	}
	kinds := map[Kind]bool{}
	for _, q := range f.Questions {
		kinds[q.Kind] = true
	}
	if len(kinds) != 6 {
		t.Fatalf("the example shows %d of the 6 kinds", len(kinds))
	}
	// No message in the example files that the flow does not use.
	need := map[string]bool{}
	for _, id := range f.MessageIDs() {
		need[id] = true
	}
	for lang, ids := range has {
		for id := range ids {
			if !need[id] {
				t.Errorf("example %s.toml has %q, which the flow does not use", lang, id)
			}
		}
	}
	walkFlow(t, f)
}
