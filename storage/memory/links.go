package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
)

// Tokens are made and checked as storage makes them, and kept only as their
// SHA-256 (so that the order of PendingInvites among links of one expiry is
// the same too).

// Links keeps the single-use /start links and the counters of failed
// attempts, as storage.Links does. It is safe for concurrent use.
type Links struct{ d *data }

// CreateLink stores l under a new random token and returns the token. The
// link is gone at l.Expires. A link without expiry, a staff link without
// role and an invite without director are refused.
func (ls *Links) CreateLink(_ context.Context, l domain.Link) (string, error) {
	if err := l.Check(); err != nil {
		return "", fmt.Errorf("can't create link: %w", err)
	}
	token := storage.NewToken()
	d := ls.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.links[storage.TokenHash(token)] = expiring[[]byte]{v: mustJSON(l), until: l.Expires}
	return token, nil
}

// ListInvite is storage.Links.ListInvite (which moves a list of an older
// key layout): invites are listed by what they hold here, so there is
// nothing to do.
func (ls *Links) ListInvite(context.Context, string, domain.Link) error { return nil }

// UseLink returns the link of token and deletes it in the same step: of
// several people opening one link at once exactly one gets it. A
// malformed, unknown, used or expired token gives an error wrapping
// domain.ErrLinkInvalid.
func (ls *Links) UseLink(_ context.Context, token string) (domain.Link, error) {
	if !storage.WellFormedToken(token) {
		return domain.Link{}, fmt.Errorf("can't use link: %w", domain.ErrLinkInvalid)
	}
	d := ls.d
	d.mu.Lock()
	defer d.mu.Unlock()
	h := storage.TokenHash(token)
	e, ok := d.links[h]
	delete(d.links, h)
	if !ok || !e.live(d.now()) {
		return domain.Link{}, fmt.Errorf("can't use link: %w", domain.ErrLinkInvalid)
	}
	return fromJSON[domain.Link](e.v), nil
}

// PeekLink returns the link of token without using it up. Errors as
// UseLink's.
func (ls *Links) PeekLink(_ context.Context, token string) (domain.Link, error) {
	if !storage.WellFormedToken(token) {
		return domain.Link{}, fmt.Errorf("can't read link: %w", domain.ErrLinkInvalid)
	}
	d := ls.d
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.links[storage.TokenHash(token)]
	if !ok || !e.live(d.now()) {
		return domain.Link{}, fmt.Errorf("can't read link: %w", domain.ErrLinkInvalid)
	}
	return fromJSON[domain.Link](e.v), nil
}

// invite is a live invite and its token hash.
type invite struct {
	hash string
	l    domain.Link
}

// invitesOf lists director's live invites in the order of storage's index:
// by expiry (to the millisecond), then by token hash. d.mu is held.
func (d *data) invitesOf(director int64) []invite {
	now := d.now()
	var out []invite
	for h, e := range d.links {
		if !e.live(now) {
			continue
		}
		l := fromJSON[domain.Link](e.v)
		if l.Kind == domain.LinkInvite && l.Director == director {
			out = append(out, invite{hash: h, l: l})
		}
	}
	slices.SortFunc(out, func(a, b invite) int {
		return cmp.Or(cmp.Compare(a.l.Expires.UnixMilli(), b.l.Expires.UnixMilli()), cmp.Compare(a.hash, b.hash))
	})
	return out
}

// PendingInvites lists the director's invites that are neither used nor
// expired, newest (by Created) first.
func (ls *Links) PendingInvites(_ context.Context, director int64) ([]domain.Link, error) {
	ls.d.mu.Lock()
	defer ls.d.mu.Unlock()
	var out []domain.Link
	for _, in := range ls.d.invitesOf(director) {
		out = append(out, in.l)
	}
	slices.SortStableFunc(out, func(a, b domain.Link) int { return cmp.Compare(b.Created.UnixNano(), a.Created.UnixNano()) })
	return out, nil
}

// LinkFailure counts a failed link for userID and returns the count since
// the first failure of the current window (storage.LinkFailureWindow from
// the first failure on; then the count starts over).
func (ls *Links) LinkFailure(_ context.Context, userID int64) (int, error) {
	d := ls.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	f := d.fails[userID]
	if !f.live(now) {
		f = expiring[int]{until: now.Add(d.failWindow)}
	}
	f.v++
	d.fails[userID] = f
	return f.v, nil
}

// LinkFailures returns the count LinkFailure keeps, without adding to it.
func (ls *Links) LinkFailures(_ context.Context, userID int64) (int, error) {
	d := ls.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if f := d.fails[userID]; f.live(d.now()) {
		return f.v, nil
	}
	return 0, nil
}

// DeleteCaseLinks deletes these directors' invites that would re-attach
// the case under caseKey to another account, and returns how many it
// deleted. Other invites stay.
func (ls *Links) DeleteCaseLinks(_ context.Context, caseKey string, directors ...int64) (int, error) {
	d := ls.d
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, dir := range directors {
		if dir == 0 {
			continue
		}
		for _, in := range d.invitesOf(dir) {
			if in.l.CaseKey == caseKey {
				delete(d.links, in.hash)
				n++
			}
		}
	}
	return n, nil
}
