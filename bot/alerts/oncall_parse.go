package alerts

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/intakebot/intakebot/bot/domain"
)

// The admin's /oncall arguments, read by a pure function so that every
// odd input can be tried (FuzzParseOnCall):
//
//	/oncall                                    the roster
//	/oncall add <staff> <days> <HH:MM-HH:MM>   a window for staff member <staff> of the list
//	/oncall del <n>                            remove window n
//
// Days are names or numbers (1 is Monday), Dutch or English, in lists and
// ranges: "ma-vr", "za,zo", "mon-fri", "sat, sun", "1-7", "vr-ma" (over the
// weekend), "alle"/"all", "werkdagen"/"weekdays", "weekend".

type onCallOp int

const (
	onCallShow onCallOp = iota
	onCallAdd
	onCallDel
)

// onCallCmd is a parsed /oncall.
type onCallCmd struct {
	op    onCallOp
	staff int // add: the number of the staff member in the list, from 1
	days  domain.Weekdays
	from  int // minutes after midnight
	to    int
	n     int // del: the window's number
}

// maxOnCallArg bounds what is read: a real command is a few dozen bytes.
const maxOnCallArg = 200

var (
	onCallAddWords = []string{"add", "toevoegen", "nieuw", "new"}
	onCallDelWords = []string{"del", "delete", "remove", "rm", "verwijder", "verwijderen", "weg"}
	// The time range at the end: 8:00-17:00, 08.00 - 17.00, 22:00–08:00.
	onCallTimeRE = regexp.MustCompile(`(?:^|\s)(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})$`)
)

// dayNames are the names of the days, ISO numbered (1 Monday .. 7 Sunday).
var dayNames = map[string]int{
	"ma": 1, "maa": 1, "maan": 1, "maandag": 1, "mo": 1, "mon": 1, "monday": 1,
	"di": 2, "din": 2, "dins": 2, "dinsdag": 2, "tu": 2, "tue": 2, "tues": 2, "tuesday": 2,
	"wo": 3, "woe": 3, "woens": 3, "woensdag": 3, "we": 3, "wed": 3, "wednesday": 3,
	"do": 4, "don": 4, "donder": 4, "donderdag": 4, "th": 4, "thu": 4, "thur": 4, "thurs": 4, "thursday": 4,
	"vr": 5, "vrij": 5, "vrijdag": 5, "fr": 5, "fri": 5, "friday": 5,
	"za": 6, "zat": 6, "zaterdag": 6, "sa": 6, "sat": 6, "saturday": 6,
	"zo": 7, "zon": 7, "zondag": 7, "su": 7, "sun": 7, "sunday": 7,
	"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
}

// dayGroups are words for several days.
var dayGroups = map[string]domain.Weekdays{
	"alle": domain.AllDays, "all": domain.AllDays, "dagelijks": domain.AllDays, "daily": domain.AllDays,
	"werkdagen": workdays, "weekdagen": workdays, "weekdays": workdays, "workdays": workdays,
	"weekend": weekdaySet(time.Saturday, time.Sunday),
}

var workdays = weekdaySet(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)

func weekdaySet(ds ...time.Weekday) domain.Weekdays {
	var w domain.Weekdays
	for _, d := range ds {
		w = w.With(d)
	}
	return w
}

// isoDay is the time.Weekday of an ISO day number (1 Monday .. 7 Sunday).
func isoDay(n int) time.Weekday { return time.Weekday(n % 7) }

