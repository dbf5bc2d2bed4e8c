// Package rekey re-encrypts what a deployment keeps in Redis under the
// primary data key after a key rotation (intakebot rekey), while a live
// bot may keep running: every value is replaced by compare-and-set.
package rekey

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/intakebot/intakebot/storage"

	"github.com/redis/go-redis/v9"
)

// Report counts what Run found and did.
type Report struct {
	// Keys is how many keys under the prefix were scanned.
	Keys int
	// Sealed is how many sealed values they held.
	Sealed int
	// Rekeyed were sealed with an older key and are now sealed with the
	// primary key.
	Rekeyed int
	// Current were sealed with the primary key already.
	Current int
	// Changed were changed or removed by someone else (a live bot) between
	// the read and the write, and left alone: whoever wrote them sealed
	// with its own primary key. Run it again to be sure.
	Changed int
	// Failed did not open: a key missing from the configuration, or
	// damaged data. They are left as they are.
	Failed int
	// FailedIn counts the failures by key family (the prefix and the key's
	// first segment, like "intakebot:session:"), never by full key: a full
	// key can hold a Telegram ID.
	FailedIn map[string]int
}

func (r *Report) fail(prefix, key string) {
	r.Failed++
	if r.FailedIn == nil {
		r.FailedIn = map[string]int{}
	}
	r.FailedIn[keyFamily(prefix, key)]++
}

// keyFamily names the kind of record a key holds without its identifying
// part: "intakebot:session:" for "intakebot:session:5001".
func keyFamily(prefix, key string) string {
	rest := strings.TrimPrefix(key, prefix)
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		return prefix + rest[:i+1]
	}
	return prefix + rest
}

// String is a one-line summary for operators.
func (r Report) String() string {
	s := fmt.Sprintf("scanned %d keys, %d sealed values: %d re-encrypted, %d already current, %d changed meanwhile (left alone), %d failed to open",
		r.Keys, r.Sealed, r.Rekeyed, r.Current, r.Changed, r.Failed)
	if len(r.FailedIn) > 0 {
		fams := make([]string, 0, len(r.FailedIn))
		for f, n := range r.FailedIn {
			fams = append(fams, fmt.Sprintf("%s* %d", f, n))
		}
		sort.Strings(fams)
		s += " (" + strings.Join(fams, ", ") + ")"
	}
	return s
}

// Compare-and-set scripts of Run: a value is replaced only if it is still
// the one that was read, so a live bot's newer write always wins. Only the
// value changes: a string keeps its TTL (KEEPTTL), a hash its TTL and other
// fields, a sorted set member its score.
var (
	rekeyString     = loadScript("rekey_string")
	rekeyHashField  = loadScript("rekey_hash_field")
	rekeyListElem   = loadScript("rekey_list_elem")
	rekeySetMember  = loadScript("rekey_set_member")
	rekeyZsetMember = loadScript("rekey_zset_member")
)

// Options tune Run; the zero value gives the defaults.
type Options struct {
	// Batch is the SCAN count hint (and HSCAN, SSCAN, ZSCAN). Default 500.
	Batch int64
}

// Run re-encrypts with the codec's primary key every sealed value stored
// under prefix: string values, hash fields (session, staff and case data,
// the inbox), and members of lists, sets and sorted sets. It recognises
// sealed values by their format rather than by a list of keys, so records
// added later are covered too. Plain values are not touched.
//
// A live bot may run meanwhile: each value is replaced by a compare-and-set
// only if it is unchanged since it was read, and only the sealed value
// changes (TTLs, plain fields, scores stay). Sessions compare their version
// and write tag, not data, so a rekeyed session still saves; its cached
// copies stay right because the plaintext is the same. Run is idempotent:
// a second run finds everything current.
//
// A stream entry can't be changed in place: a sealed value in a stream
// counts as failed. The error is for Redis failures; values that don't open
// are counted in the report, and left as they are.
func Run(ctx context.Context, client redis.UniversalClient, codec *storage.Codec, prefix string, opts Options) (Report, error) {
	if prefix == "" {
		prefix = storage.DefaultPrefix
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	return (&rekeyer{client: client, codec: codec, prefix: prefix, batch: opts.Batch}).run(ctx)
}

func (rk *rekeyer) run(ctx context.Context) (Report, error) {
	client := rk.client
	pattern := globEscape(rk.prefix) + "*"
	var err error
	if cc, ok := client.(*redis.ClusterClient); ok {
		// Every master holds its own share of the keys; the report is
		// shared, so one master at a time.
		err = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return rk.scan(ctx, node, pattern)
		})
	} else {
		err = rk.scan(ctx, client, pattern)
	}
	return rk.report, err
}

type rekeyer struct {
	client redis.UniversalClient
	codec  *storage.Codec
	prefix string
	batch  int64
	report Report
	// beforeWrite, for tests, runs between the read of a value and its
	// compare-and-set: where a live bot's write can come in.
	beforeWrite func(key string)
}

