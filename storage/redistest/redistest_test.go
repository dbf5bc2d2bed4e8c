package redistest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStartGivesAWorkingServerOnLoopback(t *testing.T) {
	srv := Start(t)
	c := srv.Client(t)
	ctx := context.Background()

	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") || strings.HasSuffix(srv.Addr(), ":6379") {
		t.Errorf("Addr() = %q, want a loopback address that is not the default port", srv.Addr())
	}
	opt, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatalf("URL() = %q does not parse: %v", srv.URL(), err)
	}
	if opt.Addr != srv.Addr() || opt.DB != 0 {
		t.Errorf("URL() = %q points to %s db %d, want %s db 0", srv.URL(), opt.Addr, opt.DB, srv.Addr())
	}
	cfg, err := c.ConfigGet(ctx, "*").Result()
	if err != nil {
		t.Fatalf("CONFIG GET: %v", err)
	}
	want := map[string]string{"appendonly": "yes", "appendfsync": "always", "save": "", "dir": srv.Dir()}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("config %s = %q, want %q", k, cfg[k], v)
		}
	}
}

func TestTwoServersDoNotShareData(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("both servers listen on %s", a.Addr())
	}
	ctx := context.Background()
	if err := a.Client(t).Set(ctx, "k", "in a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Client(t).Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("GET k on the second server: err = %v, want redis.Nil", err)
	}
}

func TestDataSurvivesTheEndOfTheServer(t *testing.T) {
	tests := []struct {
		name string
		stop func(*Server, testing.TB)
	}{
		{"graceful stop", (*Server).Stop},
		{"crash (SIGKILL)", (*Server).Kill},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := Start(t)
			c := srv.Client(t)
			ctx := context.Background()
			if err := c.Set(ctx, "answer", "kept", 0).Err(); err != nil {
				t.Fatal(err)
			}
			addr := srv.Addr()

			tt.stop(srv, t)
			down, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			if err := c.Ping(down).Err(); err == nil {
				t.Fatal("PING succeeded while the server was stopped")
			}

			srv.StartAgain(t)
			if srv.Addr() != addr {
				t.Errorf("address changed from %s to %s", addr, srv.Addr())
			}
			// The same client reconnects by itself.
			got, err := c.Get(ctx, "answer").Result()
			if err != nil || got != "kept" {
				t.Errorf("GET after restart = %q, %v; want \"kept\"", got, err)
			}
		})
	}
}

func TestRestartKeepsData(t *testing.T) {
	srv := Start(t)
	c := srv.Client(t)
	ctx := context.Background()
	if err := c.HSet(ctx, "h", "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	if got, err := c.HGet(ctx, "h", "f").Result(); err != nil || got != "v" {
		t.Errorf("HGET after Restart = %q, %v; want \"v\"", got, err)
	}
}

func TestExtraArgsReachTheServer(t *testing.T) {
	srv := Start(t, WithArgs("--maxmemory", "8mb"))
	got, err := srv.Client(t).ConfigGet(context.Background(), "maxmemory").Result()
	if err != nil {
		t.Fatal(err)
	}
	if got["maxmemory"] != "8388608" {
		t.Errorf("maxmemory = %q, want 8388608", got["maxmemory"])
	}
}

func TestBadArgsFailWithTheServerLog(t *testing.T) {
	// Start calls Fatal, so exercise launch directly, as Start does.
	bin, err := locate(os.Geteuid() == 0, install)
	if err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{bin: bin, port: port, dir: t.TempDir(), opts: options{
		args: []string{"--no-such-option", "1"}, readyTimeout: 5 * time.Second,
	}}
	t.Cleanup(s.kill)
	err = s.launch()
	if err == nil {
		t.Fatal("launch succeeded with an unknown option")
	}
	if !strings.Contains(err.Error(), "no-such-option") {
		t.Errorf("error does not show the server's complaint: %v", err)
	}
}

func TestMissingRedisServerSaysHowToInstallIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	installed := false
	_, err := locate(false, func() error { installed = true; return nil })
	if err == nil {
		t.Fatal("locate found redis-server on an empty PATH")
	}
	if installed {
		t.Error("locate installed without permission")
	}
	if !strings.Contains(err.Error(), "sudo apt-get install -y redis-server") {
		t.Errorf("error = %q, want the install command", err)
	}
}

func TestLogStaysInTheDataDir(t *testing.T) {
	srv := Start(t)
	if _, err := os.Stat(filepath.Join(srv.Dir(), "redis.log")); err != nil {
		t.Errorf("no redis.log in the data dir: %v", err)
	}
}

func TestRoundTripsCountsWhatTheClientSends(t *testing.T) {
	srv := Start(t)
	c := srv.Client(t)
	rt := CountRoundTrips(c)
	ctx := context.Background()

	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if rt.Dials() != 1 {
		t.Errorf("Dials = %d after the first command, want 1", rt.Dials())
	}
	rt.Reset()
	if rt.Count() != 0 || rt.Dials() != 0 || len(rt.Log()) != 0 {
		t.Fatalf("after Reset: %d round trips, %d dials, log %v", rt.Count(), rt.Dials(), rt.Log())
	}

	c.Set(ctx, "k", "1", 0)
	c.Get(ctx, "k")
	if rt.Count() != 2 || rt.Commands() != 2 || rt.Pipelines() != 0 {
		t.Errorf("two commands: %d round trips (%d commands, %d pipelines), want 2",
			rt.Count(), rt.Commands(), rt.Pipelines())
	}

	// go-redis keeps pipelines on connections of their own: the first
	// pipeline and the first transaction each dial (and handshake).
	rt.Reset()
	for range 2 {
		c.Pipelined(ctx, func(p redis.Pipeliner) error { p.Ping(ctx); return nil })
		c.TxPipelined(ctx, func(p redis.Pipeliner) error { p.Ping(ctx); return nil })
	}
	if rt.Dials() == 0 {
		t.Logf("pipelines dialed no connection of their own: %v", rt.Log())
	}

	rt.Reset()
	if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "n")
		p.Incr(ctx, "n")
		p.Get(ctx, "n")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "n")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rt.Count() != 2 || rt.Pipelines() != 2 {
		t.Errorf("a pipeline and a transaction: %d round trips %v (%d dials), want 2", rt.Count(), rt.Log(), rt.Dials())
	}

	// A script unknown to the server costs EVALSHA and EVAL; then one.
	script := redis.NewScript(`return 1`)
	rt.Reset()
	if err := script.Run(ctx, c, nil).Err(); err != nil {
		t.Fatal(err)
	}
	if got := rt.Log(); rt.Count() != 2 || len(got) != 2 || got[0] != "evalsha" || got[1] != "eval" {
		t.Errorf("first Script.Run: %d round trips %v, want [evalsha eval]", rt.Count(), got)
	}
	rt.Reset()
	if err := script.Run(ctx, c, nil).Err(); err != nil {
		t.Fatal(err)
	}
	if rt.Count() != 1 {
		t.Errorf("second Script.Run: %d round trips %v, want 1", rt.Count(), rt.Log())
	}
	if rt.Dials() != 0 {
		t.Errorf("%d dials on a warm connection", rt.Dials())
	}

	// The log stays bounded.
	rt.Reset()
	for range 2 * maxLogged {
		c.Ping(ctx)
	}
	if rt.Count() != 2*maxLogged || len(rt.Log()) != maxLogged {
		t.Errorf("%d round trips, log of %d; want %d and %d", rt.Count(), len(rt.Log()), 2*maxLogged, maxLogged)
	}
}
