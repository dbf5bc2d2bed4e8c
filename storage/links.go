package storage

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
)

// Single-use /start links. A token is tokenBytes random bytes from
// crypto/rand in unpadded base64url: 22 characters of [A-Za-z0-9_-], which
// Telegram accepts as a /start payload (up to 64 of those). Redis holds only
// SHA-256 of the token, so a dump of Redis cannot be turned into working
// links; 128 random bits need no salt or slow hash.
const (
	tokenBytes = 16
	tokenLen   = 22 // base64.RawURLEncoding.EncodedLen(tokenBytes)
)

// Links keeps the single-use /start links (staff links and a director's
// invites to a young person), the index of each director's invites and
// the counters of failed attempts. It is safe for concurrent use.
type Links struct {
	base
	failWindow time.Duration // LinkFailureWindow
}

// NewToken is a new link token: tokenBytes random bytes in unpadded
// base64url.
func NewToken() string {
	var raw [tokenBytes]byte
	_, _ = rand.Read(raw[:]) // never fails; see Codec.Seal
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// TokenHash is how a link is keyed: the SHA-256 of its token, in hex;
// the token itself is never stored.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// WellFormedToken reports whether token could have come from CreateLink.
func WellFormedToken(token string) bool {
	if len(token) != tokenLen {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// listInviteScript lists an invite in the director's invites, trims
// entries that expired by Redis's own clock and lets the list expire with
// its last link. The link itself is a SET with PXAT beside it (another slot
// on Redis Cluster); PXAT in the past stores nothing: the link is gone at
// once.
//
//	KEYS[1] director's invites   ARGV[1] expiry, unix ms   ARGV[2] token hash
var listInviteScript = loadScript("list_invite")

// CreateLink stores l under a new random token of 128 bits and returns the
// token; only its SHA-256 is stored. Redis drops the link at l.Expires (a
// link that has expired already is never usable). An invite is also
// listed for PendingInvites. A link without expiry, a staff link without
// role and an invite without director are refused. One round trip.
func (ls *Links) CreateLink(ctx context.Context, l domain.Link) (string, error) {
	if err := l.Check(); err != nil {
		return "", fmt.Errorf("can't create link: %w", err)
	}
	token := NewToken()
	hash := TokenHash(token)
	rkey := ls.linkKey(hash)
	sealed, err := ls.sealJSON(l, rkey)
	if err != nil {
		return "", fmt.Errorf("can't create link: %w", err)
	}
	var list *redis.Cmd
	_, err = ls.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Do(ctx, "SET", rkey, sealed, "PXAT", l.Expires.UnixMilli())
		if l.Kind == domain.LinkInvite {
			list = listInviteScript.EvalSha(ctx, pipe, []string{ls.invitesKey(l.Director)}, l.Expires.UnixMilli(), hash)
		}
		return nil
	})
	if err != nil && list != nil && redis.HasErrorPrefix(list.Err(), "NOSCRIPT") {
		err = listInviteScript.Run(ctx, ls.client, []string{ls.invitesKey(l.Director)}, l.Expires.UnixMilli(), hash).Err()
	}
	if err != nil {
		return "", fmt.Errorf("can't create link: %w", err)
	}
	return token, nil
}

// ListInvite lists the invite l, stored under the token hash hash, in
// its director's invites again (storage/rekey, moving a list of an older
// layout). One round trip.
func (ls *Links) ListInvite(ctx context.Context, hash string, l domain.Link) error {
	return listInviteScript.Run(ctx, ls.client, []string{ls.invitesKey(l.Director)}, l.Expires.UnixMilli(), hash).Err()
}

// UseLink returns the link of token and deletes it in the same step
// (GETDEL), so that of several people opening one link at once exactly one
// gets it. A malformed token fails without asking Redis; a malformed,
// unknown, used or expired one gives an error wrapping domain.ErrLinkInvalid.
// One round trip, two for an invite (it is also taken off the director's
// list; if that fails, PendingInvites drops it later).
func (ls *Links) UseLink(ctx context.Context, token string) (domain.Link, error) {
	return ls.link(ctx, token, true)
}

// PeekLink is UseLink that leaves the link usable (for an admin's tap).
func (ls *Links) PeekLink(ctx context.Context, token string) (domain.Link, error) {
	return ls.link(ctx, token, false)
}

func (ls *Links) link(ctx context.Context, token string, use bool) (domain.Link, error) {
	if !WellFormedToken(token) {
		return domain.Link{}, fmt.Errorf("can't use link: %w", domain.ErrLinkInvalid)
	}
	hash := TokenHash(token)
	rkey := ls.linkKey(hash)
	get := map[bool]func(context.Context, string) *redis.StringCmd{true: ls.client.GetDel, false: ls.client.Get}[use]
	sealed, err := get(ctx, rkey).Result()
	if errors.Is(err, redis.Nil) {
		return domain.Link{}, fmt.Errorf("can't use link: %w", domain.ErrLinkInvalid)
	}
	if err != nil {
		return domain.Link{}, fmt.Errorf("can't use link: %w", err)
	}
	var l domain.Link
	if err := ls.openJSON(sealed, rkey, &l); err != nil {
		return domain.Link{}, fmt.Errorf("can't use link: %w", err)
	}
	if use && l.Kind == domain.LinkInvite && l.Director != 0 {
		_ = ls.client.ZRem(ctx, ls.invitesKey(l.Director), hash).Err() // tidying only
	}
	if !ls.now().Before(l.Expires) {
		// Redis's clock and ours disagree a little; either one's verdict
		// of expired counts.
		return domain.Link{}, fmt.Errorf("can't use link: %w", domain.ErrLinkInvalid)
	}
	return l, nil
}

// PendingInvites lists the director's invites that are neither used nor
// expired, newest first. Two round trips; entries of used or expired
// invites are taken off the list on the way (a third).
func (ls *Links) PendingInvites(ctx context.Context, director int64) ([]domain.Link, error) {
	ikey := ls.invitesKey(director)
	hashes, err := ls.client.ZRange(ctx, ikey, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("can't list invites: %w", err)
	}
	if len(hashes) == 0 {
		return nil, nil
	}
	keys := make([]string, len(hashes))
	for i, h := range hashes {
		keys[i] = ls.linkKey(h)
	}
	vals, err := getAll(ctx, ls.client, keys)
	if err != nil {
		return nil, fmt.Errorf("can't list invites: %w", err)
	}
	now := ls.now()
	var (
		out  []domain.Link
		gone []any
	)
	for i, v := range vals {
		sealed, ok := str(v)
		if !ok {
			gone = append(gone, hashes[i])
			continue
		}
		var l domain.Link
		if err := ls.openJSON(sealed, keys[i], &l); err != nil {
			ls.skipped.Add("link") // one bad link never hides the others
			continue
		}
		if l.Kind != domain.LinkInvite || l.Director != director || !now.Before(l.Expires) {
			continue
		}
		out = append(out, l)
	}
	if len(gone) > 0 {
		_ = ls.client.ZRem(ctx, ikey, gone...).Err() // tidying only
	}
	slices.SortStableFunc(out, func(a, b domain.Link) int { return cmp.Compare(b.Created.UnixNano(), a.Created.UnixNano()) })
	return out, nil
}

// linkFailureScript counts a failure and makes sure the counter expires:
// the window starts at the first failure.
var linkFailureScript = loadScript("link_failure")

// LinkFailure counts a failed link for userID and returns the count since
// the first failure of the current window (LinkFailureWindow, an hour: a
// fixed window from the first failure, then the count starts over). One
// round trip.
func (ls *Links) LinkFailure(ctx context.Context, userID int64) (int, error) {
	n, err := linkFailureScript.Run(ctx, ls.client, []string{ls.linkFailKey(userID)}, ls.failWindow.Milliseconds()).Int()
	if err != nil {
		return 0, fmt.Errorf("can't count link failure: %w", err)
	}
	return n, nil
}

// LinkFailures returns the count LinkFailure keeps, without adding to it.
func (ls *Links) LinkFailures(ctx context.Context, userID int64) (int, error) {
	n, err := ls.client.Get(ctx, ls.linkFailKey(userID)).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("can't read link failures: %w", err)
	}
	return n, nil
}

