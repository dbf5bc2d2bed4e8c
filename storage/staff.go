package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
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

// Staff records, one hash per member:
//
//	role      plain   domain.Role
//	lang      plain   language of what the bot sends them
//	added     plain   unix seconds
//	added_by  plain   user ID
//	data      sealed  the whole domain.StaffMember as JSON (the name is only here)

// Staff returns the staff member with userID; false when there is none.
func (st *Staff) Staff(ctx context.Context, userID int64) (domain.StaffMember, bool, error) {
	rkey := st.staffKey(userID)
	vals, err := st.client.HMGet(ctx, rkey, "role", "data").Result()
	if err != nil {
		return domain.StaffMember{}, false, fmt.Errorf("can't load staff member: %w", err)
	}
	m, ok, err := st.openStaff(rkey, userID, vals)
	if err != nil {
		return domain.StaffMember{}, false, fmt.Errorf("can't load staff member: %w", err)
	}
	return m, ok, nil
}

// openStaff turns HMGET role, data into a member.
func (st *Staff) openStaff(rkey string, userID int64, vals []any) (domain.StaffMember, bool, error) {
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
	if m.UserID != userID || string(m.Role) != role {
		return domain.StaffMember{}, false, fmt.Errorf("%w: plain fields disagree with the sealed record", ErrCorrupt)
	}
	return m, true, nil
}

// AddStaff stores m (replacing a member with the same user ID) and adds it
// to the staff set, in one transaction. A zero m.Added is set to now.
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
	_, err = st.client.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.Del(ctx, rkey)
		tx.HSet(ctx, rkey,
			"role", string(m.Role),
			"lang", m.Lang,
			"added", unixOrZero(m.Added),
			"added_by", itoa(m.AddedBy),
			"data", sealed)
		tx.SAdd(ctx, st.staffSetKey(), itoa(m.UserID))
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't add staff member: %w", err)
	}
	return nil
}

// ListStaff returns every staff member, by role (admins, directors,
// counsellors) and then by the time they were added. Two round trips. A
// member whose record is gone leaves the set; one unreadable is skipped.
func (st *Staff) ListStaff(ctx context.Context) ([]domain.StaffMember, error) {
	ids, err := st.client.SMembers(ctx, st.staffSetKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("can't list staff: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	userIDs := make([]int64, len(ids))
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err = st.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, s := range ids {
			userIDs[i], _ = strconv.ParseInt(s, 10, 64)
			cmds[i] = pipe.HMGet(ctx, st.staffKey(userIDs[i]), "role", "data")
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
		m, ok, err := st.openStaff(st.staffKey(userIDs[i]), userIDs[i], cmd.Val())
		if err != nil {
			st.skipped.Add("staff") // never hides the others
			continue
		}
		if !ok {
			stale = append(stale, i)
			continue
		}
		out = append(out, m)
	}
	if len(stale) > 0 {
		// Tidying only: an error changes nothing for the caller.
		keys := []string{st.staffSetKey()}
		var members []any
		for _, i := range stale {
			keys = append(keys, st.staffKey(userIDs[i]))
			members = append(members, ids[i])
		}
		_ = tidyStaffScript.Run(ctx, st.client, keys, members...).Err()
	}
	slices.SortFunc(out, domain.CompareStaff)
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
func (st *Staff) RemoveStaff(ctx context.Context, userID int64) error {
	_, err := st.client.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.Del(ctx, st.staffKey(userID))
		tx.SRem(ctx, st.staffSetKey(), itoa(userID))
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
