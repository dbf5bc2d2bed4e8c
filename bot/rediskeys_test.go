package bot_test

import "github.com/intakebot/intakebot/storage"

// redisKey spells the Redis key of a young person's record of this kind
// ("t:alert:", "t:shown:") as the stores name it: by the keyed hash of the
// session key, which is also its hash tag. Codecs without a name key of
// their own (these tests') all name alike.
func redisKey(kind, sessionKey string) string { return kind + "{" + redisName(sessionKey) + "}" }

// redisName is what stands for a session key in an index.
func redisName(sessionKey string) string {
	c, err := storage.NewCodec(make([]byte, storage.KeySize))
	if err != nil {
		panic(err)
	}
	return c.Name(sessionKey)
}
