package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/dialog/crisis"
	"github.com/intakebot/intakebot/locales"
	"github.com/intakebot/intakebot/storage"
)

// newEngine loads the texts and the flow (the operator's file or the
// embedded default) and checks them against each other: a flow that needs a
// text missing in the default language is refused at start, not halfway a
// conversation. The bot speaks the languages that have every text of the
// flow: an operator's flow written in Dutch and English only makes the bot
// offer those two, and a young person whose Telegram reports another
// language gets the default.
func newEngine(cfg *config, now func() time.Time) (*dialog.Engine, *locales.Catalog, error) {
	cat, err := locales.Load(cfg.Locale, cfg.LocalesDir)
	if err != nil {
		return nil, nil, fmt.Errorf("can't load locales: %w", err)
	}
	var flow *dialog.Flow
	var needs []string // every text the flow asks for
	has := func(id string) bool {
		needs = append(needs, id)
		return cat.Has(cat.Default(), id)
	}
	if cfg.FlowFile != "" {
		data, err := os.ReadFile(cfg.FlowFile)
		if err != nil {
			return nil, nil, fmt.Errorf("INTAKEBOT_FLOW_FILE: can't read %s: %w", cfg.FlowFile, err)
		}
		flow, err = dialog.ParseFlow(data, has)
		if err != nil {
			return nil, nil, fmt.Errorf("INTAKEBOT_FLOW_FILE: %s: %w", cfg.FlowFile, err)
		}
	} else if flow, err = dialog.DefaultFlow(has); err != nil {
		return nil, nil, fmt.Errorf("default flow: %w", err)
	}
	langs := flowLanguages(cat, needs)
	words, err := crisis.Load()
	if err != nil {
		return nil, nil, err
	}
	return &dialog.Engine{
		Flow: flow, Now: now, Languages: langs, Match: func(code string) string {
			if l := cat.Match(code); slices.Contains(langs, l) {
				return l
			}
			return cat.Default()
		}, Country: cfg.Country, ResumeAfter: cfg.ResumeAfter, Consent: true,
		Crisis: words, Words: cat.CommandWords(),
	}, cat, nil
}

// flowLanguages are the catalog's languages that have every text in needs,
// the default first (it has them all, or the flow was refused).
func flowLanguages(cat *locales.Catalog, needs []string) []string {
	var langs []string
	for _, l := range cat.Languages() {
		if !slices.ContainsFunc(needs, func(id string) bool { return !cat.Has(l, id) }) {
			langs = append(langs, l)
		}
	}
	return langs
}

// sessionStore adapts storage.Sessions to the interface the edges declare.
type sessionStore struct{ s *storage.Sessions }

func (a sessionStore) Load(ctx context.Context, key string) (dialog.Session, bool, error) {
	s, err := a.s.Load(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return dialog.Session{}, false, nil
	}
	return s, err == nil, err
}

// LoadFresh reads past the cache (bot.FreshLoader).
func (a sessionStore) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	s, err := a.s.LoadFresh(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return dialog.Session{}, false, nil
	}
	return s, err == nil, err
}

func (a sessionStore) Save(ctx context.Context, s dialog.Session) (dialog.Session, error) {
	return a.s.Save(ctx, s)
}

// Quarantine sets aside a session that does not open (conversation.Store).
func (a sessionStore) Quarantine(ctx context.Context, key string) (bool, error) {
	return a.s.Quarantine(ctx, key)
}

// MoveSession re-keys an intake to a young person's new Telegram account:
// the session is saved under the new key (which must be free) and then
// erased under the old one.
func (a sessionStore) MoveSession(ctx context.Context, oldKey, newKey string) error {
	s, err := a.s.LoadFresh(ctx, oldKey)
	if err != nil {
		return fmt.Errorf("can't load the intake to move: %w", err)
	}
	s.Key, s.Version = newKey, 0
	if _, err := a.s.Save(ctx, s); err != nil {
		return fmt.Errorf("can't save the moved intake: %w", err)
	}
	if err := a.s.Delete(ctx, oldKey); err != nil {
		return fmt.Errorf("can't erase the intake under its old account: %w", err)
	}
	return nil
}

// withPeople sets in o the stores of what the bot knows about people,
// one per aggregate of storage's bundle, and the /exit trail.
func withPeople(o bot.Options, p *storage.People, trail *storage.Trail) bot.Options {
	o.Staff, o.Links, o.Cases, o.Audit = p.Staff, p.Links, p.Cases, p.Audit
	o.Alerts, o.OnCall, o.Erasure, o.Trail = p.Alerts, p.OnCall, p.Erasure, trail
	return o
}
