package dialog

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/intakebot/intakebot/dialog/tomlline"
)

//go:embed default_flow.toml
var defaultFlowFile []byte

// DefaultFlowFile returns the embedded default intake flow as written, for
// operators who want to start their own from it.
func DefaultFlowFile() []byte { return slices.Clone(defaultFlowFile) }

// DefaultFlow parses the embedded default flow. hasMessage checks that every
// text the flow needs exists (nil skips that check).
func DefaultFlow(hasMessage func(id string) bool) (*Flow, error) {
	return ParseFlow(defaultFlowFile, hasMessage)
}

// FlowError is a refused flow file: the line (0 when unknown) and the reason.
type FlowError struct {
	Line   int
	Reason string
}

func (e *FlowError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return e.Reason
}

var (
	idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// ParseFlow reads a flow file (TOML, see docs/flows.md) and checks it
// whole: a flow that would break a conversation halfway is refused at start,
// with the line and the reason.
func ParseFlow(data []byte, hasMessage func(id string) bool) (*Flow, error) {
	// The decoder matches keys to fields ignoring case, in map order: with
	// both "kind" and "Kind" in a question, which one wins would vary from
	// start to start. So every key must be written as documented, checked
	// on a first pass that decodes nothing.
	var raw map[string]any
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, decodeError(err)
	}
	for _, key := range md.Keys() {
		if k := key[len(key)-1]; k != strings.ToLower(k) {
			return nil, &FlowError{Line: tomlline.Key(data, k), Reason: fmt.Sprintf("unknown key %q (keys are lower case)", key.String())}
		}
	}
	var f Flow
	if md, err = toml.Decode(string(data), &f); err != nil {
		return nil, decodeError(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		key := und[0]
		return nil, &FlowError{Line: tomlline.Key(data, key[len(key)-1]), Reason: fmt.Sprintf("unknown key %q", key.String())}
	}
	if err := f.check(data, hasMessage); err != nil {
		return nil, err
	}
	f.applyDefaults()
	f.buildIndex()
	return &f, nil
}

// decodeError is a TOML error as a FlowError with its line.
func decodeError(err error) error {
	line, reason := tomlline.OfError(err)
	return &FlowError{Line: line, Reason: reason}
}

func (f *Flow) applyDefaults() {
	for i := range f.Questions {
		q := &f.Questions[i]
		switch q.Kind {
		case KindText:
			if q.MaxLen == 0 {
				q.MaxLen = DefaultTextMax
			}
		case KindList:
			if q.MaxLen == 0 {
				q.MaxLen = DefaultItemMax
			}
			if q.MaxItems == 0 {
				q.MaxItems = DefaultListMax
			}
		case KindScale:
			if q.Min == 0 && q.Max == 0 {
				q.Min, q.Max = DefaultScaleMin, DefaultScaleMax
			}
		}
	}
}

func (f *Flow) check(data []byte, hasMessage func(string) bool) error {
	if !idPattern.MatchString(f.ID) {
		return &FlowError{Line: tomlline.TopLevel(data, "id"), Reason: fmt.Sprintf("flow id %q must be lower-case letters, digits and _", f.ID)}
	}
	if f.Version < 1 {
		return &FlowError{Line: tomlline.TopLevel(data, "version"), Reason: "version must be 1 or higher"}
	}
	if len(f.Questions) == 0 {
		return &FlowError{Reason: "the flow has no [[questions]]"}
	}
	topicLines, lines := tomlline.Sections(data, "topics"), tomlline.Sections(data, "questions")
	topics := map[string]bool{}
	for i, t := range f.Topics {
		if !idPattern.MatchString(t.ID) || topics[t.ID] {
			line := 0
			if i < len(topicLines) {
				line = topicLines[i]
			}
			return &FlowError{Line: line, Reason: fmt.Sprintf("topic id %q is empty, badly formed or used twice", t.ID)}
		}
		topics[t.ID] = true
	}
	seen := map[string]int{}
	for i := range f.Questions {
		q := &f.Questions[i]
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		fail := func(format string, args ...any) error {
			return &FlowError{Line: line, Reason: fmt.Sprintf("question %q: ", q.ID) + fmt.Sprintf(format, args...)}
		}
		if !idPattern.MatchString(q.ID) || len(q.ID) > maxQuestionIDBytes {
			return fail("id must be 1-%d lower-case letters, digits and _", maxQuestionIDBytes)
		}
		if _, dup := seen[q.ID]; dup {
			return fail("id used twice")
		}
		seen[q.ID] = i
		if !topics[q.Topic] {
			return fail("unknown topic %q (add it as [[topics]])", q.Topic)
		}
		if !slices.Contains(kinds, q.Kind) {
			return fail("unknown question kind %q (one of %s)", q.Kind, kindList())
		}
		if err := q.checkShape(fail); err != nil {
			return err
		}
		if q.When != nil {
			j, ok := seen[q.When.Question]
			if !ok || j >= i {
				return fail("condition on %q, which is not an earlier question", q.When.Question)
			}
			dep := &f.Questions[j]
			for _, v := range q.When.AnyOf {
				if !dep.hasOption(v) {
					return fail("condition value %q is not an option of %q", v, dep.ID)
				}
			}
			if len(q.When.AnyOf) > 0 && (dep.Kind == KindText || dep.Kind == KindList || dep.Kind == KindScale) {
				return fail("condition values need a choice, multi or yesno question, %q is %s", dep.ID, dep.Kind)
			}
		}
		if hasMessage != nil {
			for _, id := range (&Flow{Topics: []Topic{{ID: q.Topic}}, Questions: []Question{*q}}).MessageIDs() {
				if !hasMessage(id) {
					return fail("missing message %q in locales", id)
				}
			}
		}
	}
	return nil
}

func (q *Question) checkShape(fail func(string, ...any) error) error {
	switch q.Kind {
	case KindChoice, KindMulti:
		if len(q.Options) < 2 {
			return fail("a %s question needs at least 2 options", q.Kind)
		}
		if len(q.Options) > 20 {
			return fail("at most 20 options")
		}
		for _, o := range q.Options {
			if !idPattern.MatchString(o) || len(o) > 16 {
				return fail("option %q must be 1-16 lower-case letters, digits and _", o)
			}
			if o == Yes || o == No {
				return fail("option %q is reserved for yesno questions", o)
			}
			// q.<id>.short and q.<id>.hint are the question's own labels.
			if o == "short" || o == "hint" {
				return fail("option %q is reserved: its message would be the question's label", o)
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(q.Options)))) != len(q.Options) {
			return fail("an option is listed twice")
		}
	default:
		if len(q.Options) > 0 {
			return fail("options are only for choice and multi questions")
		}
	}
	if q.Kind == KindScale {
		lo, hi := q.Min, q.Max
		if lo == 0 && hi == 0 {
			lo, hi = DefaultScaleMin, DefaultScaleMax
		}
		// Bounds first: hi-lo of far-apart numbers overflows.
		if lo < -1000 || hi > 1000 || hi <= lo || hi-lo > 10 {
			return fail("a scale needs min < max, at most 11 steps, within -1000 and 1000")
		}
	}
	for opt, flag := range q.Flags {
		if !q.hasOption(opt) {
			return fail("flag on %q, which is not an option", opt)
		}
		if !idPattern.MatchString(flag) {
			return fail("flag name %q must be lower-case letters, digits and _", flag)
		}
	}
	for _, opt := range q.Alert {
		if !q.hasOption(opt) {
			return fail("alert on %q, which is not an option", opt)
		}
	}
	if q.MaxLen < 0 || q.MaxLen > 4000 || q.MaxItems < 0 || q.MaxItems > 50 {
		return fail("max_len must be 0-4000 and max_items 0-50")
	}
	return nil
}

func kindList() string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
