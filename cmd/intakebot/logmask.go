package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// tokenMask replaces the bot token in log lines.
const tokenMask = "[token]"

// maskingHandler keeps the bot token out of the logs. The Bot API puts the
// token in every URL (/bot<token>/method), and errors of the Bot API client
// and of net/http quote the URL, so any error logged could carry it. It
// replaces the token, its URL-escaped forms and its secret part (after the
// ':') in the message and in every attribute: strings, errors, anything
// printed, inside groups too.
type maskingHandler struct {
	next    slog.Handler
	secrets []string // longest first
}

// newMaskingHandler masks token in what next writes; an empty token masks
// nothing.
func newMaskingHandler(next slog.Handler, token string) slog.Handler {
	h := &maskingHandler{next: next}
	if token == "" {
		return next
	}
	seen := map[string]bool{}
	add := func(s string) {
		// A secret of a few characters would mask ordinary words.
		if len(s) >= 6 && !seen[s] {
			seen[s] = true
			h.secrets = append(h.secrets, s)
		}
	}
	add(token)
	add(url.PathEscape(token))
	add(url.QueryEscape(token))
	if _, secret, ok := strings.Cut(token, ":"); ok {
		add(secret)
		add(url.PathEscape(secret))
		add(url.QueryEscape(secret))
	}
	return h
}

func (h *maskingHandler) mask(s string) string {
	for _, secret := range h.secrets {
		if strings.Contains(s, secret) {
			s = strings.ReplaceAll(s, secret, tokenMask)
		}
	}
	return s
}

func (h *maskingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *maskingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.mask(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *maskingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = h.attr(a)
	}
	return &maskingHandler{next: h.next.WithAttrs(masked), secrets: h.secrets}
}

func (h *maskingHandler) WithGroup(name string) slog.Handler {
	return &maskingHandler{next: h.next.WithGroup(name), secrets: h.secrets}
}

// attr masks one attribute. Values that are not strings are printed and
// checked; one that carries the token is replaced by its masked text, others
// stay as they are (numbers stay numbers, times stay times).
func (h *maskingHandler) attr(a slog.Attr) slog.Attr {
	a.Key = h.mask(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(h.mask(v.String()))
	case slog.KindGroup:
		group := v.Group()
		masked := make([]slog.Attr, len(group))
		for i, g := range group {
			masked[i] = h.attr(g)
		}
		a.Value = slog.GroupValue(masked...)
	case slog.KindAny:
		var s string
		switch x := v.Any().(type) {
		case error:
			s = x.Error()
		case fmt.Stringer:
			s = x.String()
		default:
			s = fmt.Sprintf("%+v", x)
		}
		if m := h.mask(s); m != s {
			a.Value = slog.StringValue(m)
		} else {
			a.Value = v
		}
	default:
		a.Value = v
	}
	return a
}
