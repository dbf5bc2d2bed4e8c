package storage

import (
	"strconv"
	"strings"
)

// testNames names records as every test codec does (no name key set).
// (Every codec without a name key of its own names alike.)
var testNames = func() keys { c, _ := NewCodec(testKey(1)); return keys{name: c.Name} }()

// N is the name that stands for id (a session key or user ID) in the
// indexes and the key names of the tests' stores.
func N(id string) string { return testNames.name(id) }

// L spells a key written in the readable form "<prefix><kind>:<id>[:...]"
// (as "t:case:4001", "t:staff:5:cases") in the layout the stores use, so
// that the tests say which record they look at. Other keys stay as they are.
func L(readable string) string {
	i := strings.IndexByte(readable, ':')
	if i < 0 {
		return readable
	}
	k := keys{prefix: readable[:i+1], name: testNames.name}
	parts := strings.Split(readable[i+1:], ":")
	if len(parts) < 2 {
		return readable
	}
	id := parts[1]
	n, _ := strconv.ParseInt(id, 10, 64)
	switch {
	case parts[0] == "session" && len(parts) == 2:
		return k.sessionKey(id)
	case parts[0] == "shown" && len(parts) == 2:
		return k.trailKey(id)
	case parts[0] == "case" && len(parts) == 2:
		return k.caseKey(id)
	case parts[0] == "alert" && len(parts) == 2:
		return k.alertKey(id)
	case parts[0] == "linkfail" && len(parts) == 2:
		return k.linkFailKey(n)
	case parts[0] == "pendingstaff" && len(parts) == 2:
		return k.pendingStaffKey(n)
	case parts[0] == "staff" && len(parts) == 2:
		return k.staffKey(n)
	case parts[0] == "staff" && len(parts) == 3 && parts[2] == "cases":
		return k.casesKey(n)
	case parts[0] == "director" && len(parts) == 3 && parts[2] == "invites":
		return k.invitesKey(n)
	}
	return readable
}
