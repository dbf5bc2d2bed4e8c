package bot_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// The director records their own view of how much support is needed, on
// the young person's scale, from the buttons under the summary; /cases and
// the summary show both views side by side, a gap of two steps or more is
// flagged, and it is audited. The inviting counsellor may record it from
// /cases. The young person is never asked.
func TestProfessionalViewStandsBesideTheYoungPersons(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.inReview(youngID, directorID, counsellorID, "Sam", map[string]string{"dreams": "Een eigen huis"})
	key := strconv.Itoa(youngID)
	s := r.session(youngID)
	s.Answers["support_level"] = dialog.Answer{Scale: 5, At: s.Started}
	r.mem.put(s)
	r.pressData(youngID, 0, sendData(r.engine))

	// Under the summary: the director's own view, on the same scale.
	var prompt telegramtest.Msg
	for _, m := range r.api.Chat(directorID) {
		if _, ok := m.Button("2"); ok && m.FromBot {
			prompt = m
		}
	}
	if prompt.ID == 0 {
		t.Fatalf("no buttons for the director's view under the summary:\n%s", telegramtest.FormatTranscript(r.api.Chat(directorID)))
	}
	b, _ := prompt.Button("2")
	r.pressData(directorID, prompt.ID, b.CallbackData)
	c, _ := r.people.caseOf(key)
	if c.ProView != 2 || c.ProViewBy != directorID {
		t.Fatalf("case after the press: %+v", c)
	}
	if !slices.ContainsFunc(r.people.auditEntries(), func(e domain.AuditEntry) bool {
		return e.Action == "case.view_recorded" && e.Actor == directorID
	}) {
		t.Fatalf("the view is not audited: %+v", r.people.auditEntries())
	}

	// /cases: both views, and the gap of three steps flagged.
	r.send(directorID, "/cases", "en")
	if m := r.last(directorID).Text; !strings.Contains(m, "5/5") || !strings.Contains(m, "2/5") || !strings.Contains(m, "⚠️") {
		t.Fatalf("/cases does not show both views and the gap:\n%s", m)
	}
	// The summary, opened again, has both.
	r.press(directorID, "1. Answers")
	r.expectSaid(directorID, 0, "2 of 5")

	// The counsellor who invited records theirs from /cases.
	r.send(counsellorID, "/cases", "nl")
	r.press(counsellorID, "Inschatting")
	r.press(counsellorID, "4")
	if c, _ := r.people.caseOf(key); c.ProView != 4 || c.ProViewBy != counsellorID {
		t.Fatalf("case after the counsellor's press: %+v", c)
	}
}
