package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/locales"
	"github.com/intakebot/intakebot/storage"
)

// newEngine loads the texts and the flow (the operator's file or the
// embedded default) and checks them against each other: a flow that needs a
// missing text is refused at start, not halfway a conversation.
func newEngine(cfg *config, now func() time.Time) (*dialog.Engine, *locales.Catalog, error) {
	cat, err := locales.Load(cfg.Locale, cfg.LocalesDir)
	if err != nil {
		return nil, nil, fmt.Errorf("can't load locales: %w", err)
	}
	var flow *dialog.Flow
	if cfg.FlowFile != "" {
		data, err := os.ReadFile(cfg.FlowFile)
		if err != nil {
			return nil, nil, fmt.Errorf("INTAKEBOT_FLOW_FILE: can't read %s: %w", cfg.FlowFile, err)
		}
		flow, err = dialog.ParseFlow(data, cat.HasEverywhere)
		if err != nil {
			return nil, nil, fmt.Errorf("INTAKEBOT_FLOW_FILE: %s: %w", cfg.FlowFile, err)
		}
	} else if flow, err = dialog.DefaultFlow(cat.HasEverywhere); err != nil {
		return nil, nil, fmt.Errorf("default flow: %w", err)
	}
	return &dialog.Engine{
		Flow: flow, Now: now, Languages: cat.Languages(), Country: cfg.Country, ResumeAfter: cfg.ResumeAfter, Consent: true,
	}, cat, nil
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
	saved, err := a.s.Save(ctx, s)
	if errors.Is(err, storage.ErrConflict) {
		return s, fmt.Errorf("%w: %w", bot.ErrConflict, err)
	}
	return saved, err
}
