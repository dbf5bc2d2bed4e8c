package storage

// keys spells the Redis keys of the stores under a deployment's prefix, in
// one place. A person's records are named by the keyed hash of their ID
// (Codec.Name), never by the ID, and the name is the key's Redis Cluster
// hash tag: all keys of one young person ({name} of their session key,
// which for a private chat is also their user ID) share one slot, and so
// do all keys of one staff member. The indexes across people are keys of
// their own; no script touches them together with a person's keys.
type keys struct {
	prefix string
	name   func(id string) string // Codec.Name
}

func newKeys(prefix string, codec *Codec) keys { return keys{prefix: prefix, name: codec.Name} }

// member is what stands for a session (or case) key in an index, and
// userMember for a user ID; tag is the hash tag of a person's keys.
func (k keys) member(key string) string        { return k.name(key) }
func (k keys) userMember(userID int64) string  { return k.name(itoa(userID)) }
func (k keys) tag(id string) string            { return "{" + k.name(id) + "}" }
func (k keys) sessionKey(key string) string    { return k.prefix + "session:" + k.tag(key) }
func (k keys) trailKey(key string) string      { return k.prefix + "shown:" + k.tag(key) }
func (k keys) caseKey(key string) string       { return k.prefix + "case:" + k.tag(key) }
func (k keys) alertKey(key string) string      { return k.prefix + "alert:" + k.tag(key) }
func (k keys) staffKey(userID int64) string    { return k.prefix + "staff:" + k.tag(itoa(userID)) }
func (k keys) linkFailKey(userID int64) string { return k.prefix + "linkfail:" + k.tag(itoa(userID)) }
func (k keys) casesKey(staff int64) string     { return k.casesKeyOf(k.userMember(staff)) }
func (k keys) invitesKey(director int64) string {
	return k.prefix + "director:" + k.tag(itoa(director)) + ":invites"
}
func (k keys) pendingStaffKey(userID int64) string {
	return k.prefix + "pendingstaff:" + k.tag(itoa(userID))
}

// The same keys by the name an index or a plain field holds.
func (k keys) caseKeyOf(name string) string  { return k.prefix + "case:{" + name + "}" }
func (k keys) alertKeyOf(name string) string { return k.prefix + "alert:{" + name + "}" }
func (k keys) staffKeyOf(name string) string { return k.prefix + "staff:{" + name + "}" }
func (k keys) casesKeyOf(name string) string { return k.prefix + "staff:{" + name + "}:cases" }

// A link is named by the SHA-256 of its token, random per link.
func (k keys) linkKey(hash string) string { return k.prefix + "link:" + hash }

// Indexes across people: each in a slot of its own on Cluster.
func (k keys) staffSetKey() string { return k.prefix + "staff" }
func (k keys) activeKey() string   { return k.prefix + "active" }
func (k keys) dueKey() string      { return k.prefix + "due" }
func (k keys) alertsKey() string   { return k.prefix + "alerts" }
func (k keys) onCallKey() string   { return k.prefix + "oncall" }
func (k keys) auditKey() string    { return k.prefix + "audit" }

// A record set aside (storage/quarantine) keeps its key after the prefix,
// and so its hash tag: the RENAME stays within one Cluster slot.
func (k keys) quarantineKey(rkey string) string {
	return k.prefix + "quarantine:" + rkey[len(k.prefix):]
}
