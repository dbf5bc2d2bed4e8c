// Package redistest runs a real redis-server for tests: on a free loopback
// port, with its data in the test's temporary directory, and stopped when the
// test ends. Storage code is tested against the real thing because Lua
// scripts, TTLs, AOF persistence and outages behave there as in production;
// an in-memory fake would prove none of that.
//
// A Server never uses port 6379 and never touches a Redis it did not start.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
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

// Option changes how Start runs redis-server.
type Option func(*options)

type options struct {
	args         []string
	readyTimeout time.Duration
}

// WithArgs adds redis-server arguments after the harness's own, for example
// WithArgs("--maxmemory", "8mb"). A later argument overrides an earlier one.
func WithArgs(args ...string) Option {
	return func(o *options) { o.args = append(o.args, args...) }
}

// WithReadyTimeout sets how long Start waits for the first PING to succeed.
func WithReadyTimeout(d time.Duration) Option {
	return func(o *options) { o.readyTimeout = d }
}

// Server is one redis-server process owned by a test.
type Server struct {
	bin  string
	port int
	dir  string
	opts options

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of redis-server; a Server has one per start.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once Wait has returned
}

// startAttempts bounds the retries when a free port is taken by someone else
// between the probe and redis-server's own bind.
const startAttempts = 5

// Start runs a fresh redis-server with append-only persistence
// (appendfsync always, so that even a SIGKILL loses nothing acknowledged)
// and waits until it answers PING. The server is killed when the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	o := options{readyTimeout: 10 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	bin, err := locate(os.Geteuid() == 0, install)
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{bin: bin, dir: tb.TempDir(), opts: o}
	// Registered after TempDir, so it runs before the directory is removed.
	tb.Cleanup(s.kill)

	var lastErr error
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			tb.Fatalf("redistest: can't find a free port: %v", err)
		}
		s.port = port
		err = s.launch()
		if err == nil {
			return s
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	tb.Fatalf("redistest: can't start redis-server: %v", lastErr)
	return nil
}

// Addr is the host:port clients connect to.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// URL is a redis:// URL for database 0, as REDIS_URL would hold it.
func (s *Server) URL() string {
	return "redis://" + s.Addr() + "/0"
}

// Dir is the server's data directory (AOF files and redis.log).
func (s *Server) Dir() string {
	return s.dir
}

// Client returns a new client for the server, closed when the test ends. It
// keeps working across Stop and StartAgain: go-redis reconnects by itself.
func (s *Server) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: s.Addr(),
		// The auto-detection of maintenance notifications only matters for
		// managed Redis; switching it off keeps test logs quiet.
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Stop shuts the server down gracefully (SIGTERM: Redis flushes the AOF and
// exits) and waits until the process is gone. Clients see connection errors
// until StartAgain.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	s.signal(tb, syscall.SIGTERM)
}

// Kill ends the server with SIGKILL, as a crash or an OOM kill would, and
// waits until the process is gone.
func (s *Server) Kill(tb testing.TB) {
	tb.Helper()
	s.signal(tb, syscall.SIGKILL)
}

// StartAgain starts a stopped server on the same port and data directory,
// so it loads what the AOF holds, and waits until it answers PING.
func (s *Server) StartAgain(tb testing.TB) {
	tb.Helper()
	s.mu.Lock()
	running := s.proc != nil
	s.mu.Unlock()
	if running {
		tb.Fatal("redistest: StartAgain on a server that is still running")
	}
	var err error
	// The old process's port may linger for a moment; retry briefly.
	for range startAttempts {
		if err = s.launch(); !errors.Is(err, errPortTaken) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("redistest: can't start redis-server again on %s: %v", s.Addr(), err)
	}
}

// Restart is Stop followed by StartAgain.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	s.Stop(tb)
	s.StartAgain(tb)
}

var errPortTaken = errors.New("port already in use")

func (s *Server) logPath() string {
	return filepath.Join(s.dir, "redis.log")
}

// launch starts redis-server and waits for PING; on failure the process is
// gone again.
func (s *Server) launch() error {
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--logfile", s.logPath(),
		"--save", "",
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--protected-mode", "yes",
		"--daemonize", "no",
	}
	args = append(args, s.opts.args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	// Its own process group, so that a Ctrl-C on `go test` reaches the test
	// binary first and the cleanup decides how the server ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()

	if err := waitForPing(s.Addr(), p.exited, s.opts.readyTimeout); err != nil {
		_ = cmd.Process.Kill()
		<-p.exited
		tail := logTail(s.logPath(), 20) + stderr.String()
		if strings.Contains(tail, "Address already in use") {
			return errPortTaken
		}
		return fmt.Errorf("%w; redis-server log ends with:\n%s", err, tail)
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

func (s *Server) signal(tb testing.TB, sig syscall.Signal) {
	tb.Helper()
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		tb.Fatal("redistest: the server is not running")
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		tb.Fatalf("redistest: redis-server did not exit within 10s after %v; log ends with:\n%s",
			sig, logTail(s.logPath(), 20))
	}
}

// kill is the cleanup: whatever state the test left, the process goes.
func (s *Server) kill() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before redis-server binds it; launch reports that as errPortTaken.
func freePort() (int, error) {
	for range 10 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if port != 6379 { // never the default port, where a real Redis may live
			return port, nil
		}
	}
	return 0, errors.New("the kernel kept offering port 6379")
}

// waitForPing speaks just enough RESP to see +PONG, so that readiness does
// not depend on client library behaviour such as retries and logging.
func waitForPing(addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-exited:
			return errors.New("redis-server exited during start")
		default:
		}
		if ping(addr) == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG from %s within %v", addr, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		// -LOADING while the AOF is read back: not ready yet.
		return fmt.Errorf("unexpected answer %q", strings.TrimSpace(line))
	}
	return nil
}

func logTail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")\n"
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n") + "\n"
}
