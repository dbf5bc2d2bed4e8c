package rekey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
)

// MigrationReport counts what Migrate moved.
type MigrationReport struct {
	// Moved counts the records moved to their names, by kind ("session",
	// "case", "staff", "alert", "pendingstaff", "shown", "invites").
	Moved map[string]int
	// Dropped counts records and index entries of the older layout that
	// are not needed any more (failed-link counters, the submitted index,
	// index entries by ID; what they said is rebuilt from the records).
	Dropped int
	// Kept counts records left where they are: the new name holds a
	// record already (the person used the bot before the migration), or
	// the old record does not open. They still hold a Telegram ID in their
	// key; the error says how many.
	Kept int
}

func (r MigrationReport) String() string {
	kinds := []string{"session", "case", "staff", "alert", "pendingstaff", "shown", "invites"}
	var parts []string
	for _, k := range kinds {
		if n := r.Moved[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	moved := "nothing"
	if len(parts) > 0 {
		moved = strings.Join(parts, ", ")
	}
	return fmt.Sprintf("moved to pseudonymous names: %s; %d old entries dropped, %d records kept as they were", moved, r.Dropped, r.Kept)
}

// MigrateOptions tune Migrate.
type MigrateOptions struct {
	// IdleTTL is the sessions' idle TTL (INTAKEBOT_SESSION_TTL); a moved
	// session lives that long from now. Default storage.DefaultIdleTTL.
	IdleTTL time.Duration
}

// Migrate moves the records of the older key layout, which named a young
// person's (and a staff member's) keys and index entries by their Telegram
// ID, to the layout of this version, which names them by a keyed hash of
// the ID (Codec.Name) with that name as the Redis Cluster hash tag. Each
// record is opened with the codec, written anew through the stores (so it
// is sealed for its new key and listed in the new indexes), and then the
// old key is deleted; the indexes by ID are emptied last. Running it again
// finds nothing to move. Run it before the new version serves (a person
// who writes first gets a new record, and their old one is kept and
// counted; a second run after the bot stopped moves nothing over it).
func Migrate(ctx context.Context, client redis.UniversalClient, codec *storage.Codec, prefix string, opts MigrateOptions) (MigrationReport, error) {
	if prefix == "" {
		prefix = storage.DefaultPrefix
	}
	m := &migrator{
		client: client, codec: codec, prefix: prefix,
		sessions: storage.NewSessions(client, codec, storage.SessionsOptions{Prefix: prefix, IdleTTL: opts.IdleTTL}),
		people:   storage.NewPeople(client, codec, prefix, nil),
		trail:    storage.NewTrail(client, codec, prefix),
		report:   MigrationReport{Moved: map[string]int{}},
	}
	keys, err := m.oldKeys(ctx)
	if err != nil {
		return m.report, err
	}
	// Staff first (cases name them), then cases (alerts look them up), then the rest.
	for _, family := range []string{"staff", "case", "session", "alert", "pendingstaff", "shown", "director", "linkfail", "staffcases"} {
		for _, k := range keys[family] {
			if err := m.move(ctx, family, k); err != nil {
				return m.report, err
			}
		}
	}
	for _, family := range []string{"staff", "case", "session", "alert", "director"} {
		for _, k := range keys["named:"+family] {
			if err := m.rename(ctx, family, k); err != nil {
				return m.report, err
			}
		}
	}
	for idx, record := range map[string]string{"active": "session", "due": "case", "alerts": "alert", "staff": "staff", "submitted": ""} {
		if err := m.dropIDs(ctx, prefix+idx, record); err != nil {
			return m.report, err
		}
	}
	// Staff's case lists by an older name: rebuilt as the cases moved.
	for _, k := range keys["named:staff"] {
		if base, ok := strings.CutSuffix(k, ":cases"); ok {
			if n, err := m.client.Exists(ctx, base).Result(); err != nil {
				return m.report, err
			} else if n == 0 {
				m.report.Dropped++
				if err := m.client.Del(ctx, k).Err(); err != nil {
					return m.report, err
				}
			}
		}
	}
	if m.report.Kept > 0 {
		return m.report, fmt.Errorf("%d records were not moved (see the report)", m.report.Kept)
	}
	return m.report, nil
}

type migrator struct {
	client   redis.UniversalClient
	codec    *storage.Codec
	prefix   string
	sessions *storage.Sessions
	people   *storage.People
	trail    *storage.Trail
	report   MigrationReport
}

// oldKeys finds the keys of the older layout by family: "<prefix><family>:<id>"
// (and "staff:<id>:cases", "director:<id>:invites") where the ID is not a
// {name}.
func (m *migrator) oldKeys(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	scan := func(ctx context.Context, node redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := node.Scan(ctx, cursor, globEscape(m.prefix)+"*", 500).Result()
			if err != nil {
				return fmt.Errorf("can't scan keys: %w", err)
			}
			for _, k := range keys {
				rest := strings.TrimPrefix(k, m.prefix)
				family, id, ok := strings.Cut(rest, ":")
				if !ok {
					continue
				}
				if strings.HasPrefix(id, "{") {
					// Named already: by this name key, or by one before
					// (see rename).
					out["named:"+family] = append(out["named:"+family], k)
					continue
				}
				if family == "staff" && strings.HasSuffix(id, ":cases") {
					family = "staffcases"
				}
				out[family] = append(out[family], k)
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	if cc, ok := m.client.(*redis.ClusterClient); ok {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return scan(ctx, node) })
		return out, err
	}
	return out, scan(ctx, m.client)
}

// openOld opens a value sealed for the old key rkey into v.
// openHash opens the sealed "data" field of the hash at rkey into v.
func (m *migrator) openHash(ctx context.Context, rkey string, v any) error {
	data, err := m.client.HGet(ctx, rkey, "data").Result()
	if err != nil {
		return err
	}
	return m.openOld(data, rkey, v)
}

func (m *migrator) openOld(sealed, rkey string, v any) error {
	plain, err := m.codec.Open([]byte(sealed), []byte(rkey))
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, v)
}

// move moves one old record; errors other than Redis's are counted as kept.
func (m *migrator) move(ctx context.Context, family, rkey string) error {
	id := strings.TrimPrefix(rkey, m.prefix+family+":")
	var err error
	switch family {
	case "session":
		err = m.moveSession(ctx, rkey, id)
	case "staff":
		err = m.moveStaff(ctx, rkey)
	case "case":
		err = m.moveCase(ctx, rkey)
	case "alert":
		err = m.moveAlert(ctx, rkey, id)
	case "pendingstaff":
		err = m.movePending(ctx, rkey, id)
	case "shown":
		err = m.moveTrail(ctx, rkey, id)
	case "director":
		err = m.moveInvites(ctx, rkey)
	case "linkfail", "staffcases":
		// Counters of an hour at most start again; staff's lists were
		// rebuilt as the cases moved.
		m.report.Dropped++
		return m.client.Del(ctx, rkey).Err()
	default:
		return nil
	}
	return m.done(ctx, family, rkey, err)
}

// done counts a move and deletes the old record; errors other than
// Redis's leave it where it is, counted as kept.
func (m *migrator) done(ctx context.Context, family, rkey string, err error) error {
	var rerr redis.Error
	if errors.As(err, &rerr) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("can't move a %s record: %w", family, err)
	}
	if err != nil {
		m.report.Kept++
		return nil
	}
	m.report.Moved[familyName(family)]++
	return m.client.Del(ctx, rkey).Err()
}

