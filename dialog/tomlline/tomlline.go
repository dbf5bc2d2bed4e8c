// Package tomlline finds the line of a TOML file that an error is about, so
// that a flow file's errors name their line.
package tomlline

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

var typeErrorLine = regexp.MustCompile(`(?s)^toml: line (\d+) (.*)$`)

// OfError is the line and reason of a TOML decoding error; line 0 when the
// error names none.
func OfError(err error) (line int, reason string) {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return pe.Position.Line, pe.Message
	}
	// A value of the wrong type is not a ParseError; its text starts with
	// "toml: line N (last key ...)".
	if m := typeErrorLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, err.Error()
}

// Sections returns the line number of each [[name]] header, so that a
// semantic error can point at the question or topic it is about.
func Sections(data []byte, name string) []int {
	header := regexp.MustCompile(`^\s*\[\[\s*` + name + `\s*\]\]\s*(#.*)?$`)
	var out []int
	for i, l := range strings.Split(string(data), "\n") {
		if header.MatchString(strings.TrimSuffix(l, "\r")) {
			out = append(out, i+1)
		}
	}
	return out
}

// TopLevel is the line of a key of the flow itself (before any table),
// or 0 when the key is not there.
func TopLevel(data []byte, key string) int {
	for i, l := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			return 0
		}
		if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == key {
			return i + 1
		}
	}
	return 0
}

// Key is the first line that sets key or opens a table named key, or 0.
func Key(data []byte, key string) int {
	for i, l := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, key+" ") || strings.HasPrefix(t, key+"=") || strings.Contains(t, "["+key+"]") {
			return i + 1
		}
	}
	return 0
}
