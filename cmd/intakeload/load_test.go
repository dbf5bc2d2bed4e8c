package main

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/storage/redistest"
)

// TestLoadSmoke runs the tool as a user would, small: 20 people for 3 s
// against the real bot (built from this module), the fake Bot API and a
// real redis-server.
func TestLoadSmoke(t *testing.T) {
	rds := redistest.Start(t)
	bin, err := buildBot(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := parseFlags([]string{"-users", "20", "-duration", "3s", "-warmup", "500ms", "-progress", "1s",
		"-timeout", "5s", "-redis", rds.URL(), "-bin", bin}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var out bottest.Log
	rep, err := run(context.Background(), cfg, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	rep.write(&out)
	t.Log(out.String())

	if probs := rep.Problems(); len(probs) > 0 {
		t.Errorf("problems:\n%s", strings.Join(probs, "\n"))
	}
	if rep.Handled() < 20 || rep.Window[cSent] < rep.Handled() {
		t.Errorf("sent %d, handled %d: expected every person to get replies", rep.Window[cSent], rep.Handled())
	}
	p50, p99, maxLat := rep.Quantile(.5), rep.Quantile(.99), rep.Quantile(1)
	if p50 <= 0 || p50 > p99 || p99 > maxLat || maxLat > cfg.Timeout || len(rep.Samples) == 0 {
		t.Errorf("latency p50 %v p99 %v max %v (n=%d)", p50, p99, maxLat, len(rep.Samples))
	}
	if rt := rep.RoundTripsPerUpdate(); rt <= 0 || rt > 20 {
		t.Errorf("redis round trips per update = %.2f", rt)
	}
	if !rep.End.Bot.OK || rep.End.Bot.RSS <= 0 {
		t.Errorf("no RSS of the bot: %+v", rep.End.Bot)
	}
	if rep.StopErr != nil {
		t.Errorf("the bot did not stop cleanly: %v", rep.StopErr)
	}
	for _, want := range []string{"updates        sent", "latency        p50", "redis round trips per update", "RSS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestParseCommands(t *testing.T) {
	get := "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
	evalsha := "*5\r\n$7\r\nevalsha\r\n$40\r\n" + strings.Repeat("a", 40) + "\r\n$1\r\n1\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n"
	tests := []struct {
		in    string
		names []string
		rest  int
	}{
		{get, []string{"get"}, 0},
		{get + get, []string{"get", "get"}, 0},
		{get[:7], nil, 7},
		{get + get[:10], []string{"get"}, 10},
		{evalsha, []string{"evalsha"}, 0},
		{"PING\r\n", []string{"ping"}, 0},
		{"*1\r\n$-3\r\n", nil, 0}, // not RESP a client sends: dropped
	}
	for _, tt := range tests {
		names, used := parseCommands([]byte(tt.in))
		if strings.Join(names, " ") != strings.Join(tt.names, " ") || len(tt.in)-used != tt.rest {
			t.Errorf("parseCommands(%q) = %v, %d left; want %v, %d left", tt.in, names, len(tt.in)-used, tt.names, tt.rest)
		}
	}
}

func TestProxyCountsRoundTrips(t *testing.T) {
	rds := redistest.Start(t)
	p, err := startProxy(rds.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	addr, _ := redisAddr(p.URL())
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rd := bufio.NewReader(conn)
	expect := func(replies int) {
		t.Helper()
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for range replies {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if line[0] == '$' && line != "$-1\r\n" {
				if _, err := rd.ReadString('\n'); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	send := func(parts ...string) {
		t.Helper()
		for _, part := range parts {
			if _, err := conn.Write([]byte(part)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond) // separate reads on the proxy's side
		}
	}
	bulk := func(args ...string) string {
		out := "*" + strconv.Itoa(len(args)) + "\r\n"
		for _, a := range args {
			out += "$" + strconv.Itoa(len(a)) + "\r\n" + a + "\r\n"
		}
		return out
	}
	get := bulk("GET", "k")
	big := bulk("HSET", "h", "f", strings.Repeat("x", 300<<10))

	send(get + get + big[:1000])         // a pipeline, flushed in parts
	send(big[1000:200000], big[200000:]) // only its end completes it
	expect(3)
	send(get) // a single command
	expect(1)
	c := p.counts()
	if c.RoundTrips != 2 || c.Commands != 4 || c.ByName["get"] != 3 || c.ByName["hset"] != 1 {
		t.Errorf("counts = %+v, want 2 round trips: a pipeline and a GET", c)
	}
	if st, err := commandStats(context.Background(), rds.Addr()); err != nil || st["get"] != 3 || st["hset"] != 1 {
		t.Errorf("commandstats = %v, %v", st, err)
	}
}
