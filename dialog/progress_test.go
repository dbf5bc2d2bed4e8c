package dialog

import "testing"

// The total shown never rises within an intake: also not when the young
// person goes back and changes an earlier "no" into a "yes" that opens
// questions again. (On main the total rose from the count without those
// questions to the count with them.)
func TestProgressTotalNeverRisesAfterGoingBack(t *testing.T) {
	d := newDriver(t, defaultFlow(t))
	d.begin()
	last := 0
	check := func(res Result) {
		t.Helper()
		for _, m := range res.Messages {
			for _, p := range m.Parts {
				if p.ID != "progress" {
					continue
				}
				n, total := p.Vars["N"].(int), p.Vars["Total"].(int)
				if last > 0 && total > last {
					t.Fatalf("the total rose from %d to %d (at %s)", last, total, d.s.Current)
				}
				if n < 1 || n > total {
					t.Fatalf("question %d of %d (at %s)", n, total, d.s.Current)
				}
				last = total
			}
		}
	}
	for d.s.Current != "keep_practitioners" {
		check(d.answer())
	}
	check(d.answer()) // "no": practitioners and practitioners_ok close
	check(d.press(actBack, ""))
	if d.s.Current != "keep_practitioners" {
		t.Fatalf("back went to %q", d.s.Current)
	}
	check(d.press(actAnswer, Yes)) // they open again
	if d.s.Current != "practitioners" {
		t.Fatalf("after yes: %q", d.s.Current)
	}
	for d.s.State == StateAsking {
		check(d.answer())
	}
}
