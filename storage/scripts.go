package storage

import (
	"context"
	"embed"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts live in lua/, one file per script, so that they can be
// read, diffed and linted as Lua; each is documented (KEYS and ARGV) where
// its Go variable is declared. They are embedded in the binary and loaded
// when the package is initialised.
//
//go:embed lua/*.lua
var luaFiles embed.FS

// loadScript returns the script in lua/<name>.lua. A missing file is a
// mistake in this package, not in its use, so it panics at init: every
// test of the package then fails at once.
func loadScript(name string) *redis.Script {
	src, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic("storage: no embedded script " + name + ": " + err.Error())
	}
	return redis.NewScript(string(src))
}

// runWith runs script on keys (all in one slot) in one pipeline with the
// commands extra adds (which may be in other slots on Redis Cluster, where
// the client sends each node its part at once): one round trip on a single
// node. It answers the script's result; the extra commands are tidying
// whose errors are not reported. If the script is not cached on the
// server yet, the pipeline is sent again with the script's source; the
// extra commands must therefore be safe to repeat.
//
// RunWith is the same for stores in packages of their own (remindstore).
func RunWith(ctx context.Context, c redis.UniversalClient, script *redis.Script, keys []string, args []any, extra func(redis.Pipeliner)) (any, error) {
	return runWith(ctx, c, script, keys, args, extra)
}

func runWith(ctx context.Context, c redis.UniversalClient, script *redis.Script, keys []string, args []any, extra func(redis.Pipeliner)) (any, error) {
	run := func(eval bool) (any, error) {
		var cmd *redis.Cmd
		// The extra commands' errors are theirs: what counts is the script.
		_, _ = c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			if eval {
				cmd = script.Eval(ctx, pipe, keys, args...)
			} else {
				cmd = script.EvalSha(ctx, pipe, keys, args...)
			}
			extra(pipe)
			return nil
		})
		return cmd.Result()
	}
	res, err := run(false)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		res, err = run(true)
	}
	return res, err
}
