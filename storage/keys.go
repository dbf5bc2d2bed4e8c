package storage

// keys spells the Redis keys of the people stores under a deployment's
// prefix, in one place: the layout (see the package comment) is what the
// data in production is stored under, so a key is never spelt twice. The
// session keys and the /exit trail's are in sessions.go and trail.go.
type keys struct{ prefix string }

func (k keys) staffKey(userID int64) string { return k.prefix + "staff:" + itoa(userID) }
func (k keys) staffSetKey() string          { return k.prefix + "staff" }
func (k keys) pendingStaffKey(userID int64) string {
	return k.prefix + "pendingstaff:" + itoa(userID)
}

func (k keys) linkKey(hash string) string { return k.prefix + "link:" + hash }
func (k keys) invitesKey(director int64) string {
	return k.prefix + "director:" + itoa(director) + ":invites"
}
func (k keys) linkFailKey(userID int64) string { return k.prefix + "linkfail:" + itoa(userID) }

func (k keys) caseKey(key string) string { return k.prefix + "case:" + key }
func (k keys) casesKey(staff int64) string {
	return k.prefix + "staff:" + itoa(staff) + ":cases"
}
func (k keys) dueKey() string { return k.prefix + "due" }

func (k keys) alertKey(key string) string { return k.prefix + "alert:" + key }
func (k keys) alertsKey() string          { return k.prefix + "alerts" }

func (k keys) onCallKey() string { return k.prefix + "oncall" }
func (k keys) auditKey() string  { return k.prefix + "audit" }

func (k keys) quarantineKey(r string) string { return k.prefix + "quarantine:" + r[len(k.prefix):] }
