package redisconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated is the error of a write that the primary applied but
// fewer replicas than asked for confirmed within the wait timeout. The
// write may be lost in a failover, so it does not count as done: the bot
// does not acknowledge the update, and it comes again.
var ErrNotReplicated = errors.New("redis: the write did not reach enough replicas in time")

// replicaWait is a go-redis hook that follows every write with
// WAIT <replicas> <timeout> on the same connection (WAIT waits for the
// writes of its own connection): the write and the WAIT go as one
// pipeline, one round trip. A shortfall turns the write's result into an
// error wrapping ErrNotReplicated. Reads pass through untouched.
type replicaWait struct {
	client   redis.UniversalClient
	conn     func() *redis.Conn // a connection held for one transaction
	replicas int
	timeout  time.Duration

	shortfalls atomic.Int64
}

type inWaitKey struct{}

// DialHook implements redis.Hook.
func (w *replicaWait) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return next(ctx, network, addr)
	}
}

// ProcessHook implements redis.Hook.
func (w *replicaWait) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if ctx.Value(inWaitKey{}) != nil || !isWrite(cmd.Name()) {
			return next(ctx, cmd)
		}
		// One pipeline, so the WAIT runs on the connection that wrote. The
		// pipeline goes through this hook's pipeline half, which must not
		// add a second WAIT: the context says so.
		wctx := context.WithValue(ctx, inWaitKey{}, true)
		var wait *redis.IntCmd
		_, _ = w.client.Pipelined(wctx, func(p redis.Pipeliner) error {
			_ = p.Process(wctx, cmd)
			wait = w.waitCmd(wctx, p)
			return nil
		})
		if cmd.Err() != nil {
			return cmd.Err()
		}
		if err := w.check(wait); err != nil {
			cmd.SetErr(err)
			return err
		}
		return nil
	}
}

// ProcessPipelineHook implements redis.Hook: a pipeline with a write gets
// a WAIT appended. A transaction can't take one after its EXEC (go-redis
// reads a transaction's replies as MULTI ... EXEC), so it runs on a
// connection held for it, followed by WAIT on that connection: two round
// trips instead of one.
func (w *replicaWait) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if ctx.Value(inWaitKey{}) != nil || !anyWrite(cmds) {
			return next(ctx, cmds)
		}
		if n := len(cmds); n >= 2 && cmds[0].Name() == "multi" && cmds[n-1].Name() == "exec" {
			return w.transaction(ctx, cmds[1:n-1])
		}
		wait := redis.NewIntCmd(ctx, "wait", w.replicas, w.timeout.Milliseconds())
		if err := next(ctx, append(cmds[:len(cmds):len(cmds)], wait)); err != nil {
			return err
		}
		return w.fail(cmds, w.check(wait))
	}
}

// transaction runs the commands of a transaction as one on a held
// connection, then WAIT there.
func (w *replicaWait) transaction(ctx context.Context, cmds []redis.Cmder) error {
	wctx := context.WithValue(ctx, inWaitKey{}, true)
	conn := w.conn()
	defer conn.Close()
	if _, err := conn.TxPipelined(wctx, func(p redis.Pipeliner) error {
		for _, c := range cmds {
			_ = p.Process(wctx, c)
		}
		return nil
	}); err != nil {
		return err
	}
	wait := redis.NewIntCmd(wctx, "wait", w.replicas, w.timeout.Milliseconds())
	_ = conn.Process(wctx, wait)
	return w.fail(cmds, w.check(wait))
}

// fail marks the commands with err, when there is one.
func (w *replicaWait) fail(cmds []redis.Cmder, err error) error {
	if err == nil {
		return nil
	}
	for _, c := range cmds {
		if c.Err() == nil {
			c.SetErr(err)
		}
	}
	return err
}

func (w *replicaWait) waitCmd(ctx context.Context, p redis.Pipeliner) *redis.IntCmd {
	c := redis.NewIntCmd(ctx, "wait", w.replicas, w.timeout.Milliseconds())
	_ = p.Process(ctx, c)
	return c
}

func (w *replicaWait) check(wait *redis.IntCmd) error {
	n, err := wait.Result()
	if err != nil {
		w.shortfalls.Add(1)
		return fmt.Errorf("%w: WAIT failed: %w", ErrNotReplicated, err)
	}
	if n < int64(w.replicas) {
		w.shortfalls.Add(1)
		return fmt.Errorf("%w: %d of %d replicas within %v", ErrNotReplicated, n, w.replicas, w.timeout)
	}
	return nil
}

func anyWrite(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		if isWrite(c.Name()) {
			return true
		}
	}
	return false
}

// readOnly are the commands storage sends that change nothing, plus the
// connection's own housekeeping. Every other command counts as a write and
// is followed by a WAIT: an unknown command errs on the safe side.
var readOnly = map[string]bool{
	"get": true, "mget": true, "getrange": true, "strlen": true, "exists": true, "type": true,
	"ttl": true, "pttl": true, "expiretime": true, "pexpiretime": true, "scan": true, "keys": true, "randomkey": true,
	"hget": true, "hmget": true, "hgetall": true, "hexists": true, "hlen": true, "hkeys": true, "hvals": true, "hscan": true, "hstrlen": true,
	"smembers": true, "sismember": true, "smismember": true, "scard": true, "sscan": true, "srandmember": true,
	"zrange": true, "zrangebyscore": true, "zrevrange": true, "zrevrangebyscore": true, "zrangebylex": true,
	"zcard": true, "zcount": true, "zscore": true, "zmscore": true, "zrank": true, "zrevrank": true, "zscan": true,
	"llen": true, "lrange": true, "lindex": true, "lpos": true,
	"xrange": true, "xrevrange": true, "xlen": true, "xinfo": true,
	"evalsha_ro": true, "eval_ro": true, "fcall_ro": true,
	"ping": true, "echo": true, "info": true, "time": true, "dbsize": true, "wait": true, "waitaof": true,
	"hello": true, "auth": true, "select": true, "client": true, "readonly": true, "readwrite": true,
	"command": true, "config": true, "cluster": true, "role": true, "memory": true, "object": true,
	"script": true, "slowlog": true, "latency": true, "quit": true, "multi": true, "exec": true, "discard": true,
}

func isWrite(name string) bool {
	return !readOnly[strings.ToLower(name)]
}
