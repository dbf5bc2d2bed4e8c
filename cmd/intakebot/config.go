package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the image has no zoneinfo; reminders need Europe/Amsterdam

	"github.com/intakebot/intakebot/bot/delivery"
	"github.com/intakebot/intakebot/bot/reminders"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redisconn"
)

// config is the environment of contract.md, checked whole at start.
type config struct {
	// SpoolDir keeps, on local disk, the alerts and updates the bot could
	// not hand to Redis (INTAKEBOT_SPOOL_DIR); "" is a new temporary
	// folder each start, which does not survive a restart.
	SpoolDir string
	Token    string
	APIURL   string
	RedisURL string
	// Redis is REDIS_URL with INTAKEBOT_REDIS_MODE, _MASTER, _WAIT_REPLICAS
	// and _WAIT_TIMEOUT: one node, Sentinel or Cluster (redisconn.Open).
	Redis         redisconn.Config
	Admins        []int64
	DataKey       []byte
	HTTPAddr      string
	OpsAddr       string // "": /healthz, /readyz and /metrics on HTTPAddr
	WebhookURL    string
	WebhookSecret string
	// WebhookMaxConnections is how many updates Telegram may deliver at
	// once (setWebhook max_connections).
	WebhookMaxConnections int
	Locale                string
	Location              *time.Location
	RegisterFee           string
	QuietFrom             time.Duration
	QuietTo               time.Duration
	Nudges                []time.Duration
	// SharedBudget keeps Telegram's send budget in Redis for every
	// replica (INTAKEBOT_SEND_BUDGET=shared, the default) instead of per
	// replica (local).
	SharedBudget    bool
	LogFormat       string
	Country         string
	SessionTTL      time.Duration
	ResumeAfter     time.Duration
	FlowFile        string
	CheckinFlowFile string
	LocalesDir      string
	KeyPrefix       string
	// SendRate and ChatSendInterval pace the sender (Telegram's limits:
	// 30 messages/s per bot, about one per second in a chat).
	SendRate         int
	ChatSendInterval time.Duration
	// InviteTTL and AckAfter: how long an invite works, and how long a
	// handed-off intake waits for the director before a reminder (and
	// again before the admins are told).
	InviteTTL time.Duration
	AckAfter  time.Duration
	// OpenIntakeDirector, when not zero, takes young people without an
	// invite.
	OpenIntakeDirector int64
	// UrgentTakeWithin is how long an alert (/urgent, a signal) waits for
	// someone to take it before the next on call and the admins are told.
	UrgentTakeWithin time.Duration
	// OldDataKeys still open data sealed before a key rotation; the
	// primary DataKey seals everything new (and `intakebot rekey`).
	OldDataKeys [][]byte
	// PseudonymKey keys the hash that stands for a person in logs and in
	// the audit trail. It is not rotated with the data key, so that the
	// trail stays readable across rotations; unset, it is derived from
	// DataKey (and changes when that key does).
	PseudonymKey []byte
	// LogLevel is the least level logged.
	LogLevel slog.Level
	// AuditRetention is how long audit entries are kept.
	AuditRetention time.Duration
	// AcknowledgedTTL is how long the bot keeps an intake once the
	// director acknowledged it.
	AcknowledgedTTL time.Duration
	// OrderWait bounds how long a webhook replica holds a chat's update for
	// an earlier one (INTAKEBOT_ORDER_WAIT; 0 when "off").
	OrderWait time.Duration
}

// secretPattern is what Telegram accepts as a webhook secret_token; at
// least 16 characters so it can't be guessed.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,256}$`)

// configError names the variable and what is wrong, never its value.
type configError struct{ name, problem string }

func (e *configError) Error() string { return e.name + ": " + e.problem }

