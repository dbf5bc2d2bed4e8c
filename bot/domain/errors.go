package domain

import "errors"

// Errors the stores return and the rooms act on. They live here, beside the
// types, so that storage returns them as they are and no adapter translates.
var (
	// ErrConflict: the record changed since it was loaded (a lost
	// compare-and-set); the caller loads it again and decides again.
	ErrConflict = errors.New("changed concurrently")
	// ErrLinkInvalid: a link token is unknown, used or expired. The three
	// are not told apart, so that a guess learns nothing.
	ErrLinkInvalid = errors.New("link unknown, used or expired")
	// ErrCaseNotFound: no case under that key.
	ErrCaseNotFound = errors.New("case not found")
	// ErrCaseExists: a case already exists under the new key of a move.
	ErrCaseExists = errors.New("a case already exists under the new key")
	// ErrUnreadable: a stored record is there but can't be opened (cut
	// short, changed, moved from another key, or sealed with a key this
	// process does not hold). Reading it again gives the same answer; the
	// caller sets the record aside (quarantine) or, in a list, skips it.
	ErrUnreadable = errors.New("stored record can't be opened")
)
