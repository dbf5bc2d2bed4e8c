package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

// demoSummary runs the scripted demo and returns what the director gets.
func demoSummary(t *testing.T) string {
	t.Helper()
	script, err := os.Open("testdata/demo_answers.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer script.Close()
	var out bytes.Buffer
	if code := run(context.Background(), []string{"demo"}, env(nil), script, &out, &out); code != 0 {
		t.Fatalf("demo exited %d:\n%s", code, out.String())
	}
	_, summary, ok := strings.Cut(out.String(), "Dit krijgt de procesregisseur")
	if !ok {
		t.Fatalf("no director summary:\n%s", out.String())
	}
	return summary
}

// The director reads first what matters most: whether the young person
// feels safe, what must not happen, where they won't live, the safety
// agreements, the trusted person and the support asked; then the rest by
// topic. Skipped questions are named once; headings speak about the young
// person; a flag says what it is about.
func TestDemoDirectorSeesTheEssentialsFirst(t *testing.T) {
	sum := demoSummary(t)
	first := strings.Index(sum, "Dromen:")
	if first < 0 {
		t.Fatalf("no dreams in the summary:\n%s", sum)
	}
	for _, essential := range []string{"Voelt zich nu veilig", "Mag niet gebeuren", "Hier niet wonen", "Vertrouwenspersoon", "Hulp nodig bij", "Hoeveel hulp nodig"} {
		if i := strings.Index(sum, essential); i < 0 || i > first {
			t.Errorf("%q comes after the dreams (or not at all):\n%s", essential, sum)
		}
	}
	if n := strings.Count(sum, "Wat werkte niet"); n != 1 {
		t.Errorf("a skipped question is named %d times:\n%s", n, sum)
	}
	for _, toThem := range []string{"Jouw dromen", "Jouw mensen", "Je hulpverleners", "Hulp die je nodig hebt"} {
		if strings.Contains(sum, toThem) {
			t.Errorf("the director's summary speaks to the young person: %q\n%s", toThem, sum)
		}
	}
	if !strings.Contains(sum, "Inkomen: €500 tot €1050") {
		t.Errorf("the income flag does not carry its content:\n%s", sum)
	}
}

// The young person's review speaks to them; the director's summary speaks
// about them.
func TestDemoReviewSpeaksToTheYoungPerson(t *testing.T) {
	script, err := os.ReadFile("testdata/demo_answers.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"demo"}, env(nil), bytes.NewReader(script), &out, &out); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	review, director, _ := strings.Cut(out.String(), "Dit krijgt de procesregisseur")
	review = review[strings.LastIndex(review, "Klaar met de vragen"):]
	for _, aboutThem := range []string{"Voelt zich", "Woont nu", "Hulp nodig bij"} {
		if strings.Contains(review, aboutThem) {
			t.Errorf("the review speaks about the young person: %q\n%s", aboutThem, review)
		}
	}
	for _, toThem := range []string{"Voel je je", "Waar je nu woont"} {
		if strings.Contains(director, toThem) {
			t.Errorf("the director's summary speaks to the young person: %q", toThem)
		}
	}
}
