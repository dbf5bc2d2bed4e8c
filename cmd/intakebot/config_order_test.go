package main

import (
	"strings"
	"testing"
	"time"
)

func TestConfigOfOrderWait(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for v, want := range map[string]time.Duration{"": 2 * time.Second, "500ms": 500 * time.Millisecond, "20s": 20 * time.Second, "off": 0} {
		cfg, err := loadConfig(env(map[string]string{"INTAKEBOT_ORDER_WAIT": v}), false)
		if err != nil || cfg.OrderWait != want {
			t.Errorf("INTAKEBOT_ORDER_WAIT=%q: %v, %v; want %v", v, cfg.OrderWait, err, want)
		}
	}
	for _, v := range []string{"21s", "soon", "0s", "-1s"} {
		_, err := loadConfig(env(map[string]string{"INTAKEBOT_ORDER_WAIT": v}), false)
		if err == nil || !strings.HasPrefix(err.Error(), "INTAKEBOT_ORDER_WAIT:") {
			t.Errorf("INTAKEBOT_ORDER_WAIT=%s: error %v, want one naming the variable", v, err)
		}
	}
}
