// Package engine decides about credentials: whether the ones at hand are
// still good (Policy: the one rule for when credentials are fresh, usable
// and due for renewal, which the library's Provider, the exec endpoint and
// exec's background renewal decide with too; STS verification when the
// expiry is unknown or a caller reports a rejection), when to get
// new ones silently from a source, and when — only when they are needed now
// and cannot be renewed silently — to run the user's login command, bounded,
// once, never in a loop.
//
// It owns the per-profile disk cache (0700 directory, 0600 files, atomic
// replace; a corrupt file is ignored and rewritten), the one-refresh-at-a-
// time rule across goroutines and processes (a file lock; late arrivals
// reuse the result), the cooldown with backoff after a failed login, and
// the classification of AWS errors into something a person can act on.
//
// It prints nothing: it reports through Options.OnEvent and returns typed
// errors; wording for people belongs to the caller. It never puts a secret
// in an event or an error.
package engine
