package redistest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// MasterName is the name the sentinels of StartSentinel know the primary by.
const MasterName = "intakebot"

const sentinelHint = "redis-sentinel not found; install it with: sudo apt-get install -y redis-sentinel (Debian/Ubuntu)"

// Sentinel is a Redis Sentinel setup owned by a test: a primary, a replica
// and three sentinels (quorum 2), each on a free loopback port with its
// data in the test's temporary directory, all stopped when the test ends.
// The sentinels call a primary down after one second without an answer.
// Both data nodes run with min-replicas-to-write 1: the primary takes no
// write while it has no replica.
type Sentinel struct {
	// Servers are the two data nodes; Servers[0] starts as the primary.
	Servers   []*Server
	sentinels []*sentinelProc
}

// sentinelProc is one redis-sentinel process.
type sentinelProc struct {
	port   int
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
	once   sync.Once
}

// StartSentinel starts the setup and waits until every sentinel knows the
// primary, the replica and the other sentinels.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	bin, err := locateBin("redis-sentinel", sentinelHint, os.Geteuid() == 0,
		func() error { return installPackage("redis-sentinel", "redis-sentinel") })
	if err != nil {
		tb.Fatal(err)
	}
	// As the README advises for production: a primary without a replica
	// refuses writes (NOREPLICAS) instead of taking writes a failover
	// would lose; a refused write is not applied, so it can be tried again.
	safe := WithArgs("--min-replicas-to-write", "1", "--min-replicas-max-lag", "5")
	primary := Start(tb, safe)
	replica := Start(tb, safe, WithArgs("--replicaof", "127.0.0.1", strconv.Itoa(primary.port)))
	s := &Sentinel{Servers: []*Server{primary, replica}}
	s.waitLinked(tb, primary, replica)
	for range 3 {
		p, err := startSentinelProc(bin, tb.TempDir(), primary.port)
		if err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		tb.Cleanup(p.kill)
		s.sentinels = append(s.sentinels, p)
	}
	s.waitSettled(tb, primary.Addr(), 15*time.Second)
	return s
}

// URL is REDIS_URL for this setup, in the form redis.ParseFailoverURL
// reads: the first sentinel, the others as addr=, the master's name.
func (s *Sentinel) URL() string {
	q := url.Values{"master_name": {MasterName}}
	for _, p := range s.sentinels[1:] {
		q.Add("addr", p.addr())
	}
	return "redis://" + s.sentinels[0].addr() + "/0?" + q.Encode()
}

// SentinelAddrs are the sentinels' host:port.
func (s *Sentinel) SentinelAddrs() []string {
	out := make([]string, len(s.sentinels))
	for i, p := range s.sentinels {
		out[i] = p.addr()
	}
	return out
}

// Client returns a failover client for the setup, closed when the test ends.
func (s *Sentinel) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: MasterName, SentinelAddrs: s.SentinelAddrs(),
	})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Primary is the data node the sentinels call the primary now.
func (s *Sentinel) Primary(tb testing.TB) *Server {
	tb.Helper()
	addr, err := s.masterAddr(context.Background(), s.sentinels[0])
	if err != nil {
		tb.Fatalf("redistest: which is the primary: %v", err)
	}
	return s.server(tb, addr)
}

