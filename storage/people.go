package storage

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
)

// Windows and limits of People (the unexported fields let tests shorten
// them).
const (
	// LinkFailureWindow is how long failed link attempts are counted,
	// from the first failure on.
	LinkFailureWindow = time.Hour
	// PendingStaffTTL is how long SetPendingStaff remembers a staff link
	// whose opener has not given their name yet.
	PendingStaffTTL = time.Hour
	// AuditMaxLen is about how many audit entries are kept; older ones are
	// trimmed (approximately, as Redis trims streams efficiently).
	AuditMaxLen = 100_000
)

// casAttempts bounds MoveCase's optimistic attempts when the same case is
// changed concurrently (see backoff).
const casAttempts = 10

// People keeps staff, single-use links, cases, the audit trail and the
// handoff's due times in Redis; it implements bot.People (the cmd package
// asserts that and maps domain.ErrLinkInvalid to bot.ErrLinkInvalid).
//
// As with Sessions, whatever a person wrote (a staff member's name, a young
// person's first name, a note) is sealed with the Codec, with the record's
// Redis key as AAD; plain fields hold IDs, roles, languages and times only,
// for indexes and scripts. Where a plain field matters for authorisation (a
// staff member's role, a case's director and counsellor), the sealed copy is
// the truth and a record whose plain copy disagrees is refused as corrupt.
// No error says which person, token or case it was about.
//
// The key layout is in the package comment. People is safe for concurrent
// use.
type People struct {
	client redis.UniversalClient
	codec  *Codec
	prefix string
	now    func() time.Time

	failWindow time.Duration // LinkFailureWindow
	pendingTTL time.Duration // PendingStaffTTL
	auditMax   int64         // AuditMaxLen
}

