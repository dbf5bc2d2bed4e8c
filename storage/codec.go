package storage

import "github.com/intakebot/intakebot/storage/seal"

// The codec lives in storage/seal (it knows nothing of Redis); these are
// its names as the stores' callers know them.

// Codec seals records and names them: see seal.Codec.
type Codec = seal.Codec

// KeySize is the length of a data key: AES-256. NameSize is the length of
// a record's name (Codec.Name).
const (
	KeySize  = seal.KeySize
	NameSize = seal.NameSize
)

// ErrUnknownKey and ErrCorrupt: see package seal. Both are
// domain.ErrUnreadable.
var (
	ErrUnknownKey = seal.ErrUnknownKey
	ErrCorrupt    = seal.ErrCorrupt
)

// ParseKey, NewCodec, LooksSealed and IsName: see package seal.
var (
	ParseKey    = seal.ParseKey
	NewCodec    = seal.NewCodec
	LooksSealed = seal.LooksSealed
	IsName      = seal.IsName
)
