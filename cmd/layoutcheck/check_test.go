package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const testModule = "example.com/m"

// writeModule writes go.mod and files (path -> content) under a temporary
// folder and returns it.
func writeModule(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files["go.mod"] = "module " + testModule + "\n\ngo 1.26\n"
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// lines is a file of package pkg with exactly n lines, importing imports.
func lines(pkg string, n int, imports ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n", pkg)
	for _, imp := range imports {
		fmt.Fprintf(&b, "import _ %q\n", imp)
	}
	for i := 1 + len(imports); i < n; i++ {
		b.WriteString("\n")
	}
	return b.String()
}

// methods is a file declaring type T with n methods, half of them on *T.
func methods(pkg string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\ntype T[P any] struct{}\n\n", pkg)
	for i := range n {
		star := ""
		if i%2 == 0 {
			star = "*"
		}
		fmt.Fprintf(&b, "func (%sT[P]) M%d() {}\n", star, i)
	}
	return b.String()
}

// ifaceDecl is an interface declaration named name with n methods and the
// given embedded interfaces.
func ifaceDecl(name string, n int, embeds ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "type %s interface {\n", name)
	for _, e := range embeds {
		fmt.Fprintf(&b, "\t%s\n", e)
	}
	for i := range n {
		fmt.Fprintf(&b, "\t%sM%d()\n", name, i)
	}
	b.WriteString("}\n")
	return b.String()
}

func mod(rel string) string { return testModule + "/" + rel }

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // a violation that must be reported; "" for a clean tree
	}{
		{"clean tree", map[string]string{
			"dialog/d.go":              lines("dialog", 10),
			"bot/domain/d.go":          lines("domain", 10, mod("dialog")),
			"bot/b.go":                 lines("bot", 10, mod("bot/domain"), "github.com/go-telegram/bot"),
			"storage/s.go":             lines("storage", 10, mod("bot/domain")),
			"cmd/app/main.go":          lines("main", 10, mod("bot"), mod("storage")),
			"bot/telegramtest/fake.go": lines("telegramtest", 10, mod("bot")),
		}, ""},

		{"package at the limit", map[string]string{"bot/b.go": lines("bot", 2500)}, ""},
		{"package over the limit", map[string]string{"bot/a.go": lines("bot", 2000), "bot/b.go": lines("bot", 501)},
			"package bot has 2501 lines"},
		{"cmd may be large", map[string]string{"cmd/app/main.go": lines("main", 9000)}, ""},
		{"test files and testdata do not count", map[string]string{
			"bot/b.go":            lines("bot", 10),
			"bot/b_test.go":       lines("bot", 9000),
			"bot/testdata/big.go": lines("big", 9000),
		}, ""},

		{"type at the limit", map[string]string{"bot/t.go": methods("bot", 40)}, ""},
		{"type over the limit", map[string]string{"bot/t.go": methods("bot", 41)}, "type bot.T has 41 methods"},
		{"methods in test files do not count", map[string]string{
			"bot/t.go":      methods("bot", 40),
			"bot/t_test.go": "package bot\n\nfunc (T[P]) Extra() {}\n",
		}, ""},

		{"interface at the limit", map[string]string{
			"bot/i.go": "package bot\n\n" + ifaceDecl("A", 4) + ifaceDecl("B", 6, "A"),
		}, ""},
		{"interface over the limit", map[string]string{"bot/i.go": "package bot\n\n" + ifaceDecl("I", 11)},
			"interface bot.I has 11 methods"},
		{"embedded interface of the package", map[string]string{
			"bot/i.go": "package bot\n\n" + ifaceDecl("A", 5) + ifaceDecl("B", 6, "A"),
		}, "interface bot.B has 11 methods"},
		{"embedded interface of another package", map[string]string{
			"dialog/a.go": "package dialog\n\n" + ifaceDecl("A", 5),
			"bot/b.go":    "package bot\n\nimport d \"" + mod("dialog") + "\"\n\n" + ifaceDecl("B", 6, "d.A"),
		}, "interface bot.B has 11 methods"},
		{"embedded interfaces from the standard library", map[string]string{
			"bot/b.go": "package bot\n\nimport (\n\tstdio \"io\"\n\t\"encoding/json\"\n)\n\n" + ifaceDecl("B", 7, "stdio.ReadCloser", "error", "json.Marshaler"),
		}, "interface bot.B has 11 methods"},
		{"a method embedded twice counts once", map[string]string{
			"bot/b.go": "package bot\n\n" + ifaceDecl("A", 5) + ifaceDecl("B", 0, "A") + ifaceDecl("C", 0, "A") + ifaceDecl("D", 5, "B", "C"),
		}, ""},

		{"telegram edge at the limit", map[string]string{
			"bot/b.go":                 lines("bot", 1500, "github.com/go-telegram/bot"),
			"bot/telegram/t.go":        lines("telegram", 1500, "github.com/go-telegram/bot/models"),
			"bot/telegramtest/fake.go": lines("telegramtest", 2000, "github.com/go-telegram/bot"),
			"cmd/app/main.go":          lines("main", 2000, "github.com/go-telegram/bot"),
			"storage/s_test.go":        lines("storage", 2000, "github.com/go-telegram/bot"),
			"storage/s.go":             lines("storage", 2000),
			"bot/render/r.go":          lines("render", 2000, "github.com/go-telegram/botkit"),
		}, ""},
		{"telegram edge over the limit", map[string]string{
			"bot/b.go":          lines("bot", 1500, "github.com/go-telegram/bot"),
			"bot/telegram/t.go": lines("telegram", 1501, "github.com/go-telegram/bot/models"),
		}, "have 3001 lines together"},

		{"dialog imports the domain", map[string]string{
			"dialog/d.go":     lines("dialog", 3, mod("bot/domain")),
			"bot/domain/d.go": lines("domain", 3),
		}, "package dialog imports bot/domain"},
		{"storage imports the bot", map[string]string{"storage/s.go": lines("storage", 3, mod("bot"))},
			"package storage imports bot"},
		{"a storage subpackage imports a bot subpackage", map[string]string{"storage/redis/s.go": lines("redis", 3, mod("bot/render"))},
			"package storage/redis imports bot/render"},
		{"a storage fake may import the bot", map[string]string{"storage/redistest/s.go": lines("redistest", 3, mod("bot"))}, ""},
		{"the bot imports storage", map[string]string{"bot/chat/c.go": lines("chat", 3, mod("storage"))},
			"package bot/chat imports storage"},
		{"the bot imports a storage subpackage", map[string]string{"bot/b.go": lines("bot", 3, mod("storage/redistest"))},
			"package bot imports storage/redistest"},
		{"bot tests may import storage", map[string]string{
			"bot/b.go":      lines("bot", 3),
			"bot/b_test.go": lines("bot", 3, mod("storage")),
		}, ""},
		{"the domain imports the bot", map[string]string{"bot/domain/d.go": lines("domain", 3, mod("bot/render"))},
			"package bot/domain imports bot/render"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Check(writeModule(t, tt.files), DefaultConfig)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(r.Violations) > 0 {
					t.Errorf("violations on a clean tree:\n%s", strings.Join(r.Violations, "\n"))
				}
				return
			}
			if len(r.Violations) != 1 || !strings.Contains(r.Violations[0], tt.want) {
				t.Errorf("violations:\n%s\nwant exactly one containing %q", strings.Join(r.Violations, "\n"), tt.want)
			}
		})
	}
}

