package redisconn_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/storage/redisconn"
)

// FuzzParse feeds REDIS_URL, INTAKEBOT_REDIS_MODE and
// INTAKEBOT_REDIS_MASTER as an operator might mistype them: Parse
// never panics, never quotes a password in its error or description, and
// what it accepts makes a client without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range []struct{ url, mode, master string }{
		{"redis://127.0.0.1:6379/0", "", ""},
		{"rediss://user:pass1234@redis.example:6380/2?dial_timeout=3s", "", ""},
		{"unix:///run/redis.sock?db=1", "single", ""},
		{"redis://s1:26379/0?master_name=mymaster&addr=s2:26379&addr=s3:26379", "", ""},
		{"redis://:pass1234@s1:26379/0?addr=s2:26379&password=pass5678", "sentinel", "mymaster"},
		{"redis://s1:26379?master_name=m&route_by_latency=true", "", ""},
		{"redis://n1:7000?addr=n2:7001&addr=n3:7002", "", ""},
		{"redis://n1:7000/0?route_randomly=1", "cluster", ""},
		{"redis://h:1/x", "", ""},
		{"redis://[::1]:6379", "", ""},
	} {
		f.Add(s.url, s.mode, s.master)
	}
	f.Fuzz(func(t *testing.T, raw, mode, master string) {
		target, err := redisconn.Parse(redisconn.Config{URL: raw, Mode: mode, Master: master})
		secrets := passwords(raw)
		if err != nil {
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("Parse(%q) error quotes the password %q: %v", raw, s, err)
				}
			}
			return
		}
		switch target.Mode {
		case redisconn.ModeSingle:
			if target.Single == nil {
				t.Fatal("single mode without options")
			}
		case redisconn.ModeSentinel:
			if target.Sentinel == nil || target.Sentinel.MasterName == "" || len(target.Sentinel.SentinelAddrs) == 0 {
				t.Fatalf("sentinel mode without a master or sentinels: %+v", target.Sentinel)
			}
		case redisconn.ModeCluster:
			if target.Cluster == nil || len(target.Cluster.Addrs) == 0 {
				t.Fatal("cluster mode without seed nodes")
			}
		default:
			t.Fatalf("mode %q", target.Mode)
		}
		desc := target.String()
		for _, s := range secrets {
			if strings.Contains(desc, s) {
				t.Fatalf("String() = %q quotes the password %q", desc, s)
			}
		}
		_ = target.NewClient().Close()
	})
}

// passwords are the URL's passwords long enough to be told apart from the
// rest of a message.
func passwords(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	add := func(s string) {
		if len(s) >= 6 && !strings.Contains("redis: invalid URL scheme database number unexpected option", s) {
			out = append(out, s)
		}
	}
	if pw, ok := u.User.Password(); ok {
		add(pw)
	}
	for _, name := range []string{"password", "sentinel_password"} {
		for _, v := range u.Query()[name] {
			add(v)
		}
	}
	return out
}
