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
	return &dialog.Engine{Flow: flow, Languages: cat.Languages(), Country: "nl"}
}

// Renderer renders in the catalog's texts, dates in CET.
func Renderer(tb testing.TB) *render.Renderer {
	tb.Helper()
	return &render.Renderer{L: Catalog(tb), Loc: time.FixedZone("CET", 3600)}
}
