// Package redisconn turns REDIS_URL (and INTAKEBOT_REDIS_MODE, _MASTER,
// _WAIT_REPLICAS, _WAIT_TIMEOUT) into the redis.UniversalClient the
// stores take: one server, a primary found through Sentinel, or a Redis
// Cluster, in the URL forms go-redis parses. serve, rekey and the load
// tool all open Redis here. With replicas, every write is followed by a
// WAIT on its own connection, so that a failover loses nothing the bot
// acknowledged.
package redisconn

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The ways to reach Redis (INTAKEBOT_REDIS_MODE).
const (
	ModeSingle   = "single"   // one redis-server (redis.ParseURL)
	ModeSentinel = "sentinel" // a primary found through Sentinel (redis.ParseFailoverURL)
	ModeCluster  = "cluster"  // Redis Cluster (redis.ParseClusterURL)
)

// Default durability for a primary with replicas: a write is acknowledged
// to the caller only when at least one replica has it (WAIT 1 ...), so that
// a failover never loses what the bot already answered.
const (
	DefaultWaitReplicas = 1
	DefaultWaitTimeout  = 2 * time.Second
)

// Config is how to reach Redis: REDIS_URL and the optional
// INTAKEBOT_REDIS_* settings next to it.
type Config struct {
	// URL is REDIS_URL in one of the forms go-redis parses: redis.ParseURL
	// (single), redis.ParseFailoverURL (sentinel: the URL names a sentinel,
	// more with addr=, the primary with master_name=) or
	// redis.ParseClusterURL (cluster: seed nodes, more with addr=).
	URL string
	// Mode is single, sentinel or cluster. Empty picks from the URL:
	// sentinel when a master name is given (master_name= or Master),
	// cluster when the URL lists more nodes with addr=, single otherwise.
	Mode string
	// Master is the Sentinel master name (INTAKEBOT_REDIS_MASTER); it may
	// also be given as master_name= in the URL, not differently in both.
	Master string
	// WaitReplicas is how many replicas must have a write before it counts
	// as done (WAIT). Nil means the default: DefaultWaitReplicas for
	// sentinel, none for single and cluster. 0 turns the wait off.
	WaitReplicas *int
	// WaitTimeout bounds each WAIT; zero means DefaultWaitTimeout.
	WaitTimeout time.Duration
}

// Target is a parsed Config: Mode says which of the options is
// set.
type Target struct {
	Mode     string
	Single   *redis.Options
	Sentinel *redis.FailoverOptions
	Cluster  *redis.ClusterOptions
	// WaitReplicas and WaitTimeout are the WAIT after each write (0: none).
	WaitReplicas int
	WaitTimeout  time.Duration
}

// Parse checks cfg and returns what it points to. Its errors never
// hold a password from the URL.
func Parse(cfg Config) (*Target, error) {
	t, err := parseRedis(cfg)
	if err != nil {
		return nil, scrubSecrets(err, cfg.URL)
	}
	return t, nil
}

