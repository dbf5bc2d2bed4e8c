package redisconn_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redisconn"
	"github.com/intakebot/intakebot/storage/redistest"
)

func intakeSession(key string) dialog.Session {
	return dialog.Session{Key: key, FlowID: "intake", FlowVersion: 1, Lang: "nl", State: dialog.StateAsking,
		Current: "dreams", Started: time.Now(), Updated: time.Now(), LastUpdateID: 100}
}

// A primary with one replica, reached through OpenRedis with a WAIT for
// one replica after each write.
func waitingClient(t *testing.T, timeout time.Duration) (c redis.UniversalClient, primary, replica *redistest.Server) {
	t.Helper()
	primary = redistest.Start(t)
	_, port, _ := splitAddr(primary.Addr())
	replica = redistest.Start(t, redistest.WithArgs("--replicaof", "127.0.0.1", port))
	one := 1
	c, _, err := redisconn.Open(redisconn.Config{URL: primary.URL(), WaitReplicas: &one, WaitTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for c.Set(ctx, "linked", "1", 0).Err() != nil { // until the replica has synced
		if time.Now().After(deadline) {
			t.Fatal("the replica did not link")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return c, primary, replica
}

func splitAddr(addr string) (string, string, error) {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[:i], addr[i+1:], nil
		}
	}
	return "", "", errors.New("no port")
}

// Every way storage writes (a command, a script, a pipeline, a transaction)
// is on the replica when it returns; with the replica gone each of them
// fails with ErrNotReplicated, and reads still work.
func TestWritesWaitForTheReplica(t *testing.T) {
	t.Parallel()
	c, _, replica := waitingClient(t, 300*time.Millisecond)
	ctx := context.Background()
	codec, err := storage.NewCodec(bytes.Repeat([]byte{1}, storage.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	sessions := storage.NewSessions(c, codec, storage.SessionsOptions{Prefix: "w:", IdleTTL: time.Hour})
	people := storage.NewPeople(c, codec, "w:", time.Now)
	trail := storage.NewTrail(c, codec, "w:")
	// The same stores on the replica, to read what reached it.
	onReplica := replica.Client(t)
	replicaSessions := storage.NewSessions(onReplica, codec, storage.SessionsOptions{Prefix: "w:", IdleTTL: time.Hour})
	replicaPeople := storage.NewPeople(onReplica, codec, "w:", time.Now)

	writes := []struct {
		name      string
		do        func(i int) error
		onReplica func(i int) error // nil when the write is on the replica
	}{
		{"command", func(i int) error { return c.Set(ctx, "plain:"+strconv.Itoa(i), "v", 0).Err() },
			func(i int) error { return onReplica.Get(ctx, "plain:"+strconv.Itoa(i)).Err() }},
		{"script (session save)", func(i int) error {
			_, err := sessions.Save(ctx, intakeSession("s"+strconv.Itoa(i)))
			return err
		}, func(i int) error {
			s, err := replicaSessions.LoadFresh(ctx, "s"+strconv.Itoa(i))
			if err == nil && s.Version == 0 {
				err = errors.New("no session")
			}
			return err
		}},
		{"transaction (staff)", func(i int) error {
			return people.Staff.AddStaff(ctx, domain.StaffMember{UserID: int64(100 + i), Role: domain.RoleDirector, Name: "R", Lang: "nl"})
		}, func(i int) error {
			_, found, err := replicaPeople.Staff.Staff(ctx, int64(100+i))
			if err == nil && !found {
				err = errors.New("no staff member")
			}
			return err
		}},
		{"pipeline (trail)", func(i int) error {
			return trail.Push(ctx, map[string][]string{"t" + strconv.Itoa(i): {"1"}})
		}, nil},
	}
	for _, w := range writes {
		if err := w.do(1); err != nil {
			t.Fatalf("%s with the replica up: %v", w.name, err)
		}
		if w.onReplica != nil {
			if err := w.onReplica(1); err != nil {
				t.Errorf("%s: not on the replica right after it returned: %v", w.name, err)
			}
		}
	}

	replica.Kill(t) // not Stop: a replica that just synced refuses SIGTERM while it writes its first AOF
	for _, w := range writes {
		start := time.Now()
		err := w.do(2)
		if !errors.Is(err, redisconn.ErrNotReplicated) {
			t.Errorf("%s with the replica down: err = %v, want ErrNotReplicated", w.name, err)
		}
		if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
			t.Errorf("%s took %v, want about the wait timeout", w.name, d)
		}
	}
	start := time.Now()
	if _, err := sessions.LoadFresh(ctx, "s1"); err != nil {
		t.Errorf("a read with the replica down: %v", err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("a read took %v with the replica down: it must not wait", d)
	}
	if _, err := people.Staff.ListStaff(ctx); err != nil {
		t.Errorf("a read with the replica down: %v", err)
	}

	replica.StartAgain(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := writes[0].do(3)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes still fail after the replica is back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