func familyName(f string) string {
	if f == "director" {
		return "invites"
	}
	return f
}

func (m *migrator) moveSession(ctx context.Context, rkey, id string) error {
	var s dialog.Session
	if err := m.openHash(ctx, rkey, &s); err != nil {
		return err
	}
	if s.Key != id {
		return storage.ErrCorrupt
	}
	s.Version = 0 // a new record under the new name
	_, err := m.sessions.Save(ctx, s)
	return err
}

func (m *migrator) moveStaff(ctx context.Context, rkey string) error {
	var s domain.StaffMember
	if err := m.openHash(ctx, rkey, &s); err != nil {
		return err
	}
	if _, found, err := m.people.Staff.Staff(ctx, s.UserID); err != nil || found {
		return errors.Join(err, errKept)
	}
	return m.people.Staff.AddStaff(ctx, s)
}

var errKept = errors.New("the new name holds a record already")

func (m *migrator) moveCase(ctx context.Context, rkey string) error {
	return m.renameCase(ctx, rkey, "")
}

// renameCase moves a case; its due time is found under member (the case
// key in the older layout, its old name after a name key change).
func (m *migrator) renameCase(ctx context.Context, rkey, member string) error {
	var c domain.Case
	if err := m.openHash(ctx, rkey, &c); err != nil {
		return err
	}
	if _, found, err := m.people.Cases.Case(ctx, c.Key); err != nil || found {
		return errors.Join(err, errKept)
	}
	if err := m.people.Cases.SaveCase(ctx, c); err != nil {
		return err
	}
	if member == "" {
		member = c.Key
	}
	due, err := m.client.ZScore(ctx, m.prefix+"due", member).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return err
	}
	return m.people.Cases.ScheduleDue(ctx, c.Key, time.UnixMilli(int64(due)))
}

