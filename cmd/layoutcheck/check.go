// Command layoutcheck measures the layout of the module and checks it
// against a few rules, so that the layout stays as the layout issue set it:
// packages small enough to understand in one sitting, narrow interfaces
// declared where they are used, and the Telegram edge kept thin.
//
// It parses the module's Go files with go/parser (standard library only, no
// type checking) and leaves out _test.go files and testdata folders. It
// measures:
//
//   - lines of Go code per package directory (physical lines, as wc -l
//     counts them); no package outside cmd/ may have more than 2,500;
//   - methods declared per named type, pointer receiver or not; no type may
//     have more than 40;
//   - methods per interface type, embedded interfaces included; no
//     interface may have more than 10;
//   - the packages that import github.com/go-telegram/bot or one of its
//     subpackages, leaving out cmd/... and test fakes (packages with a path
//     element ending in "test"); together they may have at most 3,000 lines;
//   - the direction of imports between the module's packages, by the table
//     importRules below.
//
// Usage:
//
//	go run ./cmd/layoutcheck [-root DIR]
//
// It prints a report and every violation, and exits 1 on a violation.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Limits are the numeric rules.
type Limits struct {
	PackageLines     int // per package directory outside cmd/
	TypeMethods      int // per named type
	InterfaceMethods int // per interface type
	TelegramLines    int // the go-telegram importers together
}

// ImportRule forbids the packages matched by From to import the module
// packages matched by Deny, except those matched by Allow. Patterns are
// paths relative to the module root; "x/..." matches x and everything under
// it, and "..." matches every package of the module.
type ImportRule struct {
	From      string
	SkipFakes bool // leave out From packages whose path ends in "test"
	Deny      string
	Allow     []string
	Why       string
}

// Config is what Check checks against.
type Config struct {
	Limits      Limits
	ImportRules []ImportRule
	// Telegram is the import path whose importers (and importers of its
	// subpackages) make the Telegram edge.
	Telegram string
}

// importRules is the layering: dialog at the bottom, bot/domain on top of
// it, storage beside the rooms of bot/ and knowing only their domain.
var importRules = []ImportRule{
	{From: "dialog", Deny: "...", Allow: []string{"dialog/tomlline", "dialog/screen"}, Why: "dialog is the questionnaire engine and stands alone"},
	{From: "dialog/tomlline", Deny: "...", Why: "finding a line in a TOML file stands alone"},
	{From: "dialog/screen", Deny: "...", Why: "the plain parts of a screen stand alone"},
	{From: "dialog/checkin", Deny: "...", Allow: []string{"dialog"}, Why: "the check-in's flow is data for the engine, nothing more"},
	{From: "storage/...", SkipFakes: true, Deny: "bot/...", Allow: []string{"bot/domain"},
		Why: "storage knows the domain, not the bot"},
	{From: "storage/sendbudget", Deny: "...", Allow: []string{"storage/redistest", "storage/memory"},
		Why: "the shared send budget is one script on one key and stands alone"},
	{From: "bot/...", Deny: "storage/...", Why: "the bot reaches storage through interfaces; cmd/ wires them"},
	{From: "bot/domain", Deny: "...", Allow: []string{"dialog"}, Why: "the domain is plain data on top of dialog"},
	{From: "bot/alerts", Deny: "...", Allow: workflowImports, Why: "a workflow reaches other workflows and the edge through interfaces of its own; the house wires them"},
	{From: "bot/conversation", Deny: "...", Allow: workflowImports, Why: "a workflow reaches other workflows and the edge through interfaces of its own; the house wires them"},
	{From: "bot/handoff", Deny: "...", Allow: workflowImports, Why: "a workflow reaches other workflows and the edge through interfaces of its own; the house wires them"},
	{From: "bot/privacy", Deny: "...", Allow: workflowImports, Why: "a workflow reaches other workflows and the edge through interfaces of its own; the house wires them"},
	{From: "bot/staff", Deny: "...", Allow: workflowImports, Why: "a workflow reaches other workflows and the edge through interfaces of its own; the house wires them"},
	{From: "dialog/crisis", Deny: "...", Allow: []string{"dialog/glyph"}, Why: "the crisis word lists stand alone"},
	{From: "dialog/glyph", Deny: "...", Why: "what letters look like is shared by the matcher and the renderer and stands alone"},
}

