package crisis

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type table struct{ trigger, ordinary []string }

// readTables reads, per language, the sentences the lists must catch and
// the ordinary sentences with similar words that must pass: the files
// testdata/table/<lang>.trigger.txt and <lang>.ordinary.txt, one sentence a
// line, # for a comment. Every phrase added to a list gets a sentence there.
func readTables() map[string]table { return readTablesIn("table") }

// readTablesIn reads the tables in testdata/dir: "table" or "holdout"
// (sentences written after the lists were tuned, never tuned on).
func readTablesIn(dir string) map[string]table {
	tabs := map[string]table{}
	names, _ := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	for _, name := range names {
		base := filepath.Base(name)
		lang, kind, _ := strings.Cut(strings.TrimSuffix(base, ".txt"), ".")
		buf, err := os.ReadFile(name)
		if err != nil {
			panic(err)
		}
		var lines []string
		for line := range strings.SplitSeq(string(buf), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				lines = append(lines, line)
			}
		}
		tab := tabs[lang]
		switch kind {
		case "trigger":
			tab.trigger = lines
		case "ordinary":
			tab.ordinary = lines
		default:
			panic("unknown table " + base)
		}
		tabs[lang] = tab
	}
	return tabs
}

// TestCrisisRecall reports, per language, how much of the triggering table
// the lists catch (recall) and how much of the ordinary table they react
// to (false positives): go test -run CrisisRecall -v ./dialog/crisis.
// TestCrisisTable holds them to all and none.
func TestCrisisRecall(t *testing.T) {
	c := mustCrisisWords(t)
	tabs := readTables()
	langs := make([]string, 0, len(tabs))
	for l := range tabs {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, lang := range langs {
		tab := tabs[lang]
		caught, wrong := 0, 0
		for _, s := range tab.trigger {
			if c.Match(s) {
				caught++
			}
		}
		for _, s := range tab.ordinary {
			if c.Match(s) {
				wrong++
			}
		}
		t.Logf("%s: recall %d/%d = %.1f%%, false positives %d/%d = %.1f%%", lang,
			caught, len(tab.trigger), 100*float64(caught)/float64(max(1, len(tab.trigger))),
			wrong, len(tab.ordinary), 100*float64(wrong)/float64(max(1, len(tab.ordinary))))
		for _, d := range disguises {
			caught, wrong := 0, 0
			for _, s := range tab.trigger {
				if c.Match(d.do(s)) {
					caught++
				}
			}
			for _, s := range tab.ordinary {
				if c.Match(d.do(s)) {
					wrong++
				}
			}
			t.Logf("%s in %s: recall %d/%d = %.1f%%, false positives %d/%d", lang, d.name,
				caught, len(tab.trigger), 100*float64(caught)/float64(max(1, len(tab.trigger))), wrong, len(tab.ordinary))
		}
		held := readTablesIn("holdout")[lang]
		caught, wrong = 0, 0
		for _, s := range held.trigger {
			if c.Match(s) {
				caught++
			} else {
				t.Logf("%s held out, missed: %q", lang, s)
			}
		}
		for _, s := range held.ordinary {
			if c.Match(s) {
				wrong++
				t.Logf("%s held out, false positive: %q", lang, s)
			}
		}
		t.Logf("%s held out: recall %d/%d, false positives %d/%d", lang, caught, len(held.trigger), wrong, len(held.ordinary))
	}
}
