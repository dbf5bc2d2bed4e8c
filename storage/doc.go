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
// Key layout (the prefix is one per deployment, "intakebot:" by default).
// Everything a person wrote or is called (answers, drafts, names, first
// names, notes, updates, alert messages) is sealed; what stays plain is
// what indexes, scripts and expiry need: states, roles, user IDs of staff,
// session keys (chat IDs) in key names and indexes, and times.
//
//	<prefix>session:<session key>   hash: v, w, state, updated, upd (plain), data (sealed); idle TTL
//	<prefix>submitted               sorted set: session keys by submission time
//	<prefix>active                  sorted set: session keys by last updated time
//	<prefix>inbox                   hash: update ID (plain) -> sealed update; until handled (storage/inbox)
//	<prefix>shown:<session key>     list: message IDs, times and kinds the chat shows, for /exit (plain, never text); 30 days
//
// The active index is for metrics (Sessions.ActiveSince); Redis expires an
// idle session's hash but not its index entry, so a periodic job calls
// Sessions.PruneActive with now minus the idle TTL.
//
// Handling an update costs one round trip on the hot path: with a session
// cache (SessionsOptions.CacheSize) Load is served in process and Save is a
// single compare-and-set script. The cache is an optimisation only; see
// Sessions for why a stale entry can never be written back.
//
// With Redis Cluster, put a hash tag in the prefix (for example
// "{intakebot}:") so that a session and both indexes share a slot: Save and
// Delete touch all three in one script.
//
// # People: staff, links, cases, alerts, on-call roster, audit
//
// The people stores keep these keys beside the sessions, each store its
// own (Staff: staff and pendingstaff; Links: link, director invites and
// linkfail; Cases: case, staff cases and due; Alerts: alert and alerts;
// OnCall: oncall; Audit: audit; Erasure clears a person's linkfail,
// pendingstaff, alert and /exit trail). Their spellings are in keys.go, in
// one place:
//
//	<prefix>staff                   set: user IDs of the staff
//	<prefix>staff:<user ID>         hash: role, lang, added, added_by (plain), data (sealed: name)
//	<prefix>staff:<user ID>:cases   sorted set: case keys of a director or counsellor, by linked time (unix ms)
//	<prefix>link:<SHA-256 of token> string: sealed domain.Link (names, notes); Redis drops it at Link.Expires
//	<prefix>director:<ID>:invites   sorted set: link hashes of a director's invites, by expiry (unix ms)
//	<prefix>linkfail:<user ID>      counter of failed links; expires an hour after the first
//	<prefix>pendingstaff:<user ID>  string: sealed staff link awaiting a name; expires after an hour
//	<prefix>case:<case key>         hash: director, counsellor, linked, delivered, acknowledged, ack_by,
//	                                reminded, escalated (plain), data (sealed: first name, note, all of it)
//	<prefix>audit                   stream: at, actor, action, case (plain, never content); see below
//	<prefix>due                     sorted set: case keys by due time (unix ms), claimed with a lease
//	<prefix>oncall                  hash: window ID -> plain JSON {staff, days, from, to, order}
//	<prefix>alert:<session key>     hash: level, kind, started, taken_by, taken, rev (plain), data (sealed:
//	                                the alert messages sent); expires within a day
//	<prefix>alerts                  sorted set: session keys of open alerts by next escalation (unix ms)
//
// The audit trail holds no Telegram ID of a young person and no content:
// the case is a keyed-hash pseudonym of its key (bot.Bot writes it), and a
// young person's own action has actor 0. Its entries are dropped after
// the audit retention (TrimAudit), and the stream is capped by length.
//
// Sealed values carry the ID of the key that sealed them. After a key
// rotation, storage/rekey re-encrypts every sealed value under the prefix with
// the new key, found by its format rather than by a list of keys, while
// the bot runs.
//
// A link token is 128 random bits, 22 characters of base64url; Redis holds
// only its SHA-256, so a copy of Redis opens no link. UseLink takes a link
// with GETDEL: of several people opening it at once, one gets it. Names,
// first names and notes are sealed as sessions are (AAD: the record's Redis
// key); the role of a staff member and the director and counsellor of a
// case are plain for indexes and scripts, but the sealed copy is the truth
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
// The people stores need Redis 6.2 or later (GETDEL, SET PXAT). With
// Redis Cluster the hash tag in the prefix is required, as for sessions:
// CreateLink, PendingInvites, the case scripts and MoveCase touch several
// keys at once.
package storage
