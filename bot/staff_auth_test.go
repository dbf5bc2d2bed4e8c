package bot_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// Every staff command and every staff button is checked on the server, by
// who sends it now, never by what the button says: a young person, an
// unknown user, and staff of another director get a polite refusal, and
// nothing is created, changed or sent to anyone else.
func TestStaffActionsAreRefusedToOthers(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	// Sam's intake was handed off to Sanne; Kees invited Sam.
	r.submitted(youngID, directorID, counsellorID, "Sam", map[string]string{"dreams": "een eigen huis met een tuin"})
	// The unknown user wrote before, so Telegram knows their language.
	r.send(strangerID, "hallo", "nl")
	key := strconv.Itoa(youngID)
	director := strconv.Itoa(directorID)

	young := []int64{youngID, strangerID}
	otherStaff := []int64{director2ID, counsellor2ID}
	all := append(slices.Clone(young), otherStaff...)
	tests := []struct {
		name    string
		command string // a command, or
		data    string // the data of a pressed button
		refused []int64
	}{
		{"/staff", "/staff", "", append(slices.Clone(all), directorID, counsellorID)},
		{"/invite", "/invite Noor", "", young},
		{"/cases", "/cases", "", young},
		{"staff link for a director", "", "x:sl:director", append(slices.Clone(all), directorID, counsellorID)},
		{"staff link for a counsellor", "", "x:sl:counsellor", append(slices.Clone(all), directorID, counsellorID)},
		{"revoke, asked", "", "x:rv:" + director, append(slices.Clone(all), directorID, counsellorID)},
		{"revoke, confirmed", "", "x:ry:" + director, append(slices.Clone(all), directorID, counsellorID)},
		{"revoke, cancelled", "", "x:rn:", append(slices.Clone(all), directorID, counsellorID)},
		{"invite: director chosen", "", "x:id:" + director, append(slices.Clone(young), director2ID, directorID)},
		{"acknowledge", "", "x:ack:" + key, append(slices.Clone(all), counsellorID)},
		{"open summary", "", "x:op:" + key, append(slices.Clone(all), counsellorID)},
		{"new link", "", "x:nl:" + key, append(slices.Clone(all), counsellorID)},
	}
	for _, tc := range tests {
		for _, who := range tc.refused {
			t.Run(tc.name+"/"+strconv.FormatInt(who, 10), func(t *testing.T) {
				r := &roles{harness: r.with(t), clock: r.clock}
				lang := "nl"
				if who == directorID {
					lang = "en" // Sanne reads English
				}
				refusal := r.visible(lang, "staff.refused")
				before := snapshot(r, key)
				seq := len(r.api.Calls())
				mark := r.lastID(who)
				if tc.command != "" {
					r.send(who, tc.command, "")
					got := r.sentSince(who, mark)
					if len(got) != 1 || got[0].Text != refusal {
						t.Fatalf("answer = %s, want only %q", telegramtest.FormatTranscript(got), refusal)
					}
				} else {
					r.pressData(who, 0, tc.data)
					answers := slices.DeleteFunc(r.api.CallsTo("answerCallbackQuery"), func(c telegramtest.Call) bool { return c.Seq < seq })
					if len(answers) != 1 || answers[0].Params["text"] != refusal {
						t.Fatalf("press answered with %+v, want %q", answers, refusal)
					}
					if got := r.sentSince(who, mark); len(got) != 0 {
						t.Fatalf("the press was answered with messages: %s", telegramtest.FormatTranscript(got))
					}
				}
				if calls := r.callsExcept(who, seq); len(calls) != 0 {
					t.Fatalf("something went to another chat: %+v", calls)
				}
				if after := snapshot(r, key); !after.equal(before) {
					t.Fatalf("state changed:\nbefore %+v\nafter  %+v", before, after)
				}
			})
		}
	}
}

// state is what a refused action must leave alone.
type state struct {
	links, cases, staff, audit int
	directorStaff              bool
	c                          domain.Case
	due                        bool
}

func snapshot(r *roles, key string) state {
	c, _ := r.people.caseOf(key)
	_, due := r.people.dueAt(key)
	_, ok, _ := r.people.Staff.Staff(context.Background(), directorID)
	return state{
		links: r.people.linkCount(), cases: r.people.caseCount(), staff: r.people.staffCount(),
		audit: len(r.people.actions()), directorStaff: ok, c: c, due: due,
	}
}

func (s state) equal(o state) bool {
	return s.links == o.links && s.cases == o.cases && s.staff == o.staff && s.audit == o.audit &&
		s.directorStaff == o.directorStaff && s.due == o.due &&
		s.c.Acknowledged.Equal(o.c.Acknowledged) && s.c.Delivered.Equal(o.c.Delivered) && s.c.Key == o.c.Key && s.c.Director == o.c.Director
}
