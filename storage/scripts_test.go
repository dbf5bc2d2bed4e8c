package storage

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Every file in lua/ is loaded by some store and every loadScript names a
// file: a script left behind by a refactoring, or one renamed on one side
// only, fails here rather than in production.
func TestEveryLuaFileIsLoadedAndEveryLoadHasAFile(t *testing.T) {
	files, err := fs.Glob(luaFiles, "lua/*.lua")
	if err != nil {
		t.Fatal(err)
	}
	var embedded []string
	for _, f := range files {
		embedded = append(embedded, strings.TrimSuffix(strings.TrimPrefix(f, "lua/"), ".lua"))
	}
	sources, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	load := regexp.MustCompile(`loadScript\("([a-z0-9_]+)"\)`)
	var loaded []string
	for _, s := range sources {
		if strings.HasSuffix(s, "_test.go") {
			continue
		}
		src, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range load.FindAllStringSubmatch(string(src), -1) {
			loaded = append(loaded, m[1])
		}
	}
	slices.Sort(embedded)
	slices.Sort(loaded)
	if len(embedded) == 0 || !slices.Equal(embedded, loaded) {
		t.Errorf("scripts in lua/ %v, loaded by name %v: want each loaded exactly once", embedded, loaded)
	}
}