func (rk *rekeyer) scan(ctx context.Context, node redis.Cmdable, pattern string) error {
	var cursor uint64
	for {
		keys, next, err := node.Scan(ctx, cursor, pattern, rk.batch).Result()
		if err != nil {
			return fmt.Errorf("can't scan keys: %w", err)
		}
		for _, k := range keys {
			if err := rk.key(ctx, k); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// key re-encrypts the sealed values of one key.
func (rk *rekeyer) key(ctx context.Context, key string) error {
	typ, err := rk.client.Type(ctx, key).Result()
	if err != nil {
		return fmt.Errorf("can't read a key's type: %w", err)
	}
	rk.report.Keys++
	bases := rk.sealedFor(key)
	aads := func(suffix string) []string {
		out := make([]string, 0, 2*len(bases))
		for _, b := range bases {
			out = append(out, b)
			if suffix != "" {
				out = append(out, b+":"+suffix)
			}
		}
		return out
	}
	switch typ {
	case "string":
		v, err := rk.client.Get(ctx, key).Result()
		if errors.Is(err, redis.Nil) {
			return nil // expired since SCAN
		}
		if err != nil {
			return fmt.Errorf("can't read a value: %w", err)
		}
		return rk.value(ctx, key, v, aads(""), func(out string) *redis.Cmd {
			return rekeyString.Run(ctx, rk.client, []string{key}, v, out)
		})
	case "hash":
		return rk.pairs(ctx, key, func(cursor uint64) ([]string, uint64, error) {
			return rk.client.HScan(ctx, key, cursor, "", rk.batch).Result()
		}, func(field, v string) error {
			return rk.value(ctx, key, v, aads(field), func(out string) *redis.Cmd {
				return rekeyHashField.Run(ctx, rk.client, []string{key}, field, v, out)
			})
		})
	case "zset":
		return rk.pairs(ctx, key, func(cursor uint64) ([]string, uint64, error) {
			return rk.client.ZScan(ctx, key, cursor, "", rk.batch).Result()
		}, func(member, _ string) error {
			return rk.value(ctx, key, member, aads(""), func(out string) *redis.Cmd {
				return rekeyZsetMember.Run(ctx, rk.client, []string{key}, member, out)
			})
		})
	case "set":
		var cursor uint64
		for {
			members, next, err := rk.client.SScan(ctx, key, cursor, "", rk.batch).Result()
			if err != nil {
				return fmt.Errorf("can't read a set: %w", err)
			}
			for _, m := range members {
				if err := rk.value(ctx, key, m, aads(""), func(out string) *redis.Cmd {
					return rekeySetMember.Run(ctx, rk.client, []string{key}, m, out)
				}); err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	case "list":
		elems, err := rk.client.LRange(ctx, key, 0, -1).Result()
		if err != nil {
			return fmt.Errorf("can't read a list: %w", err)
		}
		for i, e := range elems {
			if err := rk.value(ctx, key, e, aads(strconv.Itoa(i)), func(out string) *redis.Cmd {
				return rekeyListElem.Run(ctx, rk.client, []string{key}, i, e, out)
			}); err != nil {
				return err
			}
		}
	case "stream":
		entries, err := rk.client.XRange(ctx, key, "-", "+").Result()
		if err != nil {
			return fmt.Errorf("can't read a stream: %w", err)
		}
		for _, e := range entries {
			for _, v := range e.Values {
				if s, ok := v.(string); ok && storage.LooksSealed(s) {
					rk.report.Sealed++
					rk.report.fail(rk.prefix, key)
				}
			}
		}
	}
	return nil
}

// pairs walks a hash or sorted set with an *SCAN returning field, value
// pairs.
func (rk *rekeyer) pairs(ctx context.Context, key string, scan func(uint64) ([]string, uint64, error), each func(a, b string) error) error {
	var cursor uint64
	for {
		kv, next, err := scan(cursor)
		if err != nil {
			return fmt.Errorf("can't read a record: %w", err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if err := each(kv[i], kv[i+1]); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// value re-encrypts one value if it is sealed with an older key; write
// runs the compare-and-set with the new value.
func (rk *rekeyer) value(ctx context.Context, key, v string, aads []string, write func(out string) *redis.Cmd) error {
	if !storage.LooksSealed(v) {
		return nil
	}
	rk.report.Sealed++
	out, current, err := rk.codec.Reseal(v, aads...)
	switch {
	case err != nil:
		rk.report.fail(rk.prefix, key)
		return nil
	case current:
		rk.report.Current++
		return nil
	}
	if rk.beforeWrite != nil {
		rk.beforeWrite(key)
	}
	ok, err := write(out).Int64()
	if err != nil {
		return fmt.Errorf("can't write a re-encrypted value: %w", err)
	}
	if ok == 1 {
		rk.report.Rekeyed++
	} else {
		rk.report.Changed++
	}
	return nil
}

// sealedFor are the names a key's values were sealed for: the key itself,
// or, for a record set aside (<prefix>quarantine:...), the name it had
// before, with and without the ":<unix ns>" of a second copy. A record set
// aside is re-encrypted like the rest, so that it can still be opened (and
// put back) after the old data key is gone.
func (rk *rekeyer) sealedFor(key string) []string {
	q := rk.prefix + "quarantine:"
	if !strings.HasPrefix(key, q) {
		return []string{key}
	}
	orig := rk.prefix + strings.TrimPrefix(key, q)
	out := []string{orig}
	if i := strings.LastIndexByte(orig, ':'); i > 0 && i < len(orig)-1 && strings.Trim(orig[i+1:], "0123456789") == "" {
		out = append(out, orig[:i])
	}
	return out
}

// globEscape quotes the characters SCAN MATCH treats as a pattern.
func globEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

//go:embed lua/*.lua
var luaFiles embed.FS

// loadScript returns the script in lua/<name>.lua; a missing file is a
// mistake in this package and panics at init.
func loadScript(name string) *redis.Script {
	src, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic("rekey: no embedded script " + name + ": " + err.Error())
	}
	return redis.NewScript(string(src))
}
