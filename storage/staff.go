package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage/quarantine"
)

// Staff keeps the staff members (admins, directors, counsellors) and the
// staff links whose openers have yet to give their name. It is safe for
// concurrent use.
type Staff struct {
	base
	pendingTTL time.Duration // PendingStaffTTL
}

// Staff records, one hash per member, under the name of their user ID
// (<prefix>staff:{<name>}); the staff set lists the names:
//
//	role      plain   domain.Role
//	lang      plain   language of what the bot sends them
//	added     plain   unix seconds
//	data      sealed  the whole domain.StaffMember as JSON (the user ID,
//	                  the name and who added them are only here)

// Staff returns the staff member with userID; false when there is none.
func (st *Staff) Staff(ctx context.Context, userID int64) (domain.StaffMember, bool, error) {
	rkey := st.staffKey(userID)
	vals, err := st.client.HMGet(ctx, rkey, "role", "data").Result()
	if err != nil {
		return domain.StaffMember{}, false, fmt.Errorf("can't load staff member: %w", err)
	}
	m, ok, err := st.openStaff(rkey, st.userMember(userID), vals)
	if err != nil {
		return domain.StaffMember{}, false, fmt.Errorf("can't load staff member: %w", err)
	}
	if ok && m.UserID != userID {
		return domain.StaffMember{}, false, fmt.Errorf("can't load staff member: %w: another member's record", ErrCorrupt)
	}
	return m, ok, nil
}

// openStaff turns HMGET role, data into a member, who must be the one
// named name.
func (st *Staff) openStaff(rkey, name string, vals []any) (domain.StaffMember, bool, error) {
	role, roleOK := str(vals[0])
	data, dataOK := str(vals[1])
	if !roleOK && !dataOK {
		return domain.StaffMember{}, false, nil
	}
	if !dataOK {
		return domain.StaffMember{}, false, fmt.Errorf("%w: record lacks a field", ErrCorrupt)
	}
	var m domain.StaffMember
	if err := st.openJSON(data, rkey, &m); err != nil {
		return domain.StaffMember{}, false, err
	}
	if st.userMember(m.UserID) != name || string(m.Role) != role {
		return domain.StaffMember{}, false, fmt.Errorf("%w: plain fields disagree with the sealed record", ErrCorrupt)
	}
	return m, true, nil
}

// replaceHashScript replaces a hash with the field/value pairs in ARGV.
//
//	KEYS[1] hash
var replaceHashScript = loadScript("replace_hash")

// AddStaff stores m (replacing a member with the same user ID) and adds it
// to the staff set, in one pipeline: the record is replaced in one script,
// the set (another slot on Redis Cluster) beside it. A zero m.Added is set
// to now. One round trip on a single node.
func (st *Staff) AddStaff(ctx context.Context, m domain.StaffMember) error {
	if m.UserID == 0 {
		return errors.New("can't add staff member: no user ID")
	}
	if m.Role == "" {
		return errors.New("can't add staff member: no role")
	}
	if m.Added.IsZero() {
		m.Added = st.now()
	}
	rkey := st.staffKey(m.UserID)
	sealed, err := st.sealJSON(m, rkey)
	if err != nil {
		return fmt.Errorf("can't add staff member: %w", err)
	}
	_, err = runWith(ctx, st.client, replaceHashScript, []string{rkey},
		[]any{"role", string(m.Role), "lang", m.Lang, "added", unixOrZero(m.Added), "data", sealed},
		func(pipe redis.Pipeliner) { pipe.SAdd(ctx, st.staffSetKey(), st.userMember(m.UserID)) })
	if err != nil {
		return fmt.Errorf("can't add staff member: %w", err)
	}
	return nil
}