// workflowImports are what a workflow (a room of bot/) may import of the
// module: the engine and the shared parts, never another workflow, the
// Telegram edge or storage.
var workflowImports = []string{"dialog", "bot/chat", "bot/domain", "bot/team", "bot/render", "bot/background", "bot/jobs", "bot/metrics"}

// DefaultConfig holds the rules of the layout issue.
var DefaultConfig = Config{
	Limits:      Limits{PackageLines: 2500, TypeMethods: 40, InterfaceMethods: 10, TelegramLines: 3000},
	ImportRules: importRules,
	Telegram:    "github.com/go-telegram/bot",
}

// knownInterfaces are the method sets of interfaces from outside the module
// that may be embedded. Others from outside count as zero methods and are
// listed in the report's notes.
var knownInterfaces = map[string][]string{ // by import path and name
	"error":                     {"Error"},
	"fmt.Stringer":              {"String"},
	"io.Reader":                 {"Read"},
	"io.Writer":                 {"Write"},
	"io.Closer":                 {"Close"},
	"io.ReadCloser":             {"Read", "Close"},
	"io.WriteCloser":            {"Write", "Close"},
	"io.ReadWriter":             {"Read", "Write"},
	"io.ReadWriteCloser":        {"Read", "Write", "Close"},
	"context.Context":           {"Deadline", "Done", "Err", "Value"},
	"sort.Interface":            {"Len", "Less", "Swap"},
	"encoding.TextMarshaler":    {"MarshalText"},
	"encoding.TextUnmarshaler":  {"UnmarshalText"},
	"encoding/json.Marshaler":   {"MarshalJSON"},
	"encoding/json.Unmarshaler": {"UnmarshalJSON"},
}

// Package is one package directory of the module.
type Package struct {
	Path    string          // relative to the module root, "." for the root
	Lines   int             // physical lines of the non-test .go files
	Imports map[string]bool // import paths of the non-test files
	files   []*ast.File
	name    string
}

// Count is a named measure: a type or interface and its number of methods.
type Count struct {
	Name string
	N    int
}

// Report is what Check found.
type Report struct {
	Module        string
	Packages      []*Package // sorted by path
	Types         []Count    // by methods, most first
	Interfaces    []Count    // by methods, most first
	Telegram      []*Package // the Telegram edge
	TelegramLines int
	Notes         []string // limitations met on the way
	Violations    []string
	limits        Limits
}

// Check parses the module at root and checks it against cfg.
func Check(root string, cfg Config) (*Report, error) {
	mod, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	pkgs, err := load(root)
	if err != nil {
		return nil, err
	}
	r := &Report{Module: mod, Packages: pkgs, limits: cfg.Limits}
	byImport := map[string]*Package{}
	for _, p := range pkgs {
		byImport[importPath(mod, p.Path)] = p
	}
	lim := cfg.Limits

	for _, p := range pkgs {
		if !match("cmd/...", p.Path) && p.Lines > lim.PackageLines {
			r.violate("package %s has %d lines (limit %d)", p.Path, p.Lines, lim.PackageLines)
		}
	}

	r.Types = countMethods(pkgs)
	for _, c := range r.Types {
		if c.N > lim.TypeMethods {
			r.violate("type %s has %d methods (limit %d)", c.Name, c.N, lim.TypeMethods)
		}
	}

	r.Interfaces = r.countInterfaces(pkgs, byImport)
	for _, c := range r.Interfaces {
		if c.N > lim.InterfaceMethods {
			r.violate("interface %s has %d methods (limit %d)", c.Name, c.N, lim.InterfaceMethods)
		}
	}

	for _, p := range pkgs {
		if match("cmd/...", p.Path) || isFake(p.Path) {
			continue
		}
		for imp := range p.Imports {
			if imp == cfg.Telegram || strings.HasPrefix(imp, cfg.Telegram+"/") {
				r.Telegram = append(r.Telegram, p)
				r.TelegramLines += p.Lines
				break
			}
		}
	}
	if r.TelegramLines > lim.TelegramLines {
		r.violate("the packages importing %s have %d lines together (limit %d)", cfg.Telegram, r.TelegramLines, lim.TelegramLines)
	}

	for _, rule := range cfg.ImportRules {
		for _, p := range pkgs {
			if !match(rule.From, p.Path) || rule.SkipFakes && isFake(p.Path) {
				continue
			}
			for _, imp := range sortedKeys(p.Imports) {
				rel, ok := relImport(mod, imp)
				if !ok || rel == p.Path || !match(rule.Deny, rel) || slices.ContainsFunc(rule.Allow, func(a string) bool { return match(a, rel) }) {
					continue
				}
				r.violate("package %s imports %s: %s", p.Path, rel, rule.Why)
			}
		}
	}
	return r, nil
}

