// Package storage keeps the intake bot's state in Redis: sessions, the
// /exit trail, and one store per aggregate of
// what the bot knows about people: Staff, Links (single-use links), Cases
// (with the handoff's due times), Alerts, OnCall (the roster) and Audit,
// plus Erasure for the traces of a young person that span several of them.
// NewPeople makes all of these at once and returns them as a People, a
// plain bundle with a field per store and no methods of its own.
//
// What a young person tells the bot is health and safety data, so every
// record's content is sealed with AES-256-GCM before it leaves the process
// (see Codec); only metadata needed for queries and expiry stays readable.
// The consumers (bot, cmd) declare the small interfaces they need; this
// package implements them and imports dialog and bot/domain only for their
// types. It returns the domain's errors (domain.ErrConflict,
// domain.ErrLinkInvalid, domain.ErrCaseNotFound, domain.ErrCaseExists) as
// they are, so nobody has to translate them; ErrNotFound (no session) and
// ErrCorrupt are its own.
//
// Every Lua script is a file under lua/, embedded in the binary and loaded
// when the package is initialised (scripts.go); its KEYS and ARGV are
// documented where its Go variable is declared.
//
// Key layout (the prefix is one per deployment, "intakebot:" by default;
// keys.go spells every key, the README has the table of what is plain).
// Everything a person wrote or is called is sealed. No key name, index
// member or plain field holds a young person's Telegram ID: their records
// are named by a keyed hash of the ID (Codec.Name, keyed with the
// pseudonym key), which is also the Redis Cluster hash tag of all their
// keys, and the indexes list those names:
//
//	<prefix>session:{<name>}   hash: v, w, state, updated, upd (plain), data (sealed); idle TTL
//	<prefix>active             sorted set: session names by last updated time
//	<prefix>inbox              hash: update ID (plain) -> sealed update; until handled (storage/inbox)
//	<prefix>shown:{<name>}     list: message IDs, times and kinds the chat shows, for /exit; 30 days
//
// The active index is for metrics (Sessions.ActiveSince); Redis expires an
// idle session's hash but not its index entry, so a periodic job calls
// Sessions.PruneActive with now minus the idle TTL.
//
// Handling an update costs one round trip on the hot path of a single node:
// with a session cache (SessionsOptions.CacheSize) Load is served in process
// and Save is a compare-and-set script on the session's hash sent in one
// pipeline with the active index's update.
//
// # Redis Cluster
//
// Every script touches the keys of one person only (one hash tag), so it
// runs on Cluster as on a single node. The indexes across people (active,
// due, alerts, the staff set, staff's case lists) are in slots of their
// own and are written beside the scripts, in the same pipeline where that
// is safe and after them where it is not; each index is kept right by an
// idempotent step that a reader repeats (claims drop entries of records
// that are gone, CasesOf and ListStaff tidy theirs, PruneActive the active
// index). Never put a hash tag in the prefix: that would put every key of
// the deployment in one slot.
//
// # People: staff, links, cases, alerts, on-call roster, audit
//
// The people stores keep their keys beside the sessions, each store its
// own; their spellings are in keys.go and their fields in each store's
// comment. Staff are named like young people (their records, the staff
// set, their case and invite lists, a case's director and counsellor
// fields); the on-call roster and the audit trail's actor hold staff user
// IDs in plain.
//
// The audit trail holds no Telegram ID of a young person and no content:
// the case is a keyed-hash pseudonym of its key (bot.Bot writes it), and a
// young person's own action has actor 0. Its entries are dropped after
// the audit retention (TrimAudit), and the stream is capped by length.
//
// After a key rotation, storage/rekey re-encrypts every sealed value
// under the prefix with the new key (found by its format), while the bot
// runs; it also moves records of the older layout to their names.
//
// A link token is 128 random bits, 22 characters of base64url; Redis holds
// only its SHA-256, so a copy of Redis opens no link. UseLink takes a link
// with GETDEL: of several people opening it at once, one gets it. Names,
// first names and notes are sealed as sessions are (AAD: the record's Redis
// key); the role of a staff member and the names of the director and
// counsellor of a case are plain for indexes, but the sealed copy is the truth
// and a record whose plain copy disagrees is refused as corrupt. Errors
// never name a person, token or case.
//
// Staff, cases and the audit stream have no TTL: staff leave by
// RemoveStaff, a case goes by DeleteCase (erasure, or once the summary is
// filed: the bot's copy should not outlive its purpose), and the audit
// stream is trimmed by time (TrimAudit) and capped by length. Links,
// failure counters and pending staff links expire by themselves; index
// entries of expired or erased records are tidied when they are read.
//
// The people stores need Redis 6.2 or later (GETDEL, SET PXAT).
package storage
