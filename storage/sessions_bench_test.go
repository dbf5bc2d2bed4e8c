package storage

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/intakebot/intakebot/storage/redistest"
)

func benchSessions(b *testing.B) *Sessions {
	b.Helper()
	srv := redistest.Start(b)
	return NewSessions(srv.Client(b), mustCodec(b, testKey(1)), SessionsOptions{})
}

// BenchmarkSessionsSave is the commit of one answer: seal, compare-and-set,
// TTL renewal, on a real Redis with appendfsync always.
func BenchmarkSessionsSave(b *testing.B) {
	s := benchSessions(b)
	ctx := context.Background()
	sess := intakeSession("bench")
	b.ReportAllocs()
	for b.Loop() {
		saved, err := s.Save(ctx, sess)
		if err != nil {
			b.Fatal(err)
		}
		sess = saved
	}
}

// BenchmarkSessionsLoad is the start of handling one update.
func BenchmarkSessionsLoad(b *testing.B) {
	s := benchSessions(b)
	ctx := context.Background()
	if _, err := s.Save(ctx, intakeSession("bench")); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Load(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCodecSealSession seals the JSON of a realistic intake.
func BenchmarkCodecSealSession(b *testing.B) {
	c := mustCodec(b, testKey(1))
	plain, err := json.Marshal(intakeSession("bench"))
	if err != nil {
		b.Fatal(err)
	}
	aad := []byte("intakebot:session:bench")
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Seal(plain, aad)
	}
}

// benchUpdate is the storage side of handling one update: Load, change,
// Save. Redis runs as in production (appendfsync everysec, see the
// architecture), so that the figures show round trips rather than fsyncs.
func benchUpdate(b *testing.B, cacheSize int) {
	srv := redistest.Start(b, redistest.WithArgs("--appendfsync", "everysec"))
	client := srv.Client(b)
	trips := redistest.CountRoundTrips(client)
	s := NewSessions(client, mustCodec(b, testKey(1)), SessionsOptions{CacheSize: cacheSize})
	ctx := context.Background()
	if _, err := s.Save(ctx, intakeSession("bench")); err != nil {
		b.Fatal(err)
	}
	trips.Reset()
	b.ReportAllocs()
	for b.Loop() {
		sess, err := s.Load(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		sess.LastUpdateID++
		if _, err := s.Save(ctx, sess); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(trips.Count())/float64(b.N), "roundtrips/op")
}

// BenchmarkSessionsUpdateCached is an update with a warm cache: the Load is
// a copy in memory, the Save the one round trip.
func BenchmarkSessionsUpdateCached(b *testing.B) { benchUpdate(b, 10000) }

// BenchmarkSessionsUpdateUncached is the same update without a cache: HMGET,
// open and decode, then the Save.
func BenchmarkSessionsUpdateUncached(b *testing.B) { benchUpdate(b, 0) }