// loadConfig reads the environment through getenv. forServe demands what
// serving needs (a token and a key); demo needs neither.
func loadConfig(getenv func(string) string, forServe bool) (*config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := &config{
		Token:         get("TELEGRAM_BOT_TOKEN", ""),
		APIURL:        strings.TrimRight(get("TELEGRAM_API_URL", "https://api.telegram.org"), "/"),
		RedisURL:      get("REDIS_URL", "redis://127.0.0.1:6379/0"),
		HTTPAddr:      get("INTAKEBOT_HTTP_ADDR", ":8080"),
		OpsAddr:       get("INTAKEBOT_OPS_ADDR", ""),
		WebhookURL:    get("INTAKEBOT_WEBHOOK_URL", ""),
		WebhookSecret: get("INTAKEBOT_WEBHOOK_SECRET", ""),
		Locale:        get("INTAKEBOT_LOCALE", "nl"),
		LogFormat:     get("INTAKEBOT_LOG_FORMAT", "json"),
		Country:       strings.ToLower(get("INTAKEBOT_COUNTRY", "nl")),
		FlowFile:      get("INTAKEBOT_FLOW_FILE", ""),
		LocalesDir:    get("INTAKEBOT_LOCALES_DIR", ""),
		KeyPrefix:     get("INTAKEBOT_KEY_PREFIX", "intakebot:"),
		SpoolDir:      get("INTAKEBOT_SPOOL_DIR", ""),
		RegisterFee:   get("INTAKEBOT_REGISTER_FEE", "EUR 8"),
	}
	c.CheckinFlowFile = get("INTAKEBOT_CHECKIN_FLOW_FILE", "")
	var errs []error
	bad := func(name, problem string) { errs = append(errs, &configError{name, problem}) }
	if c.OpsAddr != "" && c.OpsAddr == c.HTTPAddr {
		bad("INTAKEBOT_OPS_ADDR", "must differ from INTAKEBOT_HTTP_ADDR (leave it unset to serve both there)")
	}

	if forServe {
		if c.Token == "" {
			bad("TELEGRAM_BOT_TOKEN", "required: the token BotFather gave you")
		} else if id, secret, ok := strings.Cut(c.Token, ":"); !ok || id == "" || secret == "" || strings.ContainsAny(c.Token, " /") {
			bad("TELEGRAM_BOT_TOKEN", "not a bot token (expected <digits>:<secret>)")
		}
		if strings.TrimSpace(getenv("INTAKEBOT_DATA_KEY")) == "" {
			bad("INTAKEBOT_DATA_KEY", "required: base64 of 32 random bytes (make one with: openssl rand -base64 32)")
		}
	}
	// Parsed whenever set: rekey needs the keys but no token.
	if raw := strings.TrimSpace(getenv("INTAKEBOT_DATA_KEY")); raw != "" {
		if k, err := storage.ParseKey(raw); err != nil {
			bad("INTAKEBOT_DATA_KEY", "must be base64 of exactly 32 bytes (make one with: openssl rand -base64 32)")
		} else {
			c.DataKey = k
		}
	}
	for i, f := range strings.Split(getenv("INTAKEBOT_OLD_DATA_KEYS"), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		// The position, never the value: these are secrets.
		if k, err := storage.ParseKey(f); err != nil {
			bad("INTAKEBOT_OLD_DATA_KEYS", fmt.Sprintf("key %d must be base64 of exactly 32 bytes (comma-separated keys)", i+1))
			break
		} else {
			c.OldDataKeys = append(c.OldDataKeys, k)
		}
	}
	if raw := strings.TrimSpace(getenv("INTAKEBOT_PSEUDONYM_KEY")); raw != "" {
		if k, err := storage.ParseKey(raw); err != nil {
			bad("INTAKEBOT_PSEUDONYM_KEY", "must be base64 of exactly 32 bytes (make one with: openssl rand -base64 32)")
		} else {
			c.PseudonymKey = k
		}
	} else if c.DataKey != nil {
		c.PseudonymKey = derivePseudonymKey(c.DataKey)
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("TELEGRAM_API_URL", "must be an http(s) URL")
	}
	c.Redis = redisConfig(c.RedisURL, get, bad)
	for _, f := range strings.Split(getenv("INTAKEBOT_ADMINS"), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			bad("INTAKEBOT_ADMINS", "must be comma-separated numeric Telegram user IDs")
			break
		}
		c.Admins = append(c.Admins, id)
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("INTAKEBOT_WEBHOOK_URL", "must be an https URL")
		}
		if c.WebhookSecret == "" {
			bad("INTAKEBOT_WEBHOOK_SECRET", "required when INTAKEBOT_WEBHOOK_URL is set")
		} else if !secretPattern.MatchString(c.WebhookSecret) {
			bad("INTAKEBOT_WEBHOOK_SECRET", "must be 16-256 characters of A-Z, a-z, 0-9, _ and - (make one with: openssl rand -hex 32)")
		}
	}
	c.WebhookMaxConnections = 40
	if v := get("INTAKEBOT_WEBHOOK_MAX_CONNECTIONS", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			bad("INTAKEBOT_WEBHOOK_MAX_CONNECTIONS", "must be a number from 1 to 100")
		}
		c.WebhookMaxConnections = n
	}
	if loc, err := time.LoadLocation(get("INTAKEBOT_TIMEZONE", "Europe/Amsterdam")); err != nil {
		bad("INTAKEBOT_TIMEZONE", "unknown time zone (use a name like Europe/Amsterdam)")
	} else {
		c.Location = loc
	}
	if from, to, err := parseQuietHours(get("INTAKEBOT_QUIET_HOURS", "22:00-08:00")); err != nil {
		bad("INTAKEBOT_QUIET_HOURS", "must look like 22:00-08:00")
	} else {
		c.QuietFrom, c.QuietTo = from, to
	}
	if n, err := reminders.ParseNudges(get("INTAKEBOT_NUDGES", "3d,7d")); err != nil {
		bad("INTAKEBOT_NUDGES", "must look like 3d,7d (at most two, rising; d, h or m) or off")
	} else {
		c.Nudges = n
	}
	switch get("INTAKEBOT_SEND_BUDGET", "shared") {
	case "shared":
		c.SharedBudget = true
	case "local":
	default:
		bad("INTAKEBOT_SEND_BUDGET", "must be shared or local")
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		bad("INTAKEBOT_LOG_FORMAT", "must be json or text")
	}
	if c.Country != "nl" && c.Country != "be" {
		bad("INTAKEBOT_COUNTRY", "must be nl or be (it selects the crisis lines)")
	}
	c.SessionTTL = duration(get, bad, "INTAKEBOT_SESSION_TTL", 90*24*time.Hour)
	c.ChatSendInterval = duration(get, bad, "INTAKEBOT_CHAT_SEND_INTERVAL", time.Second)
	c.SendRate = 30
	if v := get("INTAKEBOT_SEND_RATE", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			bad("INTAKEBOT_SEND_RATE", "must be a whole number of messages per second, 1 or more")
		}
		c.SendRate = n
	}
	c.ResumeAfter = duration(get, bad, "INTAKEBOT_RESUME_AFTER", 12*time.Hour)
	c.InviteTTL = duration(get, bad, "INTAKEBOT_INVITE_TTL", 14*24*time.Hour)
	c.AckAfter = duration(get, bad, "INTAKEBOT_ACK_AFTER", 48*time.Hour)
	c.UrgentTakeWithin = duration(get, bad, "INTAKEBOT_URGENT_TAKE_WITHIN", 10*time.Minute)
	c.AuditRetention = duration(get, bad, "INTAKEBOT_AUDIT_RETENTION", 365*24*time.Hour)
	c.AcknowledgedTTL = duration(get, bad, "INTAKEBOT_ACKNOWLEDGED_TTL", 30*24*time.Hour)
	if get("INTAKEBOT_ORDER_WAIT", "") != "off" {
		c.OrderWait = duration(get, bad, "INTAKEBOT_ORDER_WAIT", delivery.DefaultOrderWait)
		if c.OrderWait > 20*time.Second {
			bad("INTAKEBOT_ORDER_WAIT", "must be at most 20s (a webhook call is handled within 25 s), or off")
		}
	}
	switch lv := strings.ToLower(get("INTAKEBOT_LOG_LEVEL", "info")); lv {
	case "debug", "info", "warn", "error":
		_ = c.LogLevel.UnmarshalText([]byte(lv))
	default:
		bad("INTAKEBOT_LOG_LEVEL", "must be debug, info, warn or error")
	}
	if v := get("INTAKEBOT_OPEN_INTAKE_DIRECTOR", ""); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			bad("INTAKEBOT_OPEN_INTAKE_DIRECTOR", "must be the numeric Telegram user ID of a process director")
		}
		c.OpenIntakeDirector = id
	}
	if !strings.HasSuffix(c.KeyPrefix, ":") {
		bad("INTAKEBOT_KEY_PREFIX", "must end with ':'")
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return c, nil
}

