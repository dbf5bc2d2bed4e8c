package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// botPackage is the real bot, built when -bin is not given.
const botPackage = "github.com/intakebot/intakebot/cmd/intakebot"

// buildBot compiles the bot into dir with the go command, from the module
// this tool is run in.
func buildBot(ctx context.Context, dir string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("the go command is not on PATH; build the bot yourself and pass -bin")
	}
	gomod, err := exec.CommandContext(ctx, goBin, "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(gomod))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the intakebot module: run from the repository, or pass -bin")
	}
	out := filepath.Join(dir, "intakebot")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, botPackage)
	cmd.Dir = filepath.Dir(mod)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", botPackage, err, msg)
	}
	return out, nil
}

// botProc is `intakebot serve` run by this tool.
type botProc struct {
	cmd      *exec.Cmd
	httpAddr string
	exited   chan struct{}
	exitErr  error
	logs     *logCounter
}

// randomKey is a fresh INTAKEBOT_DATA_KEY.
func randomKey() string {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

// botEnv is the bot's environment: this process's, minus anything that
// configures a bot (a real token must never reach the fake), plus ours.
func botEnv(vars map[string]string, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TELEGRAM_") || strings.HasPrefix(name, "INTAKEBOT_") || name == "REDIS_URL" {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return append(env, extra...)
}

// startBot runs bin serve and waits until /readyz answers 200.
func startBot(ctx context.Context, bin string, env map[string]string, extra []string) (*botProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	env["INTAKEBOT_HTTP_ADDR"] = addr
	b := &botProc{httpAddr: addr, exited: make(chan struct{}), logs: newLogCounter()}
	b.cmd = exec.Command(bin, "serve")
	b.cmd.Env = botEnv(env, extra)
	b.cmd.Stdout, b.cmd.Stderr = b.logs, b.logs
	b.cmd.SysProcAttr = childAttr()
	if err := b.cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	go func() { b.exitErr = b.cmd.Wait(); close(b.exited) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-b.exited:
			return nil, fmt.Errorf("the bot exited during start (%v); its output ends with:\n%s", b.exitErr, b.logs.tail())
		case <-ctx.Done():
			b.stop()
			return nil, ctx.Err()
		default:
		}
		if httpStatus("http://"+addr+"/readyz") == http.StatusOK {
			return b, nil
		}
		if time.Now().After(deadline) {
			b.stop()
			return nil, fmt.Errorf("the bot was not ready within 30s; its output ends with:\n%s", b.logs.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *botProc) pid() int { return b.cmd.Process.Pid }

func (b *botProc) metricsURL() string { return "http://" + b.httpAddr + "/metrics" }

// stop sends SIGTERM and waits for the bot's bounded shutdown (20 s), then
// kills it. It returns how long the stop took and the exit error.
func (b *botProc) stop() (time.Duration, error) {
	start := time.Now()
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(30 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
		return time.Since(start), errors.New("killed: no exit within 30s of SIGTERM")
	}
	return time.Since(start), b.exitErr
}

var httpc = &http.Client{Timeout: 5 * time.Second}

func httpStatus(url string) int {
	resp, err := httpc.Get(url)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// scrapeMetrics reads a Prometheus text page into "name{labels}" -> value.
func scrapeMetrics(url string) (map[string]float64, error) {
	if url == "" {
		return nil, nil
	}
	resp, err := httpc.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// procStats is what /proc tells about a process.
type procStats struct {
	RSS, PeakRSS int64 // bytes
	Threads      int
	CPU          time.Duration // user + system
	OK           bool
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100

func readProc(pid int) procStats {
	var st procStats
	if pid <= 0 {
		return st
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			st.RSS = n << 10
		case "VmHWM":
			st.PeakRSS = n << 10
		case "Threads":
			st.Threads = int(n)
		}
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// The command name may hold spaces; the fields start after ")".
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
			f := strings.Fields(string(stat[i+1:]))
			if len(f) > 12 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				s, _ := strconv.ParseInt(f[12], 10, 64)
				st.CPU = time.Duration(u+s) * time.Second / clockTicks
			}
		}
	}
	st.OK = true
	return st
}

// loadAverage is the machine's 1-minute load average, 0 if unknown: other
// work on the machine shows up in the latencies.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// logCounter takes the bot's log output, counts lines by level and keeps a
// count of each warning and error message (the message and error texts
// only, which the bot keeps free of personal data) and the last lines for
// a failed start.
type logCounter struct {
	mu      sync.Mutex
	partial []byte
	levels  map[string]int64
	msgs    map[string]int64 // "LEVEL msg: err" -> count
	last    []string
}

func newLogCounter() *logCounter {
	return &logCounter{levels: map[string]int64{}, msgs: map[string]int64{}}
}

const maxLogKinds = 50

func (l *logCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) == 0 {
		l.partial = nil
	}
	return len(p), nil
}

func (l *logCounter) line(s string) {
	if len(l.last) >= 20 {
		l.last = l.last[1:]
	}
	l.last = append(l.last, truncate(s, 400))
	var rec struct {
		Level string `json:"level"`
		Msg   string `json:"msg"`
		Err   any    `json:"err"`
	}
	if json.Unmarshal([]byte(s), &rec) != nil || rec.Level == "" {
		l.levels["other"]++
		return
	}
	l.levels[rec.Level]++
	if rec.Level != "WARN" && rec.Level != "ERROR" {
		return
	}
	key := rec.Level + " " + rec.Msg
	if rec.Err != nil {
		key += ": " + truncate(fmt.Sprint(rec.Err), 160)
	}
	if _, ok := l.msgs[key]; !ok && len(l.msgs) >= maxLogKinds {
		key = rec.Level + " (other)"
	}
	l.msgs[key]++
}

func (l *logCounter) snapshot() (levels, msgs map[string]int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	levels, msgs = map[string]int64{}, map[string]int64{}
	for k, v := range l.levels {
		levels[k] = v
	}
	for k, v := range l.msgs {
		msgs[k] = v
	}
	return levels, msgs
}

func (l *logCounter) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.last, "\n")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
