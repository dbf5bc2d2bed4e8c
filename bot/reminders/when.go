package reminders

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Why a typed time was not understood. The /remind dialog shows a text per
// reason; none of them holds the typed text.
var (
	// ErrNotUnderstood: the text is not a time in a form we know.
	ErrNotUnderstood = errors.New("reminders: time not understood")
	// ErrInPast: the time is understood but has passed.
	ErrInPast = errors.New("reminders: time has passed")
	// ErrTooFar: more than two years ahead (a typo, most likely).
	ErrTooFar = errors.New("reminders: time too far ahead")
)

// maxAhead is how far ahead a typed time may lie.
const maxAhead = 2 * 366 * 24 * time.Hour

// maxTyped bounds the text the parser looks at.
const maxTyped = 100

// defaultHour is the hour of a typed day without a time ("morgen").
const defaultHour = 9

// ParseWhen reads a time typed in Dutch or English, relative to now, in the
// time zone loc: "morgen 9:00", "vandaag 14:30", "3 december 10:00",
// "vrijdag 16u", "tomorrow 9am", "in een uur", "over 2 dagen", "14:30",
// "3-12 10:00", "friday 4pm". A day without a time is at 09:00; a time
// without a day is today, or tomorrow when it has passed; a date without a
// year is the next one to come; a weekday is the next one, today included
// when the time is still ahead. The result is in loc and after now.
func ParseWhen(text string, now time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if len(text) > maxTyped {
		return time.Time{}, ErrNotUnderstood
	}
	now = now.In(loc)
	words := tokens(text)
	if len(words) == 0 {
		return time.Time{}, ErrNotUnderstood
	}
	if t, ok, err := relative(words, now); ok || err != nil {
		return t, err
	}
	p := parser{words: words}
	t, err := p.absolute(now, loc)
	if err != nil {
		return time.Time{}, err
	}
	switch {
	case !t.After(now):
		return time.Time{}, ErrInPast
	case t.Sub(now) > maxAhead:
		return time.Time{}, ErrTooFar
	}
	return t, nil
}

// tokens lowercases text and cuts it into words: letters, digits with the
// separators of a time or date (":", ".", "-", "/"), commas dropped.
func tokens(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == ':' || r == '.' || r == '-' || r == '/':
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	// A trailing dot ends a sentence ("morgen 9:00."), it is not a time.
	for i, w := range out {
		out[i] = strings.TrimRight(w, ".")
	}
	return out
}

// relative reads "in een uur", "over 2 uur", "in 30 minutes", "in 3 dagen".
func relative(words []string, now time.Time) (time.Time, bool, error) {
	if words[0] != "in" && words[0] != "over" {
		return time.Time{}, false, nil
	}
	if len(words) != 3 {
		return time.Time{}, false, ErrNotUnderstood
	}
	n, ok := count(words[1])
	if !ok || n < 1 || n > 1000 {
		return time.Time{}, false, ErrNotUnderstood
	}
	var t time.Time
	switch words[2] {
	case "minuut", "minuten", "min", "minute", "minutes", "mins":
		t = now.Add(time.Duration(n) * time.Minute)
	case "uur", "uren", "hour", "hours", "u", "h":
		t = now.Add(time.Duration(n) * time.Hour)
	case "dag", "dagen", "day", "days":
		// Days keep the wall clock across a daylight-saving change.
		t = time.Date(now.Year(), now.Month(), now.Day()+n, now.Hour(), now.Minute(), 0, 0, now.Location())
	case "week", "weken", "weeks":
		t = time.Date(now.Year(), now.Month(), now.Day()+7*n, now.Hour(), now.Minute(), 0, 0, now.Location())
	default:
		return time.Time{}, false, ErrNotUnderstood
	}
	if t.Sub(now) > maxAhead {
		return time.Time{}, true, ErrTooFar
	}
	return t, true, nil
}

func count(w string) (int, bool) {
	switch w {
	case "een", "één", "a", "an", "one":
		return 1, true
	case "twee", "two":
		return 2, true
	case "drie", "three":
		return 3, true
	case "half":
		return 0, false
	}
	n, err := strconv.Atoi(w)
	return n, err == nil
}

var months = map[string]time.Month{
	"januari": 1, "january": 1, "jan": 1,
	"februari": 2, "february": 2, "feb": 2,
	"maart": 3, "march": 3, "mrt": 3, "mar": 3,
	"april": 4, "apr": 4,
	"mei": 5, "may": 5,
	"juni": 6, "june": 6, "jun": 6,
	"juli": 7, "july": 7, "jul": 7,
	"augustus": 8, "august": 8, "aug": 8,
	"september": 9, "sep": 9, "sept": 9,
	"oktober": 10, "october": 10, "okt": 10, "oct": 10,
	"november": 11, "nov": 11,
	"december": 12, "dec": 12,
}

