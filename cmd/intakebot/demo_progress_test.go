package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// The progress line never counts more questions than it did before: the
// total may fall as questions drop out, never rise, and never passes what
// the welcome promised.
func TestDemoProgressNeverGrows(t *testing.T) {
	script, err := os.ReadFile("testdata/demo_answers.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"demo"}, env(nil), bytes.NewReader(script), &out, &out); code != 0 {
		t.Fatalf("demo exited %d:\n%s", code, out.String())
	}
	promise := regexp.MustCompile(`(\d+) vragen`).FindStringSubmatch(out.String())
	if promise == nil {
		t.Fatalf("the welcome names no number of questions:\n%s", out.String())
	}
	most, _ := strconv.Atoi(promise[1])
	prev := most
	var totals []int
	for _, m := range regexp.MustCompile(`Vraag \d+ van (\d+)`).FindAllStringSubmatch(out.String(), -1) {
		total, _ := strconv.Atoi(m[1])
		totals = append(totals, total)
		if total > prev {
			t.Fatalf("the total grew (welcome: %d): %v", most, totals)
		}
		prev = total
	}
	if len(totals) < 10 {
		t.Fatalf("progress lines: %v", totals)
	}
}
