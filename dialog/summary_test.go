package dialog

import (
	"reflect"
	"testing"
	"time"
)

func TestBuildSummary(t *testing.T) {
	f := smallFlow(t)
	at := epoch.Add(time.Hour)
	s := Session{
		Key: "chat-1", FlowID: "small", FlowVersion: 1, Lang: "en", State: StateReview,
		Started: epoch, Updated: at,
		Answers: map[string]Answer{
			"name":        {Text: "Sam", At: at},
			"story":       {Skipped: true, At: at},
			"housing":     {Choices: []string{"own"}, At: at},
			"help":        {Choices: []string{"money", "health"}, At: at},
			"has_friends": {Choices: []string{No}, At: at},
			// Answered before has_friends became no: no longer applies, and
			// neither does friends_ok, which depends on it.
			"friends":    {Items: []string{"Ann"}, At: at},
			"friends_ok": {Choices: []string{Yes}, At: at},
		},
	}
	if err := f.CheckSession(s); err != nil {
		t.Fatal(err)
	}
	item := func(n int, id string, vals ...Text) SummaryItem {
		return SummaryItem{N: n, QuestionID: id, Label: T("q." + id + ".short"), Values: vals}
	}
	story := item(2, "story", T("answer.skipped"))
	story.Skipped = true
	mood := item(4, "mood")
	mood.Open = true
	final := item(7, "final")
	final.Open = true
	want := Summary{
		FlowID: "small", FlowVersion: 1, Lang: "en", Started: epoch,
		Topics: []SummaryTopic{
			{Topic: T("topic.about"), Items: []SummaryItem{
				item(1, "name", Raw("Sam")),
				story,
				item(3, "housing", T("q.housing.own")),
				mood,
			}},
			{Topic: T("topic.people"), Items: []SummaryItem{
				item(5, "help", T("q.help.money"), T("q.help.health")),
				item(6, "has_friends", T("answer.no")),
			}},
			{Topic: T("topic.end"), Items: []SummaryItem{final}},
		},
		Skipped: []SummaryItem{story, mood, final},
		Count:   7,
	}
	got := BuildSummary(f, s)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("summary\n got %+v\nwant %+v", got, want)
	}

	s.State, s.Submitted = StateSubmitted, at
	if got := BuildSummary(f, s); !got.Submitted.Equal(at) {
		t.Fatalf("submitted %v", got.Submitted)
	}
}

func TestBuildSummaryTopicOrder(t *testing.T) {
	// Topics are listed in the order of [[topics]], whatever the order of
	// the questions; numbers stay those of the review.
	f, err := ParseFlow([]byte(`id = "order"
version = 1
[[topics]]
id = "later"
[[topics]]
id = "first"
[[questions]]
id = "a"
topic = "first"
kind = "scale"
[[questions]]
id = "b"
topic = "later"
kind = "text"
[[questions]]
id = "c"
topic = "first"
kind = "text"
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := Session{Answers: map[string]Answer{
		"a": {Scale: 4}, "b": {Text: "bee"}, "c": {Text: "sea"},
	}}
	got := BuildSummary(f, s)
	if len(got.Topics) != 2 || got.Topics[0].Topic.ID != "topic.later" || got.Topics[1].Topic.ID != "topic.first" {
		t.Fatalf("topics %+v", got.Topics)
	}
	var order []int
	for _, tp := range got.Topics {
		for _, it := range tp.Items {
			order = append(order, it.N)
		}
	}
	if !reflect.DeepEqual(order, []int{2, 1, 3}) {
		t.Fatalf("numbers in summary order %v, want [2 1 3]", order)
	}
	scale := got.Topics[1].Items[0].Values
	if len(scale) != 1 || scale[0].ID != "answer.scale" || scale[0].Vars["Value"] != 4 || scale[0].Vars["Max"] != 5 {
		t.Fatalf("scale shown as %+v", scale)
	}
}

func TestBuildSummaryEmpty(t *testing.T) {
	f := smallFlow(t)
	got := BuildSummary(f, NewSession("x"))
	if got.Count != 7 || len(got.Skipped) != 7 || !got.Skipped[0].Open {
		t.Fatalf("a new session: %+v", got)
	}
}

// Signals of acute risk flag the summary and say when and where, never
// what; a flow's own flags stay as they are.
func TestSummarySignals(t *testing.T) {
	f := defaultFlow(t)
	s := Session{Key: "k", Lang: "nl", State: StateReview, Started: epoch, Signals: []Signal{
		{At: epoch, Source: "safe_now"},
		{At: epoch.Add(time.Minute), Source: SignalMessage, Quiet: true},
		{At: epoch.Add(2 * time.Minute), Source: SignalUrgent},
		{At: epoch.Add(3 * time.Minute), Source: "gone_question"},
	}}
	sum := BuildSummary(f, s)
	if !reflect.DeepEqual(sum.Flags, []string{FlagAcute}) {
		t.Fatalf("flags %q", sum.Flags)
	}
	want := []SummarySignal{
		{At: epoch, Where: T("signal.where.question", "Question", T("q.safe_now.short"))},
		{At: epoch.Add(time.Minute), Where: T("signal.where.message")},
		{At: epoch.Add(2 * time.Minute), Where: T("signal.where.urgent")},
		{At: epoch.Add(3 * time.Minute), Where: T("signal.where.answer")},
	}
	if !reflect.DeepEqual(sum.Signals, want) {
		t.Fatalf("signals\n%+v\nwant\n%+v", sum.Signals, want)
	}
	s.Answers = map[string]Answer{"safe_now": {Choices: []string{"unsafe"}, At: epoch}}
	if got := BuildSummary(f, s).Flags; !reflect.DeepEqual(got, []string{FlagAcute, "safety"}) {
		t.Fatalf("flags %q, want acute and safety", got)
	}
	s.Signals = nil
	if got := BuildSummary(f, s); !reflect.DeepEqual(got.Flags, []string{"safety"}) || got.Signals != nil {
		t.Fatalf("without signals: flags %q, signals %+v", got.Flags, got.Signals)
	}
}
