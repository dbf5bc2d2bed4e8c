package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// redisServer is a redis-server this tool started for one run: a free
// loopback port (never 6379), data in a temporary folder that goes with it.
// storage/redistest does the same for tests but needs a testing.TB.
type redisServer struct {
	bin    string
	args   []string
	cmd    *exec.Cmd
	addr   string
	dir    string
	exited chan struct{}
}

// startRedis runs redis-server with AOF on and the given appendfsync
// policy (production runs everysec) and waits until it answers PING. extra
// are more redis-server arguments.
func startRedis(fsync string, extra ...string) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server not found; install it (sudo apt-get install -y redis-server) or pass -redis URL")
	}
	dir, err := os.MkdirTemp("", "intakeload-redis-*")
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			lastErr = err
			break
		}
		r := &redisServer{bin: bin, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir,
			args: append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
				"--logfile", filepath.Join(dir, "redis.log"), "--save", "",
				"--appendonly", "yes", "--appendfsync", fsync,
				"--protected-mode", "yes", "--daemonize", "no"}, extra...)}
		if lastErr = r.launch(); lastErr == nil {
			return r, nil
		}
		log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
		if !strings.Contains(string(log), "Address already in use") {
			lastErr = fmt.Errorf("%w; redis.log:\n%s", lastErr, tail(string(log), 10))
			break
		}
	}
	_ = os.RemoveAll(dir)
	return nil, fmt.Errorf("can't start redis-server: %w", lastErr)
}

// launch runs the server process and waits for PING; on failure the
// process is gone again.
func (r *redisServer) launch() error {
	r.exited = make(chan struct{})
	r.cmd = exec.Command(r.bin, r.args...)
	r.cmd.Dir = r.dir
	r.cmd.SysProcAttr = childAttr()
	if err := r.cmd.Start(); err != nil {
		return fmt.Errorf("run %s: %w", r.bin, err)
	}
	exited := r.exited
	cmd := r.cmd
	go func() { _ = cmd.Wait(); close(exited) }()
	if err := waitReady(r.addr, exited, 10*time.Second); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		return err
	}
	return nil
}

// kill ends the server with SIGKILL, as a crash would.
func (r *redisServer) kill() {
	_ = r.cmd.Process.Kill()
	<-r.exited
}

func (r *redisServer) URL() string { return "redis://" + r.addr + "/0" }

// PID is the server's process id, for its CPU time.
func (r *redisServer) PID() int { return r.cmd.Process.Pid }

// stop ends the server (SIGTERM, then SIGKILL after 10 s) and removes its
// folder.
func (r *redisServer) stop() {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
	}
	_ = os.RemoveAll(r.dir)
}

// freePort asks the kernel for a free loopback port other than 6379.
func freePort() (int, error) {
	for range 10 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if port != 6379 {
			return port, nil
		}
	}
	return 0, errors.New("the kernel kept offering port 6379")
}

func waitReady(addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-exited:
			return errors.New("redis-server exited during start")
		default:
		}
		if _, err := redisCommand(addr, "PING"); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG from %s within %v", addr, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// redisCommand sends one inline command on a fresh connection and returns
// the answer: a simple string or a bulk string. It is all this tool needs
// (PING, INFO), and keeps the tool's own traffic off the bot's counts.
func redisCommand(addr, cmd string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	rd := bufio.NewReader(conn)
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "-"):
		return "", errors.New(line[1:])
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("bad bulk length %q", line)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected answer %q", line)
}

// redisAddr is the host:port of a redis:// URL.
func redisAddr(u string) (string, error) {
	rest, ok := strings.CutPrefix(u, "redis://")
	if !ok {
		return "", fmt.Errorf("-redis: only redis:// URLs are supported, not %q", u)
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		return "", errors.New("-redis: URLs with a password are not supported by the load tool")
	}
	host, _, _ := strings.Cut(rest, "/")
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "6379")
	}
	return host, nil
}

// commandStats reads INFO commandstats: calls per command, as the server
// counts them - commands that Lua scripts run included.
func commandStats(ctx context.Context, addr string) (map[string]int64, error) {
	info, err := redisCommand(addr, "INFO commandstats")
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for line := range strings.SplitSeq(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, found := strings.CutPrefix(name, "cmdstat_")
		if !ok || !found {
			continue
		}
		for field := range strings.SplitSeq(rest, ",") {
			if v, ok := strings.CutPrefix(field, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				out[name] = n
			}
		}
	}
	return out, ctx.Err()
}

// diffCounts is after minus before, without zero entries.
func diffCounts(before, after map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// sortedByCount lists the keys, largest count first.
func sortedByCount(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