func (m *migrator) moveAlert(ctx context.Context, rkey, id string) error {
	vals, err := m.client.HMGet(ctx, rkey, "level", "kind", "started", "taken_by", "taken", "data").Result()
	if err != nil {
		return err
	}
	str := func(i int) string { s, _ := vals[i].(string); return s }
	var sealed domain.Alert
	if err := m.openOld(str(5), rkey, &sealed); err != nil {
		return err
	}
	level, _ := strconv.Atoi(str(0))
	started, _ := strconv.ParseInt(str(2), 10, 64)
	ttl, err := m.client.PTTL(ctx, rkey).Result()
	if err != nil {
		return err
	}
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	next := time.Now()
	if at, err := m.client.ZScore(ctx, m.prefix+"alerts", id).Result(); err == nil {
		next = time.UnixMilli(int64(at))
	}
	a := domain.Alert{Key: id, Kind: dialog.AlertKind(str(1)), Level: level, Started: time.UnixMilli(started).UTC(), Notices: sealed.Notices}
	if _, created, err := m.people.Alerts.OpenAlert(ctx, a, next, ttl); err != nil || !created {
		return errors.Join(err, errKept)
	}
	if by, _ := strconv.ParseInt(str(3), 10, 64); by != 0 {
		taken, _ := strconv.ParseInt(str(4), 10, 64)
		_, _, err := m.people.Alerts.TakeAlert(ctx, id, by, time.UnixMilli(taken), ttl)
		return err
	}
	return nil
}

func (m *migrator) movePending(ctx context.Context, rkey, id string) error {
	uid, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return err
	}
	data, err := m.client.Get(ctx, rkey).Result()
	if err != nil {
		return err
	}
	var l domain.Link
	if err := m.openOld(data, rkey, &l); err != nil {
		return err
	}
	return m.people.Staff.SetPendingStaff(ctx, uid, l)
}

func (m *migrator) moveTrail(ctx context.Context, rkey, id string) error {
	list, err := m.client.LRange(ctx, rkey, 0, -1).Result()
	if err != nil {
		return err
	}
	return m.trail.Push(ctx, map[string][]string{id: list})
}

func (m *migrator) moveInvites(ctx context.Context, rkey string) error {
	hashes, err := m.client.ZRange(ctx, rkey, 0, -1).Result()
	if err != nil {
		return err
	}
	for _, h := range hashes {
		lkey := m.prefix + "link:" + h
		data, err := m.client.Get(ctx, lkey).Result()
		if errors.Is(err, redis.Nil) {
			continue // used or expired
		}
		if err != nil {
			return err
		}
		var l domain.Link
		if err := m.openOld(data, lkey, &l); err != nil {
			return err
		}
		if err := m.people.Links.ListInvite(ctx, h, l); err != nil {
			return err
		}
	}
	return nil
}

