package storetest

import (
	"slices"
	"strconv"
	"testing"
)

var trailContract = []contract{
	{"KeepsOrderAndCap", trailOrderAndCap},
}

// trailMaxLen is storage.TrailMaxLen, spelt out: the contract is the
// number, not the constant.
const trailMaxLen = 500

func trailOrderAndCap(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	var want []string
	// Several batches, as the recorder sends them, two chats mixed.
	for batch := range 6 {
		var a, b []string
		for i := range 100 {
			n := batch*100 + i
			a = append(a, strconv.Itoa(n)+":1700000000")
			b = append(b, "other-"+strconv.Itoa(n))
		}
		want = append(want, a...)
		if err := s.Trail.Push(ctx, map[string][]string{"4711": a, "4712": b}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Trail.Push(ctx, nil); err != nil {
		t.Fatalf("empty push: %v", err)
	}
	got, err := s.Trail.Take(ctx, "4711")
	if err != nil {
		t.Fatal(err)
	}
	// The newest trailMaxLen, oldest first.
	if !slices.Equal(got, want[len(want)-trailMaxLen:]) {
		t.Fatalf("trail: %d entries; want the last %d of %d in order", len(got), trailMaxLen, len(want))
	}
	if again, err := s.Trail.Take(ctx, "4711"); err != nil || len(again) != 0 {
		t.Errorf("second Take = %v, %v; want nothing", again, err)
	}
	if other, err := s.Trail.Take(ctx, "4712"); err != nil || len(other) != trailMaxLen || other[0] != "other-100" {
		t.Errorf("the other chat's trail has %d entries, %v; want %d from other-100", len(other), err, trailMaxLen)
	}
}
