package redistest

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// maxLogged bounds the command log a RoundTrips keeps, so that a benchmark
// that runs millions of commands does not grow it without end.
const maxLogged = 64

// RoundTrips is a go-redis hook that counts what a client sends: every
// command processed on its own is one round trip, and so is every pipeline
// or transaction, however many commands it holds. Dials count apart (a new
// connection's handshake also shows up as commands and a pipeline, since
// go-redis runs it through the client's hooks; go-redis v9.23 also keeps
// pipelines on connections of their own, so a client's first pipeline dials
// even when a connection is open). Warm the client up before Reset when a
// test compares counts. A retry that go-redis makes
// inside one command (after a network error) is not seen. Script.Run counts
// as one when the script is cached on the server and two when it is not
// (EVALSHA, NOSCRIPT, then EVAL), which is the truth on the wire.
//
// Install it with CountRoundTrips before the client is used; connections made
// earlier keep the hooks they were made with. It is safe for concurrent use.
type RoundTrips struct {
	commands, pipelines, dials atomic.Int64

	mu  sync.Mutex
	log []string // names of the first maxLogged round trips since Reset
}

// CountRoundTrips adds a RoundTrips hook to c and returns it.
func CountRoundTrips(c redis.UniversalClient) *RoundTrips {
	r := &RoundTrips{}
	c.AddHook(r)
	return r
}

// DialHook implements redis.Hook.
func (r *RoundTrips) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		r.dials.Add(1)
		return next(ctx, network, addr)
	}
}

// ProcessHook implements redis.Hook.
func (r *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.commands.Add(1)
		r.record(cmd.Name())
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (r *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.pipelines.Add(1)
		names := make([]string, len(cmds))
		for i, c := range cmds {
			names[i] = c.Name()
		}
		r.record("pipeline(" + strings.Join(names, " ") + ")")
		return next(ctx, cmds)
	}
}

func (r *RoundTrips) record(name string) {
	r.mu.Lock()
	if len(r.log) < maxLogged {
		r.log = append(r.log, name)
	}
	r.mu.Unlock()
}

// Count is the number of round trips since the last Reset: commands sent on
// their own plus pipelines.
func (r *RoundTrips) Count() int64 { return r.commands.Load() + r.pipelines.Load() }

// Commands is the number of commands sent on their own since the last Reset.
func (r *RoundTrips) Commands() int64 { return r.commands.Load() }

// Pipelines is the number of pipelines and transactions sent since the last
// Reset.
func (r *RoundTrips) Pipelines() int64 { return r.pipelines.Load() }

// Dials is the number of new connections since the last Reset.
func (r *RoundTrips) Dials() int64 { return r.dials.Load() }

// Log names the first round trips since the last Reset (lower-case command
// names; a pipeline as "pipeline(cmd cmd ...)"), for failure messages.
func (r *RoundTrips) Log() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// Reset sets every count back to zero and clears the log.
func (r *RoundTrips) Reset() {
	r.commands.Store(0)
	r.pipelines.Store(0)
	r.dials.Store(0)
	r.mu.Lock()
	r.log = nil
	r.mu.Unlock()
}