// ListStaff returns every staff member, by role (admins, directors,
// counsellors) and then by the time they were added. Two round trips. A
// member whose record is gone leaves the set; one unreadable is skipped.
func (st *Staff) ListStaff(ctx context.Context) ([]domain.StaffMember, error) {
	names, err := st.client.SMembers(ctx, st.staffSetKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("can't list staff: %w", err)
	}
	if len(names) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.SliceCmd, len(names))
	_, err = st.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, n := range names {
			cmds[i] = pipe.HMGet(ctx, st.staffKeyOf(n), "role", "data")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("can't list staff: %w", err)
	}
	var (
		out   []domain.StaffMember
		stale []any
	)
	for i, cmd := range cmds {
		m, ok, err := st.openStaff(st.staffKeyOf(names[i]), names[i], cmd.Val())
		if err != nil {
			st.skipped.Add("staff") // never hides the others
			continue
		}
		if !ok {
			stale = append(stale, names[i])
			continue
		}
		out = append(out, m)
	}
	if len(stale) > 0 {
		st.tidy(ctx, stale)
	}
	slices.SortFunc(out, domain.CompareStaff)
	return out, nil
}

// tidy takes names whose record is gone out of the staff set, then puts
// back any whose record is there by now (a member added again meanwhile).
// Tidying only: errors change nothing for the caller.
func (st *Staff) tidy(ctx context.Context, names []any) {
	if st.client.SRem(ctx, st.staffSetKey(), names...).Err() != nil {
		return
	}
	cmds := make([]*redis.IntCmd, len(names))
	_, _ = st.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, n := range names {
			cmds[i] = pipe.Exists(ctx, st.staffKeyOf(n.(string)))
		}
		return nil
	})
	for i, c := range cmds {
		if c.Val() == 1 {
			_ = st.client.SAdd(ctx, st.staffSetKey(), names[i]).Err()
		}
	}
}

// RemoveStaff deletes the member's record and takes them out of the staff
// set, in one pipeline (two slots on Redis Cluster). Removing someone who
// is not staff is not an error. Their cases and invites stay (the cases
// still name them as director or counsellor until reassigned).
func (st *Staff) RemoveStaff(ctx context.Context, userID int64) error {
	_, err := st.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, st.staffKey(userID))
		pipe.SRem(ctx, st.staffSetKey(), st.userMember(userID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't remove staff member: %w", err)
	}
	return nil
}

// QuarantineStaff sets the member aside (storage/quarantine; ListStaff
// then drops them from the set); false if none.
func (st *Staff) QuarantineStaff(ctx context.Context, userID int64) (bool, error) {
	return quarantine.Move(ctx, st.client, st.staffKey(userID), st.quarantineKey(st.staffKey(userID)), st.now())
}

// SetPendingStaff remembers, for PendingStaffTTL, that userID opened the
// staff link l and is asked for their name; a second call replaces it.
func (st *Staff) SetPendingStaff(ctx context.Context, userID int64, l domain.Link) error {
	rkey := st.pendingStaffKey(userID)
	sealed, err := st.sealJSON(l, rkey)
	if err != nil {
		return fmt.Errorf("can't remember pending staff link: %w", err)
	}
	if err := st.client.Set(ctx, rkey, sealed, st.pendingTTL).Err(); err != nil {
		return fmt.Errorf("can't remember pending staff link: %w", err)
	}
	return nil
}

// TakePendingStaff returns the link SetPendingStaff remembered for userID
// and forgets it (GETDEL): only one caller gets it. False when there is
// none or it expired.
func (st *Staff) TakePendingStaff(ctx context.Context, userID int64) (domain.Link, bool, error) {
	rkey := st.pendingStaffKey(userID)
	sealed, err := st.client.GetDel(ctx, rkey).Result()
	if errors.Is(err, redis.Nil) {
		return domain.Link{}, false, nil
	}
	if err != nil {
		return domain.Link{}, false, fmt.Errorf("can't take pending staff link: %w", err)
	}
	var l domain.Link
	if err := st.openJSON(sealed, rkey, &l); err != nil {
		return domain.Link{}, false, fmt.Errorf("can't take pending staff link: %w", err)
	}
	return l, true, nil
}
