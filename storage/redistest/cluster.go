package redistest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Cluster is a Redis Cluster of three primaries (no replicas), each a
// redis-server in cluster mode on a free loopback port with its own
// temporary directory, owned by a test and killed when it ends. It needs
// nothing beyond Debian's redis-server package (redis-server, redis-cli).
type Cluster struct {
	// Nodes are the three primaries, in the order they were created.
	Nodes []*Server
}

// StartCluster starts three redis-server processes with cluster mode on,
// joins them with `redis-cli --cluster create ... --cluster-yes` (the 16384
// slots split in three) and waits until every node says cluster_state:ok.
func StartCluster(tb testing.TB, opts ...Option) *Cluster {
	tb.Helper()
	c := &Cluster{}
	clusterArgs := WithArgs(
		"--cluster-enabled", "yes",
		"--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", "5000",
		// Cluster tests are about keys and slots, not durability.
		"--appendfsync", "everysec",
	)
	for range 3 {
		c.Nodes = append(c.Nodes, Start(tb, append([]Option{clusterArgs}, opts...)...))
	}
	cli := filepath.Join(filepath.Dir(c.Nodes[0].bin), "redis-cli")
	args := []string{"--cluster", "create"}
	for _, n := range c.Nodes {
		args = append(args, n.Addr())
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	cmd := exec.Command(cli, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		tb.Fatalf("redistest: redis-cli --cluster create failed: %v\n%s", err, out.String())
	}
	if err := c.waitOK(30 * time.Second); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return c
}

// waitOK waits until every node reports cluster_state:ok and knows all
// three primaries.
func (c *Cluster) waitOK(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok := true
		var last string
		for _, n := range c.Nodes {
			cl := redis.NewClient(&redis.Options{Addr: n.Addr(), MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}})
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			info, err := cl.ClusterInfo(ctx).Result()
			cancel()
			_ = cl.Close()
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
				ok = false
				last = fmt.Sprint(info, err)
				break
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not ok within %v: %s", timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Addrs are the host:port of the three primaries, as a cluster client's
// seed list.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr()
	}
	return addrs
}

// URL is a redis:// URL with every node as an addr parameter, the form
// redis.ParseClusterURL reads.
func (c *Cluster) URL() string {
	u := "redis://" + c.Nodes[0].Addr()
	for i, n := range c.Nodes[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + n.Addr()
	}
	return u
}

// Client returns a new cluster client on the three primaries, closed when
// the test ends.
func (c *Cluster) Client(tb testing.TB) *redis.ClusterClient {
	tb.Helper()
	cl := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                    c.Addrs(),
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
	tb.Cleanup(func() { _ = cl.Close() })
	return cl
}

// FlushAll empties every primary of this cluster (never a server the test
// did not start).
func (c *Cluster) FlushAll(tb testing.TB) {
	tb.Helper()
	for _, n := range c.Nodes {
		cl := n.Client(tb)
		if err := cl.FlushAll(context.Background()).Err(); err != nil {
			tb.Fatalf("redistest: flush %s: %v", n.Addr(), err)
		}
	}
}
