package main

import (
	"strings"
	"testing"
	"time"
)

func TestConfigOfOnCall(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cfg, err := loadConfig(env(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.UrgentTakeWithin != 10*time.Minute {
		t.Errorf("default INTAKEBOT_URGENT_TAKE_WITHIN = %v, want 10m", cfg.UrgentTakeWithin)
	}
	cfg, err = loadConfig(env(map[string]string{"INTAKEBOT_URGENT_TAKE_WITHIN": "5m"}), false)
	if err != nil || cfg.UrgentTakeWithin != 5*time.Minute {
		t.Errorf("INTAKEBOT_URGENT_TAKE_WITHIN=5m: %v, %v", cfg.UrgentTakeWithin, err)
	}
	for _, v := range []string{"soon", "-5m", "0s"} {
		_, err := loadConfig(env(map[string]string{"INTAKEBOT_URGENT_TAKE_WITHIN": v}), false)
		if err == nil || !strings.HasPrefix(err.Error(), "INTAKEBOT_URGENT_TAKE_WITHIN:") {
			t.Errorf("INTAKEBOT_URGENT_TAKE_WITHIN=%s: error %v, want one naming the variable", v, err)
		}
	}
}
