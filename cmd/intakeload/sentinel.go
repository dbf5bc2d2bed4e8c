package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// masterName is the name the sentinels of -sentinel know the primary by.
const masterName = "intakeload"

// sentinelSetup is what -sentinel starts: a primary, a replica and three
// sentinels (quorum 2) on free loopback ports, as storage/redistest's
// StartSentinel does for tests. The data nodes refuse writes while they
// have no replica (min-replicas-to-write 1), as the README advises.
type sentinelSetup struct {
	data      []*redisServer
	sentinels []*sentinelProc
}

type sentinelProc struct {
	cmd    *exec.Cmd
	addr   string
	dir    string
	exited chan struct{}
}

func startSentinelSetup(ctx context.Context, fsync string) (_ *sentinelSetup, err error) {
	bin, err := exec.LookPath("redis-sentinel")
	if err != nil {
		return nil, errors.New("redis-sentinel not found; install it (sudo apt-get install -y redis-sentinel)")
	}
	s := &sentinelSetup{}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	safe := []string{"--min-replicas-to-write", "1", "--min-replicas-max-lag", "5"}
	primary, err := startRedis(fsync, safe...)
	if err != nil {
		return nil, err
	}
	s.data = append(s.data, primary)
	host, port, _ := net.SplitHostPort(primary.addr)
	replica, err := startRedis(fsync, append(safe, "--replicaof", host, port)...)
	if err != nil {
		return nil, err
	}
	s.data = append(s.data, replica)
	for range 3 {
		p, err := startSentinelProc(bin, primary.addr)
		if err != nil {
			return nil, err
		}
		s.sentinels = append(s.sentinels, p)
	}
	if err := s.waitSettled(ctx, primary.addr, true, 30*time.Second); err != nil {
		return nil, err
	}
	return s, nil
}

func startSentinelProc(bin, primary string) (*sentinelProc, error) {
	dir, err := os.MkdirTemp("", "intakeload-sentinel-*")
	if err != nil {
		return nil, err
	}
	host, pport, _ := net.SplitHostPort(primary)
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		conf := strings.Join([]string{
			"port " + strconv.Itoa(port), "bind 127.0.0.1", "protected-mode no", "daemonize no",
			"dir " + dir, "logfile " + filepath.Join(dir, "sentinel.log"),
			"sentinel resolve-hostnames no",
			"sentinel monitor " + masterName + " " + host + " " + pport + " 2",
			"sentinel down-after-milliseconds " + masterName + " 1000",
			"sentinel failover-timeout " + masterName + " 4000",
			"sentinel parallel-syncs " + masterName + " 1",
		}, "\n") + "\n"
		path := filepath.Join(dir, "sentinel.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			return nil, err
		}
		p := &sentinelProc{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, exited: make(chan struct{})}
		p.cmd = exec.Command(bin, path)
		p.cmd.Dir = dir
		p.cmd.SysProcAttr = childAttr()
		if err := p.cmd.Start(); err != nil {
			return nil, err
		}
		go func() { _ = p.cmd.Wait(); close(p.exited) }()
		if lastErr = waitReady(p.addr, p.exited, 10*time.Second); lastErr == nil {
			return p, nil
		}
		_ = p.cmd.Process.Kill()
		<-p.exited
		log, _ := os.ReadFile(filepath.Join(dir, "sentinel.log"))
		if !strings.Contains(string(log), "Address already in use") {
			lastErr = fmt.Errorf("%w; sentinel.log:\n%s", lastErr, tail(string(log), 10))
			break
		}
	}
	_ = os.RemoveAll(dir)
	return nil, fmt.Errorf("can't start redis-sentinel: %w", lastErr)
}

// URL is REDIS_URL for the setup (redis.ParseFailoverURL's form).
func (s *sentinelSetup) URL() string {
	q := url.Values{"master_name": {masterName}}
	for _, p := range s.sentinels[1:] {
		q.Add("addr", p.addr)
	}
	return "redis://" + s.sentinels[0].addr + "/0?" + q.Encode()
}

func (s *sentinelSetup) stop() {
	for _, p := range s.sentinels {
		_ = p.cmd.Process.Kill()
		<-p.exited
		_ = os.RemoveAll(p.dir)
	}
	for _, r := range s.data {
		r.stop()
	}
}