// duration reads a Go duration, also accepting days ("90d").
func duration(get func(string, string) string, bad func(string, string), name string, def time.Duration) time.Duration {
	v := get(name, "")
	if v == "" {
		return def
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		bad(name, "must be a duration like 90d, 48h or 30m")
		return def
	}
	return d
}

func parseQuietHours(v string) (time.Duration, time.Duration, error) {
	a, b, ok := strings.Cut(v, "-")
	if !ok {
		return 0, 0, errors.New("no dash")
	}
	from, err1 := clock(a)
	to, err2 := clock(b)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, err
	}
	return from, to, nil
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("bad time: %w", err)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// derivePseudonymKey makes the pseudonym key from the data key when none
// is configured: a separate key (HMAC of a fixed label), so that the hash
// in logs and the audit trail never uses the encryption key itself.
func derivePseudonymKey(dataKey []byte) []byte {
	m := hmac.New(sha256.New, dataKey)
	m.Write([]byte("intakebot pseudonyms v1"))
	return m.Sum(nil)
}

// redisConfig reads how to reach Redis and checks it with redisconn.Parse,
// whose errors never quote a password.
func redisConfig(rawURL string, get func(string, string) string, bad func(string, string)) redisconn.Config {
	rc := redisconn.Config{URL: rawURL, Mode: get("INTAKEBOT_REDIS_MODE", ""), Master: get("INTAKEBOT_REDIS_MASTER", "")}
	if v := get("INTAKEBOT_REDIS_WAIT_REPLICAS", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 16 {
			bad("INTAKEBOT_REDIS_WAIT_REPLICAS", "must be a number from 0 (do not wait) to 16")
			return rc
		}
		rc.WaitReplicas = &n
	}
	if get("INTAKEBOT_REDIS_WAIT_TIMEOUT", "") != "" {
		rc.WaitTimeout = duration(get, bad, "INTAKEBOT_REDIS_WAIT_TIMEOUT", redisconn.DefaultWaitTimeout)
	}
	if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
		bad("REDIS_URL", "must be a redis:// or rediss:// URL (or unix:// for one node)")
		return rc
	}
	if _, err := redisconn.Parse(rc); err != nil {
		bad("REDIS_URL", "with INTAKEBOT_REDIS_MODE and INTAKEBOT_REDIS_MASTER: "+err.Error())
	}
	return rc
}
