package storage

import (
	"embed"

	"github.com/redis/go-redis/v9"
)

// The Lua scripts live in lua/, one file per script, so that they can be
// read, diffed and linted as Lua; each is documented (KEYS and ARGV) where
// its Go variable is declared. They are embedded in the binary and loaded
// when the package is initialised.
//
//go:embed lua/*.lua
var luaFiles embed.FS

// loadScript returns the script in lua/<name>.lua. A missing file is a
// mistake in this package, not in its use, so it panics at init: every
// test of the package then fails at once.
func loadScript(name string) *redis.Script {
	src, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic("storage: no embedded script " + name + ": " + err.Error())
	}
	return redis.NewScript(string(src))
}
