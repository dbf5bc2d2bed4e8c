package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage/redistest"
)

// With INTAKEBOT_OPS_ADDR set, /healthz, /readyz and /metrics are served
// there and no longer on the webhook's listener, which Telegram (and
// anyone on the internet) reaches.
func TestOpsOnTheirOwnAddressApartFromTheWebhook(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	env := testEnv(api, rds)
	env["INTAKEBOT_WEBHOOK_URL"] = "https://bot.example.org/telegram/hook"
	env["INTAKEBOT_WEBHOOK_SECRET"] = webhookSecret
	hookAddr, opsAddr := freeAddr(t), freeAddr(t)
	env["INTAKEBOT_HTTP_ADDR"], env["INTAKEBOT_OPS_ADDR"] = hookAddr, opsAddr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	logs := &bottest.Log{}
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), logs, logs)
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(shutdownGrace + 5*time.Second):
			t.Error("intakebot did not stop")
		}
	}()
	api.WaitCall(t, 10*time.Second, func(c telegramtest.Call) bool { return c.Method == "setWebhook" })

	get := func(url string) (int, string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			resp, err := http.Get(url)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(body)
			}
			if time.Now().After(deadline) {
				t.Fatalf("GET %s: %v; logs:\n%s", url, err, logs)
			}
		}
	}
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		if code, _ := get("http://" + opsAddr + path); code != http.StatusOK {
			t.Errorf("ops %s: %d, want 200", path, code)
		}
		if code, _ := get("http://" + hookAddr + path); code != http.StatusNotFound {
			t.Errorf("webhook listener %s: %d, want 404", path, code)
		}
	}
	if _, body := get("http://" + opsAddr + "/metrics"); !strings.Contains(body, "intakebot_records_quarantined_total") {
		t.Error("/metrics lacks the quarantine counter")
	}
	h := &hookBot{instance: &instance{}, url: "http://" + hookAddr + "/telegram/hook"}
	if code := h.post(t, webhookSecret, textUpdate(7101, "/start")); code != http.StatusOK {
		t.Fatalf("webhook: status %d, want 200", code)
	}
}

// Neither listener lets a slow or idle client hold a connection for ever.
func TestTheHTTPServersHaveTimeouts(t *testing.T) {
	for _, tt := range []timeouts{webhookTimeouts, opsTimeouts} {
		srv := httpServer(":0", http.NotFoundHandler(), tt)
		if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
			t.Errorf("server without a timeout: %+v", tt)
		}
	}
	// The webhook's answer waits for the update (25 s at most).
	if webhookTimeouts.write <= 25*time.Second {
		t.Errorf("write timeout %v cuts a webhook call short", webhookTimeouts.write)
	}
}

func TestOpsAddrMustDifferFromTheHTTPAddr(t *testing.T) {
	_, err := loadConfig(env(map[string]string{"INTAKEBOT_HTTP_ADDR": ":9000", "INTAKEBOT_OPS_ADDR": ":9000"}), false)
	if err == nil || !strings.Contains(err.Error(), "INTAKEBOT_OPS_ADDR") {
		t.Fatalf("err = %v, want one naming INTAKEBOT_OPS_ADDR", err)
	}
	cfg, err := loadConfig(env(map[string]string{"INTAKEBOT_OPS_ADDR": "127.0.0.1:9100"}), false)
	if err != nil || cfg.OpsAddr != "127.0.0.1:9100" {
		t.Fatalf("cfg.OpsAddr = %q, %v", cfg.OpsAddr, err)
	}
}
