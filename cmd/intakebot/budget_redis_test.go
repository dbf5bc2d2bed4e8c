package main

import (
	"testing"

	"github.com/intakebot/intakebot/storage/redisconn"
)

// With Sentinel every write of the stores waits for a replica; the send
// budget's writes do not (a WAIT per message sent).
func TestSendBudgetDoesNotWaitForReplicas(t *testing.T) {
	cfg := redisconn.Config{URL: "redis://127.0.0.1:26379/0?master_name=mymaster"}
	stores, err := redisconn.Parse(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if stores.WaitReplicas == 0 {
		t.Fatalf("the stores do not wait for a replica with Sentinel (%s): the test's premise is gone", stores)
	}
	budget, err := redisconn.Parse(budgetRedis(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if budget.Mode != stores.Mode || budget.WaitReplicas != 0 {
		t.Fatalf("budget target %s waits for %d replicas, want the same server without waiting", budget, budget.WaitReplicas)
	}
	if cfg.WaitReplicas != nil {
		t.Fatal("budgetRedis changed the stores' configuration")
	}
}