func TestReport(t *testing.T) {
	root := writeModule(t, map[string]string{
		"bot/b.go": lines("bot", 3000, "github.com/go-telegram/bot"),
		"bot/i.go": "package bot\n\nimport \"net/http\"\n\n" + ifaceDecl("I", 2, "http.Handler"),
	})
	r, err := Check(root, DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	r.Write(&out)
	words := strings.Join(strings.Fields(out.String()), " ") // tables aligned any way
	for _, want := range []string{
		"package lines bot 3009 Types",
		"Widest interfaces (limit 10): bot.I 2",
		"bot 3009 together 3009",
		"bot.I embeds net/http.Handler from outside the module",
		"package bot has 3009 lines (limit 2500)",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestFindRoot(t *testing.T) {
	root := writeModule(t, map[string]string{"bot/chat/c.go": lines("chat", 1)})
	got, err := findRoot(filepath.Join(root, "bot", "chat"))
	if err != nil {
		t.Fatal(err)
	}
	if got != root {
		t.Errorf("findRoot = %s, want %s", got, root)
	}
	if mp, err := modulePath(got); err != nil || mp != testModule {
		t.Errorf("modulePath = %q, %v; want %q", mp, err, testModule)
	}
}

// TestRepositoryLayout checks this repository's own layout.
// debts are rule breaks the layout has not paid off yet, each with the
// figure it may not exceed. A debt may shrink, never grow; a new rule break
// fails, and so does a paid debt still listed here (lower its figure or
// remove its line, so that the list stays the truth). Today there are none:
// keep it that way, or list a new break here with the reason in the commit.
var debts = map[string]int{}

// violation reads "package bot has 4805 lines (limit 2500)" as the debt's
// name and its figure.
var violation = regexp.MustCompile(`^(package|type|interface) (\S+) has (\d+) (lines|methods) \(limit \d+\)$`)

func TestRepositoryLayout(t *testing.T) {
	root, err := findRoot("../..")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Check(root, DefaultConfig)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, v := range r.Violations {
		m := violation.FindStringSubmatch(v)
		if m == nil {
			t.Error(v)
			continue
		}
		name := m[1] + " " + m[2] + " " + m[4]
		n, _ := strconv.Atoi(m[3])
		limit, owed := debts[name]
		switch {
		case !owed:
			t.Error(v)
		case n > limit:
			t.Errorf("%s: the debt grew from %d", v, limit)
		case n < limit:
			t.Errorf("%s: the debt shrank from %d; lower it in debts", v, limit)
		}
		seen[name] = true
	}
	for name := range debts {
		if !seen[name] {
			t.Errorf("%s is paid: remove it from debts", name)
		}
	}
}
