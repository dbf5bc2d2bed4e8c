// Package jobqueue keeps the bot's background jobs in Redis: a durable
// queue of due jobs per kind, claimed with a lease, and the leases that let
// one replica at a time run a periodic job (bot/jobs runs both).
package jobqueue

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/intakebot/intakebot/storage"

	"github.com/redis/go-redis/v9"
)

// Background jobs (bot/jobs) keep two kinds of key:
//
//	<prefix>jobs:<kind>   sorted set: job IDs by due time (unix ms), claimed with a lease
//	<prefix>lease:<name>  string: held by the replica running a periodic job; expires with its lease
//
// A job ID is stored as it is given: a job about a young person should be
// given the name of their records (storage.Codec.Name), never their chat
// ID, as the due and alerts indexes hold names; what the job is about lives
// in its own record, sealed. Every script here touches one key, so it runs as it is on
// a single node, on Sentinel and on Cluster.

// Jobs is a durable queue of due jobs per kind, for the bot's job runner:
// Schedule sets when a job is due, Claim hands due jobs out with a lease,
// Done removes a job its claimer finished. A claimer that dies before Done
// leaves the job to be claimed again after the lease: at least once, and
// never by two claimers within one lease.
type Jobs struct {
	client redis.UniversalClient
	prefix string
}

// NewJobs returns the job queues under prefix (DefaultPrefix if empty).
func NewJobs(client redis.UniversalClient, prefix string) *Jobs {
	if prefix == "" {
		prefix = storage.DefaultPrefix
	}
	return &Jobs{client: client, prefix: prefix}
}

func (j *Jobs) key(kind string) string { return j.prefix + "jobs:" + kind }

func checkJob(kind, id string) error {
	if kind == "" || id == "" {
		return errors.New("no kind or no ID")
	}
	return nil
}

// Schedule sets (or moves) the time at which job id of kind is due. It
// does not check that what the job is about still exists: a kind whose
// jobs must not outlive their record needs a script that schedules only
// while the record exists (see People.ScheduleDue). One round trip.
func (j *Jobs) Schedule(ctx context.Context, kind, id string, at time.Time) error {
	if err := checkJob(kind, id); err != nil {
		return fmt.Errorf("can't schedule a job: %w", err)
	}
	if err := j.client.ZAdd(ctx, j.key(kind), redis.Z{Score: float64(at.UnixMilli()), Member: id}).Err(); err != nil {
		return fmt.Errorf("can't schedule a job: %w", err)
	}
	return nil
}

// Cancel removes job id of kind, claimed or not; a job that is not there
// is not an error. One round trip.
func (j *Jobs) Cancel(ctx context.Context, kind, id string) error {
	if err := checkJob(kind, id); err != nil {
		return fmt.Errorf("can't cancel a job: %w", err)
	}
	if err := j.client.ZRem(ctx, j.key(kind), id).Err(); err != nil {
		return fmt.Errorf("can't cancel a job: %w", err)
	}
	return nil
}

// claimJobsScript takes up to ARGV[3] jobs due at ARGV[1] (unix ms), the
// earliest first, and moves each to ARGV[2], the end of the lease.
//
//	KEYS[1] jobs of a kind   ARGV[1] now   ARGV[2] now+lease   ARGV[3] limit
var claimJobsScript = loadScript("claim_jobs")

// Claim returns up to limit jobs of kind due at now, the earliest first,
// and pushes each back to now+lease in one script: two claimers never get
// the same job within a lease, and a job whose claimer crashed before Done
// is due again after it. A limit below 1 claims nothing. One round trip.
func (j *Jobs) Claim(ctx context.Context, kind string, now time.Time, lease time.Duration, limit int) ([]string, error) {
	switch {
	case kind == "":
		return nil, errors.New("can't claim jobs: no kind")
	case lease <= 0:
		return nil, errors.New("can't claim jobs: lease must be positive")
	case limit < 1:
		return nil, nil
	}
	ids, err := claimJobsScript.Run(ctx, j.client, []string{j.key(kind)},
		now.UnixMilli(), now.Add(lease).UnixMilli(), limit).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("can't claim jobs: %w", err)
	}
	return ids, nil
}

// doneJobScript removes job ARGV[1] while it is due at ARGV[2] (unix ms),
// the end of the lease it was claimed with.
//
//	KEYS[1] jobs of a kind   ARGV[1] job ID   ARGV[2] lease end
var doneJobScript = loadScript("done_job")

// Done removes job id of kind, claimed with a lease until leasedUntil
// (now+lease of the Claim), if it is still under that lease. A job that
// its run scheduled again meanwhile keeps its new time, and one that was
// claimed again after its lease ran out stays with its new claimer. One
// round trip.
func (j *Jobs) Done(ctx context.Context, kind, id string, leasedUntil time.Time) error {
	if err := checkJob(kind, id); err != nil {
		return fmt.Errorf("can't finish a job: %w", err)
	}
	if err := doneJobScript.Run(ctx, j.client, []string{j.key(kind)}, id, leasedUntil.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("can't finish a job: %w", err)
	}
	return nil
}

// Leases lets one replica of several run a periodic job (bot/jobs.Lease).
type Leases struct {
	client redis.UniversalClient
	prefix string
}

// NewLeases returns the leases under prefix (DefaultPrefix if empty).
func NewLeases(client redis.UniversalClient, prefix string) *Leases {
	if prefix == "" {
		prefix = storage.DefaultPrefix
	}
	return &Leases{client: client, prefix: prefix}
}

// Acquire takes the lease name for ttl if nobody holds it (SET NX PX),
// and reports whether it did. A lease is not released: it ends with its
// ttl, also when its holder crashed. One round trip.
func (l *Leases) Acquire(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	switch {
	case name == "":
		return false, errors.New("can't take a lease: no name")
	case ttl < time.Millisecond:
		return false, errors.New("can't take a lease: ttl below a millisecond")
	}
	ok, err := l.client.SetArgs(ctx, l.prefix+"lease:"+name, "held", redis.SetArgs{Mode: "NX", TTL: ttl}).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("can't take a lease: %w", err)
	}
	return ok == "OK", nil
}

//go:embed lua/*.lua
var luaFiles embed.FS

// loadScript returns the script in lua/<name>.lua; a missing file is a
// mistake in this package and panics at init.
func loadScript(name string) *redis.Script {
	src, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic("jobqueue: no embedded script " + name + ": " + err.Error())
	}
	return redis.NewScript(string(src))
}
