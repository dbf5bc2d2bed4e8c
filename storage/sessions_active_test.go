package storage

import (
	"context"
	"testing"
	"time"
)

func TestActiveIndexErrorsAreReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.Stop(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := e.sessions.ActiveSince(ctx, fixedNow); err == nil {
		t.Error("ActiveSince with Redis down: no error")
	}
	if _, err := e.sessions.PruneActive(ctx, fixedNow); err == nil {
		t.Error("PruneActive with Redis down: no error")
	}
}
