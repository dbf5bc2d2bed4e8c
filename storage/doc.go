// Package storage keeps the intake bot's state in Redis: sessions now, and
// later update de-duplication, invites, staff, reminders and the audit trail.
//
// What a young person tells the bot is health and safety data, so every
// record's content is sealed with AES-256-GCM before it leaves the process
// (see Codec); only metadata needed for queries and expiry stays readable.
// The consumers (bot, cmd) declare the small interfaces they need; this
// package implements them and imports dialog only for its types.
//
// Key layout (the prefix is one per deployment, "intakebot:" by default):
//
//	<prefix>session:<session key>   hash: v, w, state, updated, upd (plain), data (sealed)
//	<prefix>submitted               sorted set: session keys by submission time
//	<prefix>active                  sorted set: session keys by last updated time
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
package storage