func (r *Report) violate(format string, args ...any) {
	r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
}

// load parses the non-test Go files of every package directory under root.
// It skips testdata, vendor, hidden and _ folders and nested modules, as
// the go command does.
func load(root string) ([]*Package, error) {
	fset := token.NewFileSet()
	byDir := map[string]*Package{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p == root {
				return nil
			}
			if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		pkg := byDir[rel]
		if pkg == nil {
			pkg = &Package{Path: rel, Imports: map[string]bool{}, name: f.Name.Name}
			byDir[rel] = pkg
		}
		pkg.Lines += bytes.Count(src, []byte("\n"))
		pkg.files = append(pkg.files, f)
		for _, is := range f.Imports {
			if ip, err := strconv.Unquote(is.Path.Value); err == nil {
				pkg.Imports[ip] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pkgs := make([]*Package, 0, len(byDir))
	for _, p := range byDir {
		pkgs = append(pkgs, p)
	}
	slices.SortFunc(pkgs, func(a, b *Package) int { return strings.Compare(a.Path, b.Path) })
	return pkgs, nil
}

// countMethods counts the methods declared per receiver type.
func countMethods(pkgs []*Package) []Count {
	n := map[string]int{}
	for _, p := range pkgs {
		for _, f := range p.files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv == nil || len(fd.Recv.List) == 0 {
					continue
				}
				if name := recvName(fd.Recv.List[0].Type); name != "" {
					n[p.Path+"."+name]++
				}
			}
		}
	}
	return sortCounts(n)
}

// recvName is the type name of a receiver: T, *T, T[P] or *T[P].
func recvName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// iface is a named interface type and the imports of its file.
type iface struct {
	pkg     *Package
	name    string
	typ     *ast.InterfaceType
	imports map[string]string // local name -> import path
}

// countInterfaces counts the methods of every named interface type,
// resolving embedded interfaces of the module by name.
func (r *Report) countInterfaces(pkgs []*Package, byImport map[string]*Package) []Count {
	decls := map[string]*iface{} // "pkgpath.Name"
	var all []*iface
	for _, p := range pkgs {
		for _, f := range p.files {
			imports := map[string]string{}
			for _, is := range f.Imports {
				ip, _ := strconv.Unquote(is.Path.Value)
				local := path.Base(ip)
				if q := byImport[ip]; q != nil {
					local = q.name
				}
				if is.Name != nil {
					local = is.Name.Name
				}
				imports[local] = ip
			}
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok {
					return true
				}
				if it, ok := ts.Type.(*ast.InterfaceType); ok {
					d := &iface{pkg: p, name: ts.Name.Name, typ: it, imports: imports}
					decls[p.Path+"."+d.name] = d
					all = append(all, d)
				}
				return true
			})
		}
	}
	noted := map[string]bool{}
	var methods func(d *iface, seen map[*iface]bool) map[string]bool
	methods = func(d *iface, seen map[*iface]bool) map[string]bool {
		set := map[string]bool{}
		if seen[d] {
			return set
		}
		seen[d] = true
		defer delete(seen, d)
		for _, fld := range d.typ.Methods.List {
			for _, n := range fld.Names {
				set[n.Name] = true
			}
			if len(fld.Names) > 0 {
				continue
			}
			var key string // the embedded interface: "relpath.Name" in the module, else "importpath.Name"
			var local bool
			switch t := unindex(fld.Type).(type) {
			case *ast.Ident:
				key, local = d.pkg.Path+"."+t.Name, true
				if t.Name == "error" {
					key, local = "error", false
				}
			case *ast.SelectorExpr:
				x, ok := t.X.(*ast.Ident)
				if !ok {
					continue
				}
				ip := d.imports[x.Name]
				if q := byImport[ip]; q != nil {
					key, local = q.Path+"."+t.Sel.Name, true
				} else if ip != "" {
					key = ip + "." + t.Sel.Name
				} else {
					key = x.Name + "." + t.Sel.Name
				}
			default:
				continue // a type-set element (~T, A | B) adds no methods
			}
			if local {
				if e := decls[key]; e != nil {
					for m := range methods(e, seen) {
						set[m] = true
					}
				}
				continue // otherwise a non-interface type in a constraint
			}
			if known, ok := knownInterfaces[key]; ok {
				for _, m := range known {
					set[m] = true
				}
			} else if !noted[key] {
				noted[key] = true
				r.Notes = append(r.Notes, fmt.Sprintf("%s.%s embeds %s from outside the module: its methods are not counted", d.pkg.Path, d.name, key))
			}
		}
		return set
	}
	n := map[string]int{}
	for _, d := range all {
		n[d.pkg.Path+"."+d.name] = len(methods(d, map[*iface]bool{}))
	}
	return sortCounts(n)
}