// dropIDs removes the members of an index that are not names (IDs of the
// older layout; their records were moved and listed under their names)
// and names whose record (of the family record) is not there (names of an
// older name key), or the whole submitted index, which this version keeps
// no more.
func (m *migrator) dropIDs(ctx context.Context, key, record string) error {
	if strings.HasSuffix(key, ":submitted") || key == m.prefix+"submitted" {
		n, err := m.client.Del(ctx, key).Result()
		m.report.Dropped += int(n)
		return err
	}
	typ, err := m.client.Type(ctx, key).Result()
	if err != nil {
		return err
	}
	var members []string
	switch typ {
	case "zset":
		members, err = m.client.ZRange(ctx, key, 0, -1).Result()
	case "set":
		members, err = m.client.SMembers(ctx, key).Result()
	default:
		return nil
	}
	if err != nil {
		return err
	}
	var old []any
	exists := make([]*redis.IntCmd, len(members))
	_, err = m.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, mem := range members {
			if storage.IsName(mem) {
				exists[i] = pipe.Exists(ctx, m.prefix+record+":{"+mem+"}")
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, mem := range members {
		if exists[i] == nil || exists[i].Val() == 0 {
			old = append(old, mem)
		}
	}
	if len(old) == 0 {
		return nil
	}
	m.report.Dropped += len(old)
	if typ == "zset" {
		return m.client.ZRem(ctx, key, old...).Err()
	}
	return m.client.SRem(ctx, key, old...).Err()
}

// rename moves a record stored under a name of another name key (the
// pseudonym key changed: derived from a data key that was dropped) to its
// name under the codec's, found by the ID its sealed data holds. Records
// already under their name are left alone.
func (m *migrator) rename(ctx context.Context, family, rkey string) error {
	name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(rkey, m.prefix+family+":"), "{"), "}")
	if family == "staff" && strings.HasSuffix(rkey, ":cases") || family == "director" {
		if family == "director" {
			return m.renameInvites(ctx, rkey, strings.TrimSuffix(name, "}:invites"))
		}
		return nil
	}
	data, err := m.client.HGet(ctx, rkey, "data").Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return err
	}
	var rec struct {
		Key    string `json:"key"`
		UserID int64  `json:"user_id"`
	}
	if err := m.openOld(data, rkey, &rec); err != nil {
		// Not this tool's to judge: the re-encryption counts what does not open.
		return nil
	}
	id := rec.Key
	if family == "staff" {
		var sm domain.StaffMember
		if err := m.openOld(data, rkey, &sm); err != nil {
			return nil
		}
		id = strconv.FormatInt(sm.UserID, 10)
	}
	if id == "" || m.codec.Name(id) == name {
		return nil
	}
	switch family {
	case "session":
		err = m.moveSession(ctx, rkey, id)
	case "staff":
		err = m.moveStaff(ctx, rkey)
	case "case":
		err = m.renameCase(ctx, rkey, name)
	case "alert":
		err = m.renameAlert(ctx, rkey, name, id)
	}
	return m.done(ctx, family, rkey, err)
}

// renameAlert moves an alert of this version's format under another name.
func (m *migrator) renameAlert(ctx context.Context, rkey, member, id string) error {
	vals, err := m.client.HMGet(ctx, rkey, "level", "taken_by", "data").Result()
	if err != nil {
		return err
	}
	str := func(i int) string { s, _ := vals[i].(string); return s }
	var rec struct {
		Kind    dialog.AlertKind     `json:"kind"`
		Started time.Time            `json:"started"`
		Notices []domain.AlertNotice `json:"notices"`
	}
	if err := m.openOld(str(2), rkey, &rec); err != nil {
		return err
	}
	level, _ := strconv.Atoi(str(0))
	ttl, err := m.client.PTTL(ctx, rkey).Result()
	if err != nil {
		return err
	}
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	next := time.Now()
	if at, err := m.client.ZScore(ctx, m.prefix+"alerts", member).Result(); err == nil {
		next = time.UnixMilli(int64(at))
	}
	a := domain.Alert{Key: id, Kind: rec.Kind, Level: level, Started: rec.Started, Notices: rec.Notices}
	if _, created, err := m.people.Alerts.OpenAlert(ctx, a, next, ttl); err != nil || !created {
		return errors.Join(err, errKept)
	}
	if by := str(1); by != "" {
		var taken struct {
			By int64     `json:"by"`
			At time.Time `json:"at"`
		}
		if err := m.openOld(by, rkey+":taken_by", &taken); err != nil {
			return err
		}
		_, _, err := m.people.Alerts.TakeAlert(ctx, id, taken.By, taken.At, ttl)
		return err
	}
	return nil
}

// renameInvites lists the invites of a director's list under another name
// in the list of their name now.
func (m *migrator) renameInvites(ctx context.Context, rkey, name string) error {
	hashes, err := m.client.ZRange(ctx, rkey, 0, -1).Result()
	if err != nil {
		return err
	}
	for _, h := range hashes {
		lkey := m.prefix + "link:" + h
		data, err := m.client.Get(ctx, lkey).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return err
		}
		var l domain.Link
		if err := m.openOld(data, lkey, &l); err != nil {
			return nil // the re-encryption counts it
		}
		if m.codec.Name(strconv.FormatInt(l.Director, 10)) == name {
			return nil // current
		}
		if err := m.people.Links.ListInvite(ctx, h, l); err != nil {
			return err
		}
	}
	return m.done(ctx, "director", rkey, nil)
}
