package bot_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// pseudonymOf is the pseudonym the roles harness's bot gives a case key
// (PseudonymKey "test key").
func pseudonymOf(key string) string {
	m := hmac.New(sha256.New, []byte("test key"))
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// An admin reads who opened Sam's summary, newest first, in words, with
// the case as a pseudonym and Sam's first name; the trail itself holds no
// Telegram ID of the young person and no content.
func TestAdminReadsTheAuditTrail(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	answer := "een huis aan zee bij oma"
	r.submitted(youngID, directorID, 0, "Sam", map[string]string{"dreams": answer})
	r.clock.Advance(90 * time.Minute)
	r.send(directorID, "/cases", "en")
	r.press(directorID, r.visible("en", "cases.btn_open", "N", 1))
	opened := r.clock.Now()

	key := strconv.Itoa(youngID)
	p := pseudonymOf(key)
	entries := r.people.auditEntries()
	if len(entries) < 2 {
		t.Fatalf("audit trail: %+v", entries)
	}
	for _, e := range entries {
		if e.Case == key || e.Actor == youngID || (e.Case != "" && e.Case != p) {
			t.Fatalf("an entry names the young person: %+v", e)
		}
	}

	r.send(adminID, "/audit", "nl")
	m := r.last(adminID)
	sanne := dialog.T("audit.who.staff", "Name", "Sanne de Vries", "Role", dialog.T("staff.role.director"))
	openedLine := r.visible("nl", "audit.entry_case", "Date", opened, "Who", sanne,
		"Action", dialog.T("audit.action.summary.opened"), "Case", dialog.T("audit.case_named", "Pseudonym", p, "Name", "Sam"))
	deliveredLine := r.visible("nl", "audit.entry_case", "Who", sanne,
		"Action", dialog.T("audit.action.summary.delivered"), "Case", dialog.T("audit.case_named", "Pseudonym", p, "Name", "Sam"), "Date", entries[0].At)
	for _, want := range []string{r.visible("nl", "audit.title", "Count", len(entries)), openedLine, deliveredLine} {
		if !strings.Contains(m.Text, want) {
			t.Fatalf("/audit lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Index(m.Text, openedLine) > strings.Index(m.Text, deliveredLine) {
		t.Fatalf("not newest first:\n%s", m.Text)
	}
	if strings.Contains(m.Text, answer) || strings.Contains(m.Text, key) {
		t.Fatalf("/audit shows content or an ID:\n%s", m.Text)
	}
	// The opening happened at 90 minutes past the clock's start, in the
	// configured time zone.
	if !strings.Contains(openedLine, opened.In(r.r.Loc).Format("15:04")) {
		t.Fatalf("time not in the configured zone: %q", openedLine)
	}
}

// Only admins read the trail; everyone else is refused as for /staff, and
// sees no entry.
func TestAuditIsForAdminsOnly(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.submitted(youngID, directorID, 0, "Sam", map[string]string{"dreams": "een eigen plek"})
	for _, who := range []int64{directorID, counsellorID, youngID, strangerID} {
		lang := "nl"
		if who == directorID {
			lang = "en"
		}
		mark := r.lastID(who)
		seq := len(r.api.Calls())
		r.send(who, "/audit", lang)
		got := r.sentSince(who, mark)
		if refusal := r.visible(lang, "staff.refused"); len(got) != 1 || got[0].Text != refusal {
			t.Fatalf("%d: answer = %s, want only %q", who, telegramtest.FormatTranscript(got), refusal)
		}
		if calls := r.callsExcept(who, seq); len(calls) != 0 {
			t.Fatalf("%d: something went to another chat: %+v", who, calls)
		}
	}
}

// Every action the bot writes to the trail has its words in /audit, in
// every language (a new action without them would show its technical
// name).
func TestEveryAuditActionHasAText(t *testing.T) {
	// Every workflow under bot/ writes the trail through team.Auditor.
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`\.auditor\.Record\(\w+, [^,]+, "([a-z_.]+)"`)
	cat := catalog(t)
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			seen++
			for _, lang := range cat.Languages() {
				if !cat.Has(lang, "audit.action."+m[1]) {
					t.Errorf("%s: action %q has no audit.action text in %s", f, m[1], lang)
				}
			}
		}
	}
	if seen < 10 {
		t.Fatalf("found only %d audit calls: the pattern is out of date", seen)
	}
}

// An urgent alert follows a signal in an answer as well as /urgent: the
// trail says the bot sent it, not that the young person asked, while
// their own export is theirs.
func TestAuditNamesTheBotForAnAlert(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	p := pseudonymOf(strconv.Itoa(youngID))
	at := r.clock.Now()
	for _, a := range []string{"alert.raised", "data.exported"} {
		if err := r.people.Audit.Audit(context.Background(), domain.AuditEntry{At: at, Action: a, Case: p}); err != nil {
			t.Fatal(err)
		}
	}
	r.send(adminID, "/audit", "nl")
	m := r.last(adminID)
	line := func(who, action string) string {
		return r.visible("nl", "audit.entry_case", "Date", at, "Who", dialog.T(who),
			"Action", dialog.T(action), "Case", dialog.T("audit.case", "Pseudonym", p))
	}
	for _, want := range []string{line("audit.who.bot", "audit.action.alert.raised"), line("audit.who.young", "audit.action.data.exported")} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("/audit lacks %q:\n%s", want, m.Text)
		}
	}
}