var weekdays = map[string]time.Weekday{
	"zondag": time.Sunday, "zo": time.Sunday, "sunday": time.Sunday, "sun": time.Sunday,
	"maandag": time.Monday, "ma": time.Monday, "monday": time.Monday, "mon": time.Monday,
	"dinsdag": time.Tuesday, "di": time.Tuesday, "tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday,
	"woensdag": time.Wednesday, "wo": time.Wednesday, "wednesday": time.Wednesday, "wed": time.Wednesday,
	"donderdag": time.Thursday, "do": time.Thursday, "thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
	"vrijdag": time.Friday, "vr": time.Friday, "friday": time.Friday, "fri": time.Friday,
	"zaterdag": time.Saturday, "za": time.Saturday, "saturday": time.Saturday, "sat": time.Saturday,
}

// filler words that carry nothing: "morgen om 9 uur", "next friday at 4pm".
var filler = map[string]bool{
	"om": true, "at": true, "op": true, "on": true, "de": true, "the": true,
	"volgende": true, "aanstaande": true, "next": true, "this": true, "deze": true, "a.s": true,
	"uur": true, "o'clock": true, "oclock": true, "van": true, "of": true, "s": true,
}

type parser struct {
	words []string
}

// day is what the text says of the day: nothing, a day offset, a weekday
// or a date.
type day struct {
	set        bool
	offset     int // days from today, when relative
	relative   bool
	weekday    time.Weekday
	hasWeekday bool
	month      time.Month
	mday, year int
}

// absolute reads a day (optional) and a time of day (optional, not both
// missing) and puts them together after now.
func (p parser) absolute(now time.Time, loc *time.Location) (time.Time, error) {
	var d day
	hour, minute, haveTime := -1, 0, false
	ampm := ""
	evening := false // "vanavond": 19:00 unless a time is given, and pm
	ws := p.words
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		switch {
		case filler[w]:
			continue
		case w == "vandaag" || w == "today" || w == "vanavond" || w == "tonight":
			if d.set {
				return time.Time{}, ErrNotUnderstood
			}
			d = day{set: true, relative: true}
			if w == "vanavond" || w == "tonight" {
				evening = true
			}
		case w == "morgen" || w == "tomorrow":
			if d.set {
				return time.Time{}, ErrNotUnderstood
			}
			d = day{set: true, relative: true, offset: 1}
		case w == "overmorgen":
			if d.set {
				return time.Time{}, ErrNotUnderstood
			}
			d = day{set: true, relative: true, offset: 2}
		case w == "am" || w == "pm" || w == "a.m" || w == "p.m":
			if !haveTime || ampm != "" {
				return time.Time{}, ErrNotUnderstood
			}
			ampm = w[:1]
		case w == "ochtends" || w == "morgens" || w == "morning":
			ampm = "a"
		case w == "middags" || w == "avonds" || w == "evening" || w == "afternoon":
			ampm = "p"
		default:
			if wd, ok := weekdays[w]; ok {
				if d.set {
					return time.Time{}, ErrNotUnderstood
				}
				d = day{set: true, hasWeekday: true, weekday: wd}
				continue
			}
			if m, ok := months[w]; ok {
				// "december 3" (English order): the day number follows.
				if d.set || i+1 >= len(ws) {
					return time.Time{}, ErrNotUnderstood
				}
				n, ok := dayNumber(ws[i+1])
				if !ok {
					return time.Time{}, ErrNotUnderstood
				}
				d = day{set: true, month: m, mday: n}
				i++
				i = p.year(i, &d)
				continue
			}
			if n, ok := dayNumber(w); ok && i+1 < len(ws) {
				if m, ok := months[ws[i+1]]; ok {
					if d.set {
						return time.Time{}, ErrNotUnderstood
					}
					d = day{set: true, month: m, mday: n}
					i++
					i = p.year(i, &d)
					continue
				}
			}
			if dd, ok := numericDate(w); ok {
				if d.set {
					return time.Time{}, ErrNotUnderstood
				}
				d = dd
				continue
			}
			h, m, suffix, ok := clockTime(w)
			if !ok || haveTime {
				return time.Time{}, ErrNotUnderstood
			}
			hour, minute, haveTime = h, m, true
			if suffix != "" {
				ampm = suffix
			}
		}
	}
	if !d.set && !haveTime {
		return time.Time{}, ErrNotUnderstood
	}
	switch {
	case !haveTime && evening:
		hour = 19
	case !haveTime:
		hour = defaultHour
	case evening && ampm == "" && hour < 12:
		hour += 12 // "vanavond 8": 20:00
	}
	switch ampm {
	case "a":
		if hour > 12 {
			return time.Time{}, ErrNotUnderstood
		}
		if hour == 12 {
			hour = 0
		}
	case "p":
		if hour > 12 {
			return time.Time{}, ErrNotUnderstood
		}
		if hour < 12 {
			hour += 12
		}
	}
	at := func(y int, mo time.Month, dd int) time.Time {
		return time.Date(y, mo, dd, hour, minute, 0, 0, loc)
	}
	y, mo, dd := now.Date()
	switch {
	case !d.set:
		t := at(y, mo, dd)
		if !t.After(now) {
			t = at(y, mo, dd+1)
		}
		return t, nil
	case d.relative:
		return at(y, mo, dd+d.offset), nil
	case d.hasWeekday:
		ahead := (int(d.weekday) - int(now.Weekday()) + 7) % 7
		t := at(y, mo, dd+ahead)
		if !t.After(now) {
			t = at(y, mo, dd+ahead+7)
		}
		return t, nil
	default:
		if d.mday > daysIn(d.month, max(d.year, y)) && d.year != 0 {
			return time.Time{}, ErrNotUnderstood
		}
		if d.year != 0 {
			t := at(d.year, d.month, d.mday)
			if t.Day() != d.mday {
				return time.Time{}, ErrNotUnderstood
			}
			return t, nil
		}
		for yy := y; yy <= y+4; yy++ {
			if d.mday > daysIn(d.month, yy) {
				continue // 29 februari: the next leap year
			}
			if t := at(yy, d.month, d.mday); t.After(now) {
				return t, nil
			}
		}
		return time.Time{}, ErrNotUnderstood
	}
}

