// Package bottest holds what the tests of the bot's packages share: the
// real locales and default flow, loaded once, and a renderer over them.
// Only tests import it.
package bottest

import (
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/locales"
)

// The catalog and flow are read-only and safe for concurrent use, so every
// test shares one copy.
var shared = sync.OnceValues(func() (*locales.Catalog, error) { return locales.Load("nl", "") })

// Catalog is the project's own locales, Dutch first.
func Catalog(tb testing.TB) *locales.Catalog {
	tb.Helper()
	cat, err := shared()
	if err != nil {
		tb.Fatalf("locales: %v", err)
	}
	return cat
}

// Engine runs the default flow in every language of the catalog.
func Engine(tb testing.TB) *dialog.Engine {
	tb.Helper()
	cat := Catalog(tb)
	flow, err := dialog.DefaultFlow(cat.HasEverywhere)
	if err != nil {
		tb.Fatalf("default flow: %v", err)
	}
	return &dialog.Engine{Flow: flow, Languages: cat.Languages(), Match: cat.Match, Country: "nl", Words: cat.CommandWords()}
}

// Renderer renders in the catalog's texts, dates in CET.
func Renderer(tb testing.TB) *render.Renderer {
	tb.Helper()
	return &render.Renderer{L: Catalog(tb), Loc: time.FixedZone("CET", 3600)}
}

// FullSession is an approved intake of the default flow with an answer of
// every kind, one question skipped and user text that looks like HTML.
func FullSession(tb testing.TB, f *dialog.Flow) dialog.Session {
	tb.Helper()
	at := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	text := func(s string) dialog.Answer { return dialog.Answer{Text: s, At: at} }
	choice := func(c ...string) dialog.Answer { return dialog.Answer{Choices: c, At: at} }
	answers := map[string]dialog.Answer{
		"dreams":             text("Een eigen huis <b>met tuin</b> & een hond"),
		"dreams_help":        {Skipped: true, At: at},
		"support_areas":      choice("money", "housing", "mental"),
		"support_words":      text("Hulp met post en geld.\nEn soms iemand om mee te praten."),
		"support_level":      {Scale: 4, At: at},
		"support_often":      choice("weekly"),
		"worked":             text("Een vaste begeleider die naar me luisterde."),
		"not_worked":         text("Steeds nieuwe mensen."),
		"keep_practitioners": choice("yes"),
		"practitioners":      {Items: []string{"Anna (mentor)", "Bram & Co <jeugdzorg>"}, At: at},
		"practitioners_ok":   choice("yes"),
		"network":            {Items: []string{"Oma", "Mijn zus Sara"}, At: at},
		"network_involve":    choice("some"),
		"network_which":      text("Alleen oma."),
		"trusted_person":     text("Oma"),
		"treat_do":           text("Eerlijk zijn."),
		"treat_dont":         text("Over me praten zonder mij."),
		"must_not":           text("Terug naar de groep."),
		"safe_now":           choice("mostly"),
		"safety_agreements":  text("Geen contact met mijn vader."),
		"no_go_places":       {Items: []string{"Rotterdam-Zuid"}, At: at},
		"no_go_reason":       text("Daar woont mijn vader."),
		"living_now":         choice("group_home"),
		"daytime":            choice("school", "work"),
		"income":             choice("student", "wage"),
		"income_amount":      choice("from_500"),
		"housing_register":   choice("registered"),
		"ground_floor":       choice("not_needed"),
		"anything_else":      text("Nee, dank je."),
	}
	s := dialog.Session{
		Key: "1", FlowID: f.ID, FlowVersion: f.Version, Lang: "nl", State: dialog.StateSubmitted,
		Answers: answers, Started: at, Updated: at.Add(35 * time.Minute), Submitted: at.Add(35 * time.Minute),
	}
	if err := f.CheckSession(s); err != nil {
		tb.Fatalf("test session: %v", err)
	}
	return s
}