// NewPeople returns the people store of a deployment on client, sealing
// with codec (neither may be nil). An empty prefix means DefaultPrefix, a
// nil now means time.Now. now stamps records that come without a time
// (StaffMember.Added, Case.Linked, AuditEntry.At) and decides whether a
// link has expired, together with Redis's own expiry.
func NewPeople(client redis.UniversalClient, codec *Codec, prefix string, now func() time.Time) *People {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if now == nil {
		now = time.Now
	}
	return &People{
		client: client, codec: codec, prefix: prefix, now: now,
		failWindow: LinkFailureWindow,
		pendingTTL: PendingStaffTTL,
		auditMax:   AuditMaxLen,
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (p *People) staffKey(userID int64) string { return p.prefix + "staff:" + itoa(userID) }
func (p *People) staffSetKey() string          { return p.prefix + "staff" }

// unixOrZero is t in unix seconds, "0" for the zero time.
func unixOrZero(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return itoa(t.Unix())
}

// str is a value from HMGET or MGET: "" and false for a missing one.
func str(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

// openJSON opens sealed (with the Redis key rkey as AAD) into v. Its errors
// never quote the content.
func (p *People) openJSON(sealed string, rkey string, v any) error {
	plain, err := p.codec.Open([]byte(sealed), []byte(rkey))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("%w: data is not the expected record", ErrCorrupt)
	}
	return nil
}

func (p *People) sealJSON(v any, rkey string) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(p.codec.Seal(plain, []byte(rkey))), nil
}

// Staff records, one hash per member:
//
//	role      plain   domain.Role
//	lang      plain   language of what the bot sends them
//	added     plain   unix seconds
//	added_by  plain   user ID
//	data      sealed  the whole domain.StaffMember as JSON (the name is only here)

// Staff returns the staff member with userID; false when there is none.
func (p *People) Staff(ctx context.Context, userID int64) (domain.StaffMember, bool, error) {
	rkey := p.staffKey(userID)
	vals, err := p.client.HMGet(ctx, rkey, "role", "data").Result()
	if err != nil {
		return domain.StaffMember{}, false, fmt.Errorf("can't load staff member: %w", err)
	}
	m, ok, err := p.openStaff(rkey, userID, vals)
	if err != nil {
		return domain.StaffMember{}, false, fmt.Errorf("can't load staff member: %w", err)
	}
	return m, ok, nil
}

// openStaff turns HMGET role, data into a member.
func (p *People) openStaff(rkey string, userID int64, vals []any) (domain.StaffMember, bool, error) {
	role, roleOK := str(vals[0])
	data, dataOK := str(vals[1])
	if !roleOK && !dataOK {
		return domain.StaffMember{}, false, nil
	}
	if !dataOK {
		return domain.StaffMember{}, false, fmt.Errorf("%w: record lacks a field", ErrCorrupt)
	}
	var m domain.StaffMember
	if err := p.openJSON(data, rkey, &m); err != nil {
		return domain.StaffMember{}, false, err
	}
	if m.UserID != userID || string(m.Role) != role {
		return domain.StaffMember{}, false, fmt.Errorf("%w: plain fields disagree with the sealed record", ErrCorrupt)
	}
	return m, true, nil
}

// AddStaff stores m (replacing a member with the same user ID) and adds it
// to the staff set, in one transaction. A zero m.Added is set to now.
func (p *People) AddStaff(ctx context.Context, m domain.StaffMember) error {
	if m.UserID == 0 {
		return errors.New("can't add staff member: no user ID")
	}
	if m.Role == "" {
		return errors.New("can't add staff member: no role")
	}
	if m.Added.IsZero() {
		m.Added = p.now()
	}
	rkey := p.staffKey(m.UserID)
	sealed, err := p.sealJSON(m, rkey)
	if err != nil {
		return fmt.Errorf("can't add staff member: %w", err)
	}
	_, err = p.client.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.Del(ctx, rkey)
		tx.HSet(ctx, rkey,
			"role", string(m.Role),
			"lang", m.Lang,
			"added", unixOrZero(m.Added),
			"added_by", itoa(m.AddedBy),
			"data", sealed)
		tx.SAdd(ctx, p.staffSetKey(), itoa(m.UserID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't add staff member: %w", err)
	}
	return nil
}

// roleRank orders ListStaff: admins, directors, counsellors, then anything
// else.
func roleRank(r domain.Role) int {
	switch r {
	case domain.RoleAdmin:
		return 0
	case domain.RoleDirector:
		return 1
	case domain.RoleCounsellor:
		return 2
	}
	return 3
}

// ListStaff returns every staff member, by role (admins, directors,
// counsellors) and then by the time they were added. Two round trips. A
// member in the set whose record is gone is skipped and taken out of the
// set.
func (p *People) ListStaff(ctx context.Context) ([]domain.StaffMember, error) {
	ids, err := p.client.SMembers(ctx, p.staffSetKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("can't list staff: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	userIDs := make([]int64, len(ids))
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err = p.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, s := range ids {
			userIDs[i], _ = strconv.ParseInt(s, 10, 64)
			cmds[i] = pipe.HMGet(ctx, p.staffKey(userIDs[i]), "role", "data")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("can't list staff: %w", err)
	}
	var (
		out   []domain.StaffMember
		stale []int // indexes into ids
	)
	for i, cmd := range cmds {
		m, ok, err := p.openStaff(p.staffKey(userIDs[i]), userIDs[i], cmd.Val())
		if err != nil {
			return nil, fmt.Errorf("can't list staff: %w", err)
		}
		if !ok {
			stale = append(stale, i)
			continue
		}
		out = append(out, m)
	}
	if len(stale) > 0 {
		// Tidying only: an error changes nothing for the caller.
		keys := []string{p.staffSetKey()}
		var members []any
		for _, i := range stale {
			keys = append(keys, p.staffKey(userIDs[i]))
			members = append(members, ids[i])
		}
		_ = tidyStaffScript.Run(ctx, p.client, keys, members...).Err()
	}
	slices.SortFunc(out, func(a, b domain.StaffMember) int {
		return cmp.Or(
			cmp.Compare(roleRank(a.Role), roleRank(b.Role)),
			a.Added.Compare(b.Added),
			cmp.Compare(a.UserID, b.UserID))
	})
	return out, nil
}

// tidyStaffScript takes members whose record is gone out of the staff set;
// one added again since ListStaff read it stays.
//
//	KEYS[1] staff set   KEYS[2 ..] member records   ARGV[i-1] user ID of KEYS[i]
var tidyStaffScript = loadScript("tidy_staff")

// RemoveStaff deletes the member's record and takes them out of the staff
// set, in one transaction. Removing someone who is not staff is not an
// error. Their cases and invites stay (the cases still name them as
// director or counsellor until reassigned).
func (p *People) RemoveStaff(ctx context.Context, userID int64) error {
	_, err := p.client.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.Del(ctx, p.staffKey(userID))
		tx.SRem(ctx, p.staffSetKey(), itoa(userID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't remove staff member: %w", err)
	}
	return nil
}
