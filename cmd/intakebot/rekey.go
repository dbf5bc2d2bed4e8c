package main

import (
	"context"
	"fmt"
	"io"

	"github.com/intakebot/intakebot/storage/redisconn"
	"github.com/intakebot/intakebot/storage/rekey"

	"github.com/intakebot/intakebot/storage"
)

// rekeyCommand moves records of an older key layout to pseudonymous names
// (rekey.Migrate), then re-encrypts everything sealed under the key prefix with
// INTAKEBOT_DATA_KEY, the last step of a key rotation: afterwards the keys
// in INTAKEBOT_OLD_DATA_KEYS can go. A running bot may stay up meanwhile.
// It prints the counts to out and fails if a value did not open (its key is
// missing from the configuration, or it is damaged), so that no old key is
// dropped while something still needs it.
func rekeyCommand(ctx context.Context, cfg *config, out io.Writer) error {
	codec, err := storage.NewCodec(cfg.DataKey, cfg.OldDataKeys...)
	if err != nil {
		return fmt.Errorf("INTAKEBOT_DATA_KEY or INTAKEBOT_OLD_DATA_KEYS: %w", err)
	}
	codec = codec.WithNameKey(recordNameKey(cfg))
	rdb, _, err := redisconn.Open(cfg.Redis)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	defer rdb.Close()
	// Records of the layout before pseudonymous names move first (once;
	// later runs find nothing to move).
	m, err := rekey.Migrate(ctx, rdb, codec, cfg.KeyPrefix, rekey.MigrateOptions{IdleTTL: cfg.SessionTTL})
	fmt.Fprintln(out, m)
	if err != nil {
		return fmt.Errorf("moving records to pseudonymous names: %w", err)
	}
	fmt.Fprintf(out, "re-encrypting %s* with key %s\n", cfg.KeyPrefix, codec.KeyID())
	r, err := rekey.Run(ctx, rdb, codec, cfg.KeyPrefix, rekey.Options{})
	fmt.Fprintln(out, r)
	if err != nil {
		return fmt.Errorf("stopped early: %w", err)
	}
	if r.Failed > 0 {
		return fmt.Errorf("%d values did not open: keep the old keys in INTAKEBOT_OLD_DATA_KEYS until every value opens", r.Failed)
	}
	if r.Changed > 0 {
		fmt.Fprintln(out, "some values changed while this ran; run rekey again to check them")
	}
	return nil
}
