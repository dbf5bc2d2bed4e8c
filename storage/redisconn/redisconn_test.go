package redisconn_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/storage/redisconn"
)

func intp(n int) *int { return &n }

func TestParseRedis(t *testing.T) {
	tests := []struct {
		name    string
		cfg     redisconn.Config
		mode    string
		addrs   []string // the node or the sentinels or the cluster seeds
		master  string
		db      int
		wait    int
		wantErr string
	}{
		{name: "single", cfg: redisconn.Config{URL: "redis://127.0.0.1:6380/2"}, mode: "single", addrs: []string{"127.0.0.1:6380"}, db: 2},
		{name: "single defaults", cfg: redisconn.Config{URL: "redis://redis"}, mode: "single", addrs: []string{"redis:6379"}},
		{name: "single tls with options", cfg: redisconn.Config{URL: "rediss://u:pw@r.example:6390/1?dial_timeout=3&max_retries=2"}, mode: "single", addrs: []string{"r.example:6390"}, db: 1},
		{name: "single unix socket", cfg: redisconn.Config{URL: "unix:///run/redis.sock?db=3"}, mode: "single", addrs: []string{"/run/redis.sock"}, db: 3},
		{name: "single said", cfg: redisconn.Config{URL: "redis://h:1/0", Mode: "SINGLE"}, mode: "single", addrs: []string{"h:1"}},
		{name: "single may wait for replicas", cfg: redisconn.Config{URL: "redis://h:1/0", WaitReplicas: intp(1)}, mode: "single", addrs: []string{"h:1"}, wait: 1},

		{name: "sentinel from master_name", cfg: redisconn.Config{URL: "redis://s1:26379/0?master_name=mymaster&addr=s2:26379&addr=s3:26379"},
			mode: "sentinel", addrs: []string{"s1:26379", "s2:26379", "s3:26379"}, master: "mymaster", wait: 1},
		{name: "sentinel from the master setting", cfg: redisconn.Config{URL: "redis://s1:26379/4?addr=s2:26379", Master: "m"},
			mode: "sentinel", addrs: []string{"s1:26379", "s2:26379"}, master: "m", db: 4, wait: 1},
		{name: "sentinel said, same master twice", cfg: redisconn.Config{URL: "redis://s1:26379?master_name=m", Mode: "sentinel", Master: "m"},
			mode: "sentinel", addrs: []string{"s1:26379"}, master: "m", wait: 1},
		{name: "sentinel without wait", cfg: redisconn.Config{URL: "redis://s1:26379?master_name=m", WaitReplicas: intp(0)},
			mode: "sentinel", addrs: []string{"s1:26379"}, master: "m", wait: 0},
		{name: "sentinel with a primary password", cfg: redisconn.Config{URL: "redis://s1:26379?master_name=m&password=pw"},
			mode: "sentinel", addrs: []string{"s1:26379"}, master: "m", wait: 1},
		{name: "sentinel needs a master", cfg: redisconn.Config{URL: "redis://s1:26379", Mode: "sentinel"}, wantErr: "master name"},
		{name: "sentinel empty master_name", cfg: redisconn.Config{URL: "redis://s1:26379?master_name="}, wantErr: "empty"},
		{name: "two master names", cfg: redisconn.Config{URL: "redis://s1:26379?master_name=a", Master: "b"}, wantErr: "INTAKEBOT_REDIS_MASTER"},
		{name: "sentinel replica reads refused", cfg: redisconn.Config{URL: "redis://s1:26379?master_name=m&replica_only=true"}, wantErr: "replica_only"},
		{name: "sentinel route randomly refused", cfg: redisconn.Config{URL: "redis://s1:26379?master_name=m&route_randomly=true"}, wantErr: "route_randomly"},
		{name: "sentinel unix refused", cfg: redisconn.Config{URL: "unix:///s.sock", Master: "m"}, wantErr: "redis://"},

		{name: "cluster from addr", cfg: redisconn.Config{URL: "redis://n1:7000?addr=n2:7001&addr=n3:7002"},
			mode: "cluster", addrs: []string{"n1:7000", "n2:7001", "n3:7002"}},
		{name: "cluster said, one seed, db 0 path", cfg: redisconn.Config{URL: "redis://n1:7000/0", Mode: "cluster"},
			mode: "cluster", addrs: []string{"n1:7000"}},
		{name: "cluster has no db 3", cfg: redisconn.Config{URL: "redis://n1:7000/3", Mode: "cluster"}, wantErr: "database 0"},
		{name: "cluster replica reads refused", cfg: redisconn.Config{URL: "redis://n1:7000?addr=n2:7001&read_only=true"}, wantErr: "read_only"},
		{name: "cluster wait refused", cfg: redisconn.Config{URL: "redis://n1:7000?addr=n2:7001", WaitReplicas: intp(1)}, wantErr: "cluster"},
		{name: "cluster with a master", cfg: redisconn.Config{URL: "redis://n1:7000", Mode: "cluster", Master: "m"}, wantErr: "only for sentinel"},
		{name: "cluster bad addr", cfg: redisconn.Config{URL: "redis://n1:7000?addr=n2"}, wantErr: "addr"},

		{name: "empty", cfg: redisconn.Config{URL: " "}, wantErr: "empty"},
		{name: "unknown mode", cfg: redisconn.Config{URL: "redis://h:1", Mode: "ring"}, wantErr: "unknown mode"},
		{name: "bad scheme", cfg: redisconn.Config{URL: "http://h:1"}, wantErr: "scheme"},
		{name: "single with a master", cfg: redisconn.Config{URL: "redis://h:1", Mode: "single", Master: "m"}, wantErr: "only for sentinel"},
		{name: "unknown option", cfg: redisconn.Config{URL: "redis://h:1?colour=red"}, wantErr: "colour"},
		{name: "bad db", cfg: redisconn.Config{URL: "redis://h:1/x"}, wantErr: "database"},
		{name: "negative wait", cfg: redisconn.Config{URL: "redis://h:1", WaitReplicas: intp(-1)}, wantErr: "negative"},
		{name: "negative wait timeout", cfg: redisconn.Config{URL: "redis://h:1", WaitTimeout: -time.Second}, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := redisconn.Parse(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%+v) error = %v, want one mentioning %q", tt.cfg, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%+v): %v", tt.cfg, err)
			}
			if got.Mode != tt.mode {
				t.Errorf("mode = %q, want %q", got.Mode, tt.mode)
			}
			var addrs []string
			var db int
			var master string
			switch got.Mode {
			case redisconn.ModeSingle:
				addrs, db = []string{got.Single.Addr}, got.Single.DB
			case redisconn.ModeSentinel:
				addrs, db, master = got.Sentinel.SentinelAddrs, got.Sentinel.DB, got.Sentinel.MasterName
			case redisconn.ModeCluster:
				addrs = got.Cluster.Addrs
			}
			if strings.Join(addrs, " ") != strings.Join(tt.addrs, " ") || db != tt.db || master != tt.master {
				t.Errorf("addrs %v db %d master %q, want %v db %d master %q", addrs, db, master, tt.addrs, tt.db, tt.master)
			}
			if got.WaitReplicas != tt.wait {
				t.Errorf("wait for %d replicas, want %d", got.WaitReplicas, tt.wait)
			}
			if got.WaitReplicas > 0 && got.WaitTimeout != redisconn.DefaultWaitTimeout {
				t.Errorf("wait timeout %v, want the default %v", got.WaitTimeout, redisconn.DefaultWaitTimeout)
			}
			c := got.NewClient()
			if err := c.Close(); err != nil {
				t.Errorf("closing the unused client: %v", err)
			}
			if s := got.String(); !strings.Contains(s, got.Mode) || strings.Contains(s, "pw") {
				t.Errorf("String() = %q: want the mode and no password", s)
			}
		})
	}
}

func TestParseRedisNeverQuotesAPassword(t *testing.T) {
	for _, u := range []string{
		"redis://user:s3cr3t-pw@h:1/x",                        // bad db
		"redis://user:s3cr3t-pw@h:1/0?colour=red",             // unknown option
		"redis://user:s3cr3t-pw@h:1/0?dial_timeout=s3cr3t-pw", // a value quoted back
		"redis://user:s3cr3t-pw@h:bad port/0",                 // url.Parse refuses it
		"redis://s1:1?master_name=m&password=s3cr3t-pw&colour=red",
		"ftp://user:s3cr3t%2Dpw@h:1",
	} {
		_, err := redisconn.Parse(redisconn.Config{URL: u})
		if err == nil {
			t.Errorf("Parse(%q) accepted it", u)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("Parse(%q) error quotes the password: %v", u, err)
		}
	}
}