// DeleteCaseLinks deletes the links of these directors' invites that
// would re-attach the case under caseKey to another account (made from
// /cases), and returns how many it deleted. Other invites stay. Two round
// trips per director with invites, a third when one is deleted.
func (ls *Links) DeleteCaseLinks(ctx context.Context, caseKey string, directors ...int64) (int, error) {
	n := 0
	for _, d := range directors {
		if d == 0 {
			continue
		}
		ikey := ls.invitesKey(d)
		hashes, err := ls.client.ZRange(ctx, ikey, 0, -1).Result()
		if err != nil {
			return n, fmt.Errorf("can't delete the links of a case: %w", err)
		}
		if len(hashes) == 0 {
			continue
		}
		keys := make([]string, len(hashes))
		for i, h := range hashes {
			keys[i] = ls.linkKey(h)
		}
		vals, err := getAll(ctx, ls.client, keys)
		if err != nil {
			return n, fmt.Errorf("can't delete the links of a case: %w", err)
		}
		var dels []string
		var members []any
		for i, v := range vals {
			sealed, ok := str(v)
			if !ok {
				continue
			}
			var l domain.Link
			if err := ls.openJSON(sealed, keys[i], &l); err != nil {
				ls.skipped.Add("link") // it can't be opened, so nobody can use it
				continue
			}
			if l.CaseKey == caseKey {
				dels = append(dels, keys[i])
				members = append(members, hashes[i])
			}
		}
		if len(dels) == 0 {
			continue
		}
		// Each link is in a slot of its own on Redis Cluster.
		_, err = ls.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, k := range dels {
				pipe.Del(ctx, k)
			}
			pipe.ZRem(ctx, ikey, members...)
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("can't delete the links of a case: %w", err)
		}
		n += len(dels)
	}
	return n, nil
}

// getAll is MGET for keys that may be in different slots on Redis Cluster:
// one GET each, in one pipeline. A missing key gives nil, as MGET does.
func getAll(ctx context.Context, c redis.UniversalClient, keys []string) ([]any, error) {
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = pipe.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([]any, len(keys))
	for i, cmd := range cmds {
		if v, err := cmd.Result(); err == nil {
			out[i] = v
		}
	}
	return out, nil
}
