package redistest

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Finding is one place in Redis where a needle was found: the key (with
// the needle masked), and where in it.
type Finding struct {
	Key   string // the key, the needle replaced by "<ID>"
	Where string // "key name", "member", "field", "value", "element", "stream"
}

func (f Finding) String() string { return f.Where + " of " + f.Key }

// FindPlain scans every key of the server (every primary on Cluster) and
// reports each key name, set and sorted set member, hash field and value,
// list element, string value and stream field or value that contains one of
// the needles in plain text (say a young person's Telegram ID). Sealed
// values (sealed(v) true) are skipped: what they hold is not readable.
func FindPlain(ctx context.Context, c redis.UniversalClient, needles []string, sealed func(string) bool) ([]Finding, error) {
	var out []Finding
	hit := func(key, where, s string) {
		if sealed != nil && sealed(s) {
			return
		}
		for _, n := range needles {
			if strings.Contains(s, n) {
				masked := key
				for _, n := range needles {
					masked = strings.ReplaceAll(masked, n, "<ID>")
				}
				out = append(out, Finding{Key: masked, Where: where})
				return
			}
		}
	}
	scan := func(ctx context.Context, node redis.Cmdable) error {
		var cursor uint64
		for {
			keys, next, err := node.Scan(ctx, cursor, "*", 500).Result()
			if err != nil {
				return err
			}
			for _, k := range keys {
				if err := findIn(ctx, node, k, hit); err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return scan(ctx, node) })
		return out, err
	}
	return out, scan(ctx, c)
}

func findIn(ctx context.Context, c redis.Cmdable, k string, hit func(key, where, s string)) error {
	hit(k, "key name", k)
	typ, err := c.Type(ctx, k).Result()
	if err != nil {
		return err
	}
	switch typ {
	case "string":
		v, err := c.Get(ctx, k).Result()
		if err != nil && err != redis.Nil {
			return err
		}
		hit(k, "value", v)
	case "hash":
		m, err := c.HGetAll(ctx, k).Result()
		if err != nil {
			return err
		}
		for f, v := range m {
			hit(k, "field", f)
			hit(k, "value", v)
		}
	case "set":
		ms, err := c.SMembers(ctx, k).Result()
		if err != nil {
			return err
		}
		for _, m := range ms {
			hit(k, "member", m)
		}
	case "zset":
		ms, err := c.ZRange(ctx, k, 0, -1).Result()
		if err != nil {
			return err
		}
		for _, m := range ms {
			hit(k, "member", m)
		}
	case "list":
		es, err := c.LRange(ctx, k, 0, -1).Result()
		if err != nil {
			return err
		}
		for _, e := range es {
			hit(k, "element", e)
		}
	case "stream":
		es, err := c.XRange(ctx, k, "-", "+").Result()
		if err != nil {
			return err
		}
		for _, e := range es {
			for f, v := range e.Values {
				hit(k, "stream", f)
				if s, ok := v.(string); ok {
					hit(k, "stream", s)
				}
			}
		}
	}
	return nil
}
