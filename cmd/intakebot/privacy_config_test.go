package main

import (
	"strings"
	"testing"
	"time"
)

func TestConfigOfAcknowledgedTTL(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cfg, err := loadConfig(env(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AcknowledgedTTL != 30*24*time.Hour {
		t.Fatalf("default: %v", cfg.AcknowledgedTTL)
	}
	cfg, err = loadConfig(env(map[string]string{"INTAKEBOT_ACKNOWLEDGED_TTL": "7d"}), false)
	if err != nil || cfg.AcknowledgedTTL != 7*24*time.Hour {
		t.Fatalf("7d: %v, %v", cfg.AcknowledgedTTL, err)
	}
	for _, v := range []string{"soon", "-1h", "0"} {
		_, err := loadConfig(env(map[string]string{"INTAKEBOT_ACKNOWLEDGED_TTL": v}), false)
		if err == nil || !strings.HasPrefix(err.Error(), "INTAKEBOT_ACKNOWLEDGED_TTL:") {
			t.Errorf("%q: error %v, want one naming the variable", v, err)
		}
	}
}