// Failover makes the sentinels promote the replica (SENTINEL FAILOVER),
// waits until every sentinel names it and the old primary replicates
// from it, and returns the new primary.
func (s *Sentinel) Failover(tb testing.TB) *Server {
	tb.Helper()
	old := s.Primary(tb)
	ctx := context.Background()
	sc := s.sentinelClient(s.sentinels[0])
	defer sc.Close()
	var err error
	for range 50 { // "-INPROG" while an earlier failover is still ending
		if err = sc.Failover(ctx, MasterName).Err(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("redistest: SENTINEL FAILOVER: %v", err)
	}
	next := s.other(old)
	s.waitPromoted(tb, next.Addr(), 30*time.Second)
	// The sentinels turn the old primary into a replica when they next
	// read its INFO, up to 10 s later; do now what they would do then.
	host, port, _ := net.SplitHostPort(next.Addr())
	if err := old.Client(tb).ReplicaOf(ctx, host, port).Err(); err != nil {
		tb.Fatalf("redistest: REPLICAOF on the old primary: %v", err)
	}
	s.waitSettled(tb, next.Addr(), 30*time.Second)
	return next
}

// KillPrimary ends the primary with SIGKILL, as a crash would, waits
// until the sentinels have promoted the replica and returns the new
// primary and the killed one (start it again with StartAgain; the
// sentinels make it a replica of the new primary).
func (s *Sentinel) KillPrimary(tb testing.TB) (promoted, killed *Server) {
	tb.Helper()
	killed = s.Primary(tb)
	killed.Kill(tb)
	promoted = s.other(killed)
	s.waitPromoted(tb, promoted.Addr(), 30*time.Second)
	return promoted, killed
}

// WaitReplicating waits until the sentinels agree on the current primary
// and the other node replicates from it.
func (s *Sentinel) WaitReplicating(tb testing.TB) {
	tb.Helper()
	s.waitSettled(tb, s.Primary(tb).Addr(), 30*time.Second)
}

func (s *Sentinel) other(srv *Server) *Server {
	if s.Servers[0] == srv {
		return s.Servers[1]
	}
	return s.Servers[0]
}

func (s *Sentinel) server(tb testing.TB, addr string) *Server {
	tb.Helper()
	for _, srv := range s.Servers {
		if srv.Addr() == addr {
			return srv
		}
	}
	tb.Fatalf("redistest: the sentinels name %s, which is none of the setup's servers", addr)
	return nil
}

func (s *Sentinel) sentinelClient(p *sentinelProc) *redis.SentinelClient {
	return redis.NewSentinelClient(&redis.Options{Addr: p.addr(), MaxRetries: -1,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second})
}

func (s *Sentinel) masterAddr(ctx context.Context, p *sentinelProc) (string, error) {
	sc := s.sentinelClient(p)
	defer sc.Close()
	hp, err := sc.GetMasterAddrByName(ctx, MasterName).Result()
	if err != nil {
		return "", err
	}
	if len(hp) != 2 {
		return "", fmt.Errorf("GET-MASTER-ADDR-BY-NAME gave %v", hp)
	}
	return net.JoinHostPort(hp[0], hp[1]), nil
}

// waitPromoted waits until every sentinel names primary and it answers
// as a primary.
func (s *Sentinel) waitPromoted(tb testing.TB, primary string, timeout time.Duration) {
	tb.Helper()
	if err := s.poll(timeout, func(ctx context.Context) error { return s.promoted(ctx, primary) }); err != nil {
		tb.Fatalf("redistest: %s was not promoted: %v%s", primary, err, s.logs())
	}
}

func (s *Sentinel) promoted(ctx context.Context, primary string) error {
	for i, p := range s.sentinels {
		got, err := s.masterAddr(ctx, p)
		if err != nil {
			return fmt.Errorf("sentinel %d: %w", i, err)
		}
		if got != primary {
			return fmt.Errorf("sentinel %d names %s", i, got)
		}
	}
	role, err := serverRole(ctx, primary)
	if err != nil {
		return err
	}
	if role != "master" {
		return fmt.Errorf("%s is still a %s", primary, role)
	}
	return nil
}

// waitSettled waits until every sentinel names primary and knows the
// other two sentinels, and the replica's link to the primary is up.
func (s *Sentinel) waitSettled(tb testing.TB, primary string, timeout time.Duration) {
	tb.Helper()
	err := s.poll(timeout, func(ctx context.Context) error {
		if err := s.promoted(ctx, primary); err != nil {
			return err
		}
		for i, p := range s.sentinels {
			sc := s.sentinelClient(p)
			others, err := sc.Sentinels(ctx, MasterName).Result()
			if err == nil && len(others) < len(s.sentinels)-1 {
				err = fmt.Errorf("knows %d other sentinels", len(others))
			}
			_ = sc.Close()
			if err != nil {
				return fmt.Errorf("sentinel %d: %w", i, err)
			}
		}
		for _, srv := range s.Servers {
			if srv.Addr() == primary {
				continue
			}
			if err := replicaLinked(ctx, srv.Addr(), primary); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("redistest: the sentinel setup did not settle on primary %s: %v%s", primary, err, s.logs())
	}
}

func (s *Sentinel) waitLinked(tb testing.TB, primary, replica *Server) {
	tb.Helper()
	err := s.poll(10*time.Second, func(ctx context.Context) error {
		return replicaLinked(ctx, replica.Addr(), primary.Addr())
	})
	if err != nil {
		tb.Fatalf("redistest: replica %s did not link to %s: %v", replica.Addr(), primary.Addr(), err)
	}
}

func (s *Sentinel) poll(timeout time.Duration, check func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err := check(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Sentinel) logs() string {
	var b strings.Builder
	for i, p := range s.sentinels {
		fmt.Fprintf(&b, "\nsentinel %d log ends with:\n%s", i, logTail(filepath.Join(p.dir, "sentinel.log"), 15))
	}
	return b.String()
}

func infoFields(ctx context.Context, addr, section string) (map[string]string, error) {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
	defer c.Close()
	info, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for line := range strings.SplitSeq(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			out[k] = v
		}
	}
	return out, nil
}

func serverRole(ctx context.Context, addr string) (string, error) {
	f, err := infoFields(ctx, addr, "replication")
	if err != nil {
		return "", fmt.Errorf("%s: %w", addr, err)
	}
	return f["role"], nil
}

func replicaLinked(ctx context.Context, replica, primary string) error {
	f, err := infoFields(ctx, replica, "replication")
	if err != nil {
		return fmt.Errorf("%s: %w", replica, err)
	}
	host, port, _ := net.SplitHostPort(primary)
	if f["role"] != "slave" || f["master_host"] != host || f["master_port"] != port || f["master_link_status"] != "up" {
		return fmt.Errorf("%s: role %s of %s:%s, link %s", replica, f["role"], f["master_host"], f["master_port"], f["master_link_status"])
	}
	return nil
}

// startSentinelProc runs redis-sentinel watching the primary on port,
// with its config (which Sentinel rewrites) and log in dir.
func startSentinelProc(bin, dir string, primaryPort int) (*sentinelProc, error) {
	var lastErr error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		conf := strings.Join([]string{
			"port " + strconv.Itoa(port),
			"bind 127.0.0.1",
			"protected-mode no",
			"daemonize no",
			"dir " + dir,
			"logfile " + filepath.Join(dir, "sentinel.log"),
			"sentinel resolve-hostnames no",
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 2", MasterName, primaryPort),
			// 3 s, not less: a primary busy with a full sync on a loaded
			// CI machine must not look down and be failed over again.
			"sentinel down-after-milliseconds " + MasterName + " 3000",
			"sentinel failover-timeout " + MasterName + " 4000",
			"sentinel parallel-syncs " + MasterName + " 1",
		}, "\n") + "\n"
		path := filepath.Join(dir, "sentinel.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			return nil, err
		}
		_ = os.Remove(filepath.Join(dir, "sentinel.log"))
		p := &sentinelProc{port: port, dir: dir, exited: make(chan struct{})}
		p.cmd = exec.Command(bin, path)
		p.cmd.Dir = dir
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := p.cmd.Start(); err != nil {
			return nil, fmt.Errorf("run %s: %w", bin, err)
		}
		go func() { _ = p.cmd.Wait(); close(p.exited) }()
		err = waitForPing(p.addr(), p.exited, 10*time.Second)
		if err == nil {
			return p, nil
		}
		p.kill()
		tail := logTail(filepath.Join(dir, "sentinel.log"), 20)
		lastErr = fmt.Errorf("can't start redis-sentinel: %w; its log ends with:\n%s", err, tail)
		if !strings.Contains(tail, "Address already in use") {
			break
		}
	}
	return nil, lastErr
}

func (p *sentinelProc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

func (p *sentinelProc) kill() {
	p.once.Do(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
}
