package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// redisProxy sits between the bot and Redis and counts what the bot sends:
// commands by name and round trips. INFO commandstats can't tell these
// apart: it also counts the commands Lua scripts run, and a pipeline of n
// commands as n.
//
// A round trip is a flush of one or more whole commands: a read from the
// bot's side of a connection that ends exactly at the end of a command.
// go-redis writes a command, or a whole pipeline, with one flush and then
// waits for the answers, so each single command and each pipeline counts
// once. (A payload larger than a socket read is only counted when its last
// part arrives.)
type redisProxy struct {
	ln     net.Listener
	target string

	roundTrips atomic.Int64
	commands   atomic.Int64
	conns      atomic.Int64

	mu     sync.Mutex
	byName map[string]int64
	open   map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func startProxy(target string) (*redisProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &redisProxy{ln: ln, target: target, byName: map[string]int64{}, open: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// URL is the redis:// URL the bot gets.
func (p *redisProxy) URL() string { return "redis://" + p.ln.Addr().String() + "/0" }

type proxyCounts struct {
	RoundTrips, Commands, Conns int64
	ByName                      map[string]int64
}

func (p *redisProxy) counts() proxyCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := proxyCounts{RoundTrips: p.roundTrips.Load(), Commands: p.commands.Load(), Conns: p.conns.Load(), ByName: map[string]int64{}}
	for k, v := range p.byName {
		c.ByName[k] = v
	}
	return c
}

func (p *redisProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.open {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *redisProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.open[c] = struct{}{}
	return true
}

func (p *redisProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.open, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *redisProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.conns.Add(1)
		p.wg.Add(1)
		go p.serve(client)
	}
}

func (p *redisProxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	if !p.track(client) || !p.track(server) {
		_ = client.Close()
		_ = server.Close()
		return
	}
	defer p.untrack(client)
	defer p.untrack(server)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_, _ = io.Copy(client, server)
		_ = client.Close()
	}()
	buf := make([]byte, 64<<10)
	var pending []byte
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if _, werr := server.Write(buf[:n]); werr != nil {
				return
			}
			pending = append(pending, buf[:n]...)
			names, used := parseCommands(pending)
			pending = pending[used:]
			if len(pending) == 0 {
				pending = nil // don't keep a large buffer alive
			}
			if len(names) > 0 {
				p.record(names, len(pending) == 0)
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *redisProxy) record(names []string, flushEnd bool) {
	p.commands.Add(int64(len(names)))
	p.mu.Lock()
	for _, n := range names {
		p.byName[n]++
	}
	p.mu.Unlock()
	if flushEnd {
		p.roundTrips.Add(1)
	}
}

var errIncomplete = errors.New("incomplete")

// parseCommands reads the whole commands at the start of b (RESP arrays of
// bulk strings, or inline commands) and returns their lower-case names and
// how many bytes they took.
func parseCommands(b []byte) (names []string, used int) {
	for used < len(b) {
		name, n, err := parseCommand(b[used:])
		if errors.Is(err, errIncomplete) {
			return names, used
		}
		if err != nil { // not RESP from a client: stop counting this data
			return names, len(b)
		}
		names = append(names, name)
		used += n
	}
	return names, used
}

func parseCommand(b []byte) (string, int, error) {
	line, n, err := readLine(b)
	if err != nil {
		return "", 0, err
	}
	if len(line) == 0 || line[0] != '*' {
		// An inline command, as redis-cli or telnet send.
		f := strings.Fields(string(line))
		if len(f) == 0 {
			return "", n, nil
		}
		return strings.ToLower(f[0]), n, nil
	}
	count, err := strconv.Atoi(string(line[1:]))
	if err != nil {
		return "", 0, err
	}
	pos := n
	var name string
	for i := 0; i < count; i++ {
		hdr, m, err := readLine(b[pos:])
		if err != nil {
			return "", 0, err
		}
		if len(hdr) == 0 || hdr[0] != '$' {
			return "", 0, errors.New("not a bulk string")
		}
		size, err := strconv.Atoi(string(hdr[1:]))
		if err != nil || size < 0 {
			return "", 0, errors.New("bad bulk length")
		}
		pos += m
		if len(b) < pos+size+2 {
			return "", 0, errIncomplete
		}
		if i == 0 {
			name = strings.ToLower(string(b[pos : pos+size]))
		}
		pos += size + 2
	}
	return name, pos, nil
}

// readLine returns the line at the start of b without its CRLF and the
// length with it.
func readLine(b []byte) ([]byte, int, error) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return nil, 0, errIncomplete
	}
	return b[:i], i + 2, nil
}