func parseRedis(cfg Config) (*Target, error) {
	raw := strings.TrimSpace(cfg.URL)
	if raw == "" {
		return nil, errors.New("empty Redis URL")
	}
	// url.Parse's own errors quote the whole URL, password and all.
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a valid URL (want redis://host:port/db, see the README)")
	}
	q := u.Query()
	urlMaster := q.Get("master_name")
	if q.Has("master_name") && urlMaster == "" {
		return nil, errors.New("master_name= is empty")
	}
	master := strings.TrimSpace(cfg.Master)
	if master != "" && urlMaster != "" && master != urlMaster {
		return nil, fmt.Errorf("the master name is %q in INTAKEBOT_REDIS_MASTER but %q in the URL", master, urlMaster)
	}
	if master == "" {
		master = urlMaster
	}

	mode := strings.ToLower(strings.TrimSpace(cfg.Mode))
	if mode == "" {
		switch {
		case master != "":
			mode = ModeSentinel
		case q.Has("addr"):
			mode = ModeCluster
		default:
			mode = ModeSingle
		}
	}
	t := &Target{Mode: mode, WaitTimeout: cfg.WaitTimeout}
	if t.WaitTimeout == 0 {
		t.WaitTimeout = DefaultWaitTimeout
	}
	if t.WaitTimeout < 0 {
		return nil, errors.New("the wait timeout must not be negative")
	}
	if cfg.WaitReplicas != nil && *cfg.WaitReplicas < 0 {
		return nil, errors.New("the number of replicas to wait for must not be negative")
	}

	switch mode {
	case ModeSingle:
		if master != "" {
			return nil, errors.New("a master name is only for sentinel mode")
		}
		t.Single, err = redis.ParseURL(raw)
		if err != nil {
			return nil, err
		}
	case ModeSentinel:
		if u.Scheme != "redis" && u.Scheme != "rediss" {
			return nil, fmt.Errorf("sentinel mode needs a redis:// or rediss:// URL, not %s://", u.Scheme)
		}
		if master == "" {
			return nil, errors.New("sentinel mode needs the master name (INTAKEBOT_REDIS_MASTER or master_name= in the URL)")
		}
		for _, p := range []string{"route_by_latency", "route_randomly", "replica_only", "use_disconnected_replicas"} {
			if q.Has(p) {
				return nil, fmt.Errorf("%s= is not supported: the bot reads what it wrote, so it talks to the primary only", p)
			}
		}
		t.Sentinel, err = redis.ParseFailoverURL(raw)
		if err != nil {
			return nil, err
		}
		t.Sentinel.MasterName = master
		t.WaitReplicas = DefaultWaitReplicas
	case ModeCluster:
		if u.Scheme != "redis" && u.Scheme != "rediss" {
			return nil, fmt.Errorf("cluster mode needs a redis:// or rediss:// URL, not %s://", u.Scheme)
		}
		if master != "" {
			return nil, errors.New("a master name is only for sentinel mode")
		}
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return nil, errors.New("Redis Cluster has only database 0: leave the path empty or /0")
		}
		for _, p := range []string{"read_only", "route_by_latency", "route_randomly"} {
			if q.Has(p) {
				return nil, fmt.Errorf("%s= is not supported: the bot reads what it wrote, so it talks to the primaries only", p)
			}
		}
		// ParseClusterURL ignores the path; drop it so it is not mistaken.
		v := *u
		v.Path, v.RawPath = "", ""
		t.Cluster, err = redis.ParseClusterURL(v.String())
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown mode %q (want single, sentinel or cluster)", cfg.Mode)
	}
	if cfg.WaitReplicas != nil {
		t.WaitReplicas = *cfg.WaitReplicas
	}
	if mode == ModeCluster && t.WaitReplicas > 0 {
		return nil, errors.New("waiting for replicas is not supported in cluster mode")
	}
	return t, nil
}

// NewClient makes the client for t (it connects on first use), with the
// WAIT after writes that t asks for.
func (t *Target) NewClient() redis.UniversalClient {
	var c *redis.Client
	switch t.Mode {
	case ModeSentinel:
		c = redis.NewFailoverClient(t.Sentinel)
	case ModeCluster:
		return redis.NewClusterClient(t.Cluster) // no WAIT: Parse refuses it
	default:
		c = redis.NewClient(t.Single)
	}
	if t.WaitReplicas > 0 {
		c.AddHook(&replicaWait{client: c, conn: c.Conn, replicas: t.WaitReplicas, timeout: t.WaitTimeout})
	}
	return c
}

// String describes the target without secrets, for the log.
func (t *Target) String() string {
	switch t.Mode {
	case ModeSentinel:
		return fmt.Sprintf("sentinel master %q via %s, db %d, wait for %d replica(s)",
			t.Sentinel.MasterName, strings.Join(t.Sentinel.SentinelAddrs, ","), t.Sentinel.DB, t.WaitReplicas)
	case ModeCluster:
		return "cluster via " + strings.Join(t.Cluster.Addrs, ",")
	default:
		s := fmt.Sprintf("single %s, db %d", t.Single.Addr, t.Single.DB)
		if t.WaitReplicas > 0 {
			s += fmt.Sprintf(", wait for %d replica(s)", t.WaitReplicas)
		}
		return s
	}
}

// Open parses cfg and makes its client: the one way serve, rekey and
// the load tool reach Redis.
func Open(cfg Config) (redis.UniversalClient, *Target, error) {
	t, err := Parse(cfg)
	if err != nil {
		return nil, nil, err
	}
	return t.NewClient(), t, nil
}

// scrubSecrets removes the URL's passwords from err's text.
func scrubSecrets(err error, raw string) error {
	msg := err.Error()
	changed := false
	for _, s := range urlSecrets(raw) {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
			changed = true
		}
	}
	if !changed {
		return err
	}
	return errors.New(msg)
}

// urlSecrets are the passwords a Redis URL may hold, raw and decoded.
func urlSecrets(raw string) []string {
	var out []string
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		// The userinfo by hand, so that even a URL url.Parse refuses is scrubbed.
		info := raw[:at]
		if i := strings.Index(info, "://"); i >= 0 {
			info = info[i+3:]
		}
		if _, pw, ok := strings.Cut(info, ":"); ok {
			out = append(out, pw)
			if d, err := url.PathUnescape(pw); err == nil {
				out = append(out, d)
			}
		}
	}
	if u, err := url.Parse(raw); err == nil {
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw)
		}
		for _, name := range []string{"password", "sentinel_password"} {
			out = append(out, u.Query()[name]...)
		}
	}
	return out
}
