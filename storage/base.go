package storage

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/storage/quarantine"
)

// base is what every people store shares: the client, the codec that seals
// what a person wrote, the deployment's keys and the clock. The stores of
// one NewPeople share one base, so they agree on all four.
type base struct {
	keys
	client  redis.UniversalClient
	codec   *Codec
	now     func() time.Time
	skipped *quarantine.Skipped // reports list entries left out, for all of them
}

// openJSON opens sealed (with the Redis key rkey as AAD) into v. Its errors
// never quote the content.
func (b *base) openJSON(sealed string, rkey string, v any) error {
	plain, err := b.codec.Open([]byte(sealed), []byte(rkey))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("%w: data is not the expected record", ErrCorrupt)
	}
	return nil
}

func (b *base) sealJSON(v any, rkey string) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b.codec.Seal(plain, []byte(rkey))), nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// unixOrZero is t in unix seconds, "0" for the zero time.
func unixOrZero(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return itoa(t.Unix())
}

// str is a value from HMGET or MGET: "" and false for a missing one.
func str(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}