// primary is the data node the first sentinel names the primary.
func (s *sentinelSetup) primary(ctx context.Context) (*redisServer, error) {
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.sentinels[0].addr, MaxRetries: -1})
	defer sc.Close()
	hp, err := sc.GetMasterAddrByName(ctx, masterName).Result()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(hp[0], hp[1])
	for _, r := range s.data {
		if r.addr == addr {
			return r, nil
		}
	}
	return nil, fmt.Errorf("the sentinels name %s, none of the setup's servers", addr)
}

// failover makes the replica the primary: "sentinel" asks the sentinels
// (SENTINEL FAILOVER), "kill" crashes the primary with SIGKILL and starts
// it again once the sentinels promoted the replica, as a supervisor
// would. It returns when the old primary replicates from the new one.
func (s *sentinelSetup) failover(ctx context.Context, how string) error {
	old, err := s.primary(ctx)
	if err != nil {
		return err
	}
	next := s.data[0]
	if next == old {
		next = s.data[1]
	}
	switch how {
	case "sentinel":
		sc := redis.NewSentinelClient(&redis.Options{Addr: s.sentinels[0].addr, MaxRetries: -1})
		err := sc.Failover(ctx, masterName).Err()
		_ = sc.Close()
		if err != nil {
			return fmt.Errorf("SENTINEL FAILOVER: %w", err)
		}
	case "kill":
		old.kill()
	default:
		return fmt.Errorf("-failover must be sentinel or kill, not %q", how)
	}
	if err := poll(ctx, 30*time.Second, func(ctx context.Context) error {
		for _, p := range s.sentinels {
			sc := redis.NewSentinelClient(&redis.Options{Addr: p.addr, MaxRetries: -1})
			hp, err := sc.GetMasterAddrByName(ctx, masterName).Result()
			_ = sc.Close()
			if err != nil {
				return err
			}
			if net.JoinHostPort(hp[0], hp[1]) != next.addr {
				return errors.New("not promoted yet")
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if how == "kill" {
		if err := old.launch(); err != nil {
			return fmt.Errorf("can't start the crashed primary again: %w", err)
		}
	}
	// The sentinels alone make the old primary a replica (no nudge): the
	// time that takes is part of what is measured.
	return s.waitSettled(ctx, next.addr, false, 60*time.Second)
}

// waitSettled waits until every sentinel names primary and knows the
// others, and the other data node replicates from it. With nudge, an old
// primary that still thinks it is one is told to replicate, as the
// sentinels would do on their next look at it (up to 10 s later).
func (s *sentinelSetup) waitSettled(ctx context.Context, primary string, nudge bool, within time.Duration) error {
	host, port, _ := net.SplitHostPort(primary)
	return poll(ctx, within, func(ctx context.Context) error {
		for _, p := range s.sentinels {
			sc := redis.NewSentinelClient(&redis.Options{Addr: p.addr, MaxRetries: -1})
			hp, err := sc.GetMasterAddrByName(ctx, masterName).Result()
			var others []map[string]string
			if err == nil {
				others, err = sc.Sentinels(ctx, masterName).Result()
			}
			_ = sc.Close()
			if err != nil {
				return err
			}
			if got := net.JoinHostPort(hp[0], hp[1]); got != primary {
				return fmt.Errorf("a sentinel names %s as the primary", got)
			}
			if nudge && len(others) < len(s.sentinels)-1 {
				return fmt.Errorf("a sentinel knows %d other sentinels", len(others))
			}
		}
		for _, r := range s.data {
			if r.addr == primary {
				continue
			}
			info, err := redisCommand(r.addr, "INFO replication")
			if err != nil {
				return err
			}
			if nudge && strings.Contains(info, "role:master") {
				c := redis.NewClient(&redis.Options{Addr: r.addr, MaxRetries: -1})
				_ = c.ReplicaOf(ctx, host, port).Err()
				_ = c.Close()
				return errors.New("the old primary is told to replicate")
			}
			if !strings.Contains(info, "master_port:"+port) || !strings.Contains(info, "master_link_status:up") {
				return errors.New("the replica is not linked yet")
			}
		}
		return nil
	})
}

func poll(ctx context.Context, within time.Duration, check func(context.Context) error) error {
	deadline := time.Now().Add(within)
	for {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("not within %v: %w", within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