// year takes a year after a date ("3 december 2027") if there is one.
func (p parser) year(i int, d *day) int {
	if i+1 < len(p.words) {
		w := p.words[i+1]
		if len(w) == 4 {
			if n, err := strconv.Atoi(w); err == nil && n >= 2000 && n <= 2200 {
				d.year = n
				return i + 1
			}
		}
	}
	return i
}

func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dayNumber reads "3", "03", "3e", "3rd", "1st", "22nd".
func dayNumber(w string) (int, bool) {
	for _, suf := range []string{"st", "nd", "rd", "th", "ste", "de", "e"} {
		if s, ok := strings.CutSuffix(w, suf); ok && s != "" {
			w = s
			break
		}
	}
	if len(w) > 2 {
		return 0, false
	}
	n, err := strconv.Atoi(w)
	if err != nil || n < 1 || n > 31 {
		return 0, false
	}
	return n, true
}

// numericDate reads a day and month the Dutch way: "3-12", "3/12",
// "03-12-2027". (Never month first: 3/12 is the 3rd of December.)
func numericDate(w string) (day, bool) {
	sep := "-"
	if strings.Contains(w, "/") {
		sep = "/"
	}
	parts := strings.Split(w, sep)
	if len(parts) < 2 || len(parts) > 3 {
		return day{}, false
	}
	dd, ok := dayNumber(parts[0])
	if !ok || len(parts[1]) > 2 {
		return day{}, false
	}
	mm, err := strconv.Atoi(parts[1])
	if err != nil || mm < 1 || mm > 12 {
		return day{}, false
	}
	d := day{set: true, month: time.Month(mm), mday: dd}
	if len(parts) == 3 {
		y, err := strconv.Atoi(parts[2])
		if err != nil || len(parts[2]) != 4 || y < 2000 || y > 2200 {
			return day{}, false
		}
		d.year = y
	}
	if dd > daysIn(d.month, 2028) { // 2028 is a leap year: 29-2 is a date
		return day{}, false
	}
	return d, true
}

// clockTime reads a time of day: "9", "9:00", "9.30", "16u", "16u30",
// "16h", "9am", "4pm", "4:30pm". The suffix is "a" or "p" for am/pm.
func clockTime(w string) (hour, minute int, suffix string, ok bool) {
	for _, s := range []struct{ cut, suf string }{{"am", "a"}, {"pm", "p"}, {"a.m", "a"}, {"p.m", "p"}} {
		if rest, found := strings.CutSuffix(w, s.cut); found && rest != "" {
			w, suffix = rest, s.suf
			break
		}
	}
	h, m := w, ""
	switch {
	case strings.ContainsAny(w, ":."):
		i := strings.IndexAny(w, ":.")
		h, m = w[:i], w[i+1:]
		if len(m) != 2 {
			return 0, 0, "", false
		}
	case strings.ContainsAny(w, "uh"):
		i := strings.IndexAny(w, "uh")
		h, m = w[:i], w[i+1:]
		if m != "" && len(m) != 2 {
			return 0, 0, "", false
		}
	}
	if len(h) == 0 || len(h) > 2 {
		return 0, 0, "", false
	}
	hour, err := strconv.Atoi(h)
	if err != nil || hour < 0 || hour > 23 {
		return 0, 0, "", false
	}
	if m != "" {
		minute, err = strconv.Atoi(m)
		if err != nil || minute < 0 || minute > 59 {
			return 0, 0, "", false
		}
	}
	return hour, minute, suffix, true
}
