// Package memory is the in-memory twin of package storage, for tests: the
// same stores (Staff, Links, Cases, Alerts, OnCall, Audit, Erasure,
// Sessions, Trail) with the same methods, errors and semantics, kept in
// maps behind one mutex per deployment instead of in Redis.
//
// What Redis expires (links, the link-failure window, pending staff links,
// alerts, idle sessions, trails) expires here by the clock given to the
// constructor, so a test moves time by hand instead of sleeping. Records
// go in and come out as copies: what storage seals as JSON is kept as
// JSON here too, so a field that Redis would not keep is not kept here
// either, and a caller never shares a slice or map with the store.
//
// The behaviour both implementations promise is stated once, in package
// storetest, and run against each (storage's tests against a real Redis,
// this package's against these stores). Nothing here is encrypted and
// nothing survives the process: it is not for production.
package memory