// parseOnCall reads the argument of /oncall. On failure it returns the ID
// of the message that says what is wrong.
func parseOnCall(arg string) (onCallCmd, string) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return onCallCmd{op: onCallShow}, ""
	}
	if len(arg) > maxOnCallArg {
		return onCallCmd{}, "oncall.err.usage"
	}
	arg = strings.ToLower(strings.NewReplacer("–", "-", "—", "-", "‑", "-").Replace(arg))
	word, rest := firstField(arg)
	switch {
	case isOneOf(word, onCallDelWords):
		n, ok := smallNumber(strings.TrimPrefix(rest, "#"))
		if !ok {
			return onCallCmd{}, "oncall.err.number"
		}
		return onCallCmd{op: onCallDel, n: n}, ""
	case isOneOf(word, onCallAddWords):
		return parseOnCallAdd(rest)
	}
	return onCallCmd{}, "oncall.err.usage"
}

func parseOnCallAdd(rest string) (onCallCmd, string) {
	staffArg, rest := firstField(rest)
	staff, ok := smallNumber(strings.TrimPrefix(staffArg, "#"))
	if !ok {
		return onCallCmd{}, "oncall.err.staff"
	}
	m := onCallTimeRE.FindStringSubmatchIndex(rest)
	if m == nil {
		return onCallCmd{}, "oncall.err.time"
	}
	num := func(i int) int {
		n, _ := strconv.Atoi(rest[m[2*i]:m[2*i+1]])
		return n
	}
	fh, fm, th, tm := num(1), num(2), num(3), num(4)
	if fh > 23 || fm > 59 || tm > 59 || th > 24 || (th == 24 && tm != 0) {
		return onCallCmd{}, "oncall.err.time"
	}
	days, ok := parseDays(rest[:m[0]])
	if !ok {
		return onCallCmd{}, "oncall.err.days"
	}
	return onCallCmd{op: onCallAdd, staff: staff, days: days, from: fh*60 + fm, to: (th*60 + tm) % domain.MinutesPerDay}, ""
}

// parseDays reads a list of days and day ranges.
func parseDays(s string) (domain.Weekdays, bool) {
	// "ma - vr" is one range.
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "-", " - ")), " ")
	s = strings.ReplaceAll(s, " - ", "-")
	var days domain.Weekdays
	items := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '/' || r == '+' })
	if len(items) == 0 {
		return 0, false
	}
	for _, it := range items {
		if g, ok := dayGroups[it]; ok {
			days |= g
			continue
		}
		a, b, isRange := strings.Cut(it, "-")
		first, ok := dayNames[a]
		if !ok {
			return 0, false
		}
		if !isRange {
			days = days.With(isoDay(first))
			continue
		}
		last, ok := dayNames[b]
		if !ok {
			return 0, false
		}
		// A range may run over the weekend: vr-ma is Friday to Monday.
		for d := first; ; d = d%7 + 1 {
			days = days.With(isoDay(d))
			if d == last {
				break
			}
		}
	}
	return days, true
}

// firstField splits s (trimmed) into its first word and the rest, trimmed.
func firstField(s string) (string, string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// smallNumber reads a number from 1 to 9999.
func smallNumber(s string) (int, bool) {
	if len(s) == 0 || len(s) > 4 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return n, true
}

func isOneOf(w string, words []string) bool {
	for _, x := range words {
		if w == x {
			return true
		}
	}
	return false
}

// canonical writes cmd back as /oncall arguments that parse to it (days as
// ISO numbers): for the fuzz test and for logs of what was set.
func (c onCallCmd) canonical() string {
	switch c.op {
	case onCallAdd:
		var ds []string
		for n := 1; n <= 7; n++ {
			if c.days.Has(isoDay(n)) {
				ds = append(ds, strconv.Itoa(n))
			}
		}
		return "add " + strconv.Itoa(c.staff) + " " + strings.Join(ds, ",") + " " + clockText(c.from) + "-" + clockText(c.to)
	case onCallDel:
		return "del " + strconv.Itoa(c.n)
	}
	return ""
}

// clockText is minutes after midnight as HH:MM.
func clockText(m int) string {
	return strconv.Itoa(m/600) + strconv.Itoa(m/60%10) + ":" + strconv.Itoa(m%60/10) + strconv.Itoa(m%10)
}