func unindex(e ast.Expr) ast.Expr {
	switch t := e.(type) {
	case *ast.IndexExpr:
		return t.X
	case *ast.IndexListExpr:
		return t.X
	}
	return e
}

// Write prints the report and its violations.
func (r *Report) Write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Module %s\n\nLines of non-test Go code per package (limit %d outside cmd/):\n", r.Module, r.limits.PackageLines)
	fmt.Fprintln(tw, "package\t lines")
	for _, p := range r.Packages {
		fmt.Fprintf(tw, "%s\t%6d\n", p.Path, p.Lines)
	}
	tw.Flush()
	writeTop(w, fmt.Sprintf("Types with the most methods (limit %d):", r.limits.TypeMethods), r.Types)
	writeTop(w, fmt.Sprintf("Widest interfaces (limit %d):", r.limits.InterfaceMethods), r.Interfaces)
	fmt.Fprintf(w, "\nPackages importing go-telegram/bot, cmd/ and fakes left out (limit %d lines together):\n", r.limits.TelegramLines)
	for _, p := range r.Telegram {
		fmt.Fprintf(tw, "%s\t%6d\n", p.Path, p.Lines)
	}
	fmt.Fprintf(tw, "together\t%6d\n", r.TelegramLines)
	tw.Flush()
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range r.Notes {
			fmt.Fprintln(w, "  "+n)
		}
	}
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "\nNo violations.")
		return
	}
	fmt.Fprintf(w, "\n%d violations:\n", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintln(w, "  "+v)
	}
}

func writeTop(w io.Writer, title string, cs []Count) {
	fmt.Fprintf(w, "\n%s\n", title)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range cs[:min(5, len(cs))] {
		fmt.Fprintf(tw, "%s\t%6d\n", c.Name, c.N)
	}
	tw.Flush()
}

// findRoot walks up from dir to the folder holding go.mod.
func findRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found in the working directory or above it")
		}
		dir = parent
	}
}

// modulePath reads the module path from root/go.mod.
func modulePath(root string) (string, error) {
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(s.Text()), "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			mod := strings.TrimSpace(rest)
			if uq, err := strconv.Unquote(mod); err == nil {
				mod = uq
			}
			return mod, nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s: no module line", f.Name())
}

func importPath(mod, rel string) string {
	if rel == "." {
		return mod
	}
	return mod + "/" + rel
}

// relImport makes an import path relative to the module root; ok is false
// for a package outside the module.
func relImport(mod, imp string) (rel string, ok bool) {
	if imp == mod {
		return ".", true
	}
	rel, ok = strings.CutPrefix(imp, mod+"/")
	return rel, ok
}

// match reports whether the module-relative package path p matches pattern.
func match(pattern, p string) bool {
	if pattern == "..." {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	return p == pattern
}

func sortCounts(n map[string]int) []Count {
	cs := make([]Count, 0, len(n))
	for name, k := range n {
		cs = append(cs, Count{name, k})
	}
	slices.SortFunc(cs, func(a, b Count) int {
		if a.N != b.N {
			return b.N - a.N
		}
		return strings.Compare(a.Name, b.Name)
	})
	return cs
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// isFake reports whether a package is a fake for tests, or part of one:
// a path element ends in "test" (bot/telegramtest, bot/telegramtest/tghtml,
// storage/redistest).
func isFake(pkg string) bool {
	for _, el := range strings.Split(pkg, "/") {
		if strings.HasSuffix(el, "test") {
			return true
		}
	}
	return false
}
