// Package domain holds what the bot's rooms and storage share: cases, staff
// members, single-use links, alerts and the on-call roster, audit entries,
// and the errors the stores return. Plain data and small pure functions; it
// knows nothing of Telegram or Redis, and only the questionnaire engine
// (dialog) below it.
package domain
