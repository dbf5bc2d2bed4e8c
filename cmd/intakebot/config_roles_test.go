package main

import (
	"strings"
	"testing"
	"time"
)

func TestConfigOfRoles(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cfg, err := loadConfig(env(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.InviteTTL != 14*24*time.Hour || cfg.AckAfter != 48*time.Hour || cfg.OpenIntakeDirector != 0 {
		t.Fatalf("defaults: invite %v, ack %v, open intake %d", cfg.InviteTTL, cfg.AckAfter, cfg.OpenIntakeDirector)
	}
	cfg, err = loadConfig(env(map[string]string{
		"INTAKEBOT_INVITE_TTL": "7d", "INTAKEBOT_ACK_AFTER": "24h", "INTAKEBOT_OPEN_INTAKE_DIRECTOR": "123456",
		"INTAKEBOT_ADMINS": "11, 22",
	}), false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.InviteTTL != 7*24*time.Hour || cfg.AckAfter != 24*time.Hour || cfg.OpenIntakeDirector != 123456 || len(cfg.Admins) != 2 {
		t.Fatalf("set: invite %v, ack %v, open intake %d, admins %v", cfg.InviteTTL, cfg.AckAfter, cfg.OpenIntakeDirector, cfg.Admins)
	}
	for name, v := range map[string]string{
		"INTAKEBOT_INVITE_TTL": "soon", "INTAKEBOT_ACK_AFTER": "-1h", "INTAKEBOT_OPEN_INTAKE_DIRECTOR": "sanne",
	} {
		_, err := loadConfig(env(map[string]string{name: v}), false)
		if err == nil || !strings.HasPrefix(err.Error(), name+":") || strings.Contains(err.Error(), v) {
			t.Errorf("%s=%s: error %v, want one naming the variable, not the value", name, v, err)
		}
	}
}
