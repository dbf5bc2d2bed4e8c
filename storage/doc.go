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
//	<prefix>session:<session key>   hash: v, state, updated, upd (plain), data (sealed)
//	<prefix>submitted               sorted set: session keys by submission time
//
// With Redis Cluster, put a hash tag in the prefix (for example
// "{intakebot}:") so that a session and the submitted index share a slot:
// Save updates both in one script.
package storage
