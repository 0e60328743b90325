package engine

import "time"

// backoff is how long the login command rests after the n-th consecutive
// failure (SPEC, Timing rules).
var backoff = [...]time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute}

// cooldown records consecutive login failures for a profile.
type cooldown struct {
	Failures    int       `json:"failures"`
	LastFailure time.Time `json:"lastFailure"`
	LastError   string    `json:"lastError"` // redacted
	// Command is the login command that failed: a different one (the
	// user fixed the configuration) is not held back.
	Command string `json:"command,omitempty"`
}

// until is when the login command may run again automatically.
func (c *cooldown) until() time.Time {
	if c == nil || c.Failures == 0 {
		return time.Time{}
	}
	return c.LastFailure.Add(backoff[min(c.Failures, len(backoff))-1])
}

// active reports whether the login command must not run automatically now.
func (c *cooldown) active(now time.Time) bool { return now.Before(c.until()) }

// holds reports whether the cooldown keeps command from running now.
func (c *cooldown) holds(now time.Time, command string) bool {
	return c.active(now) && (c.Command == "" || c.Command == command)
}

func (c *cooldown) fail(now time.Time, command string, err error) *cooldown {
	next := &cooldown{Failures: 1, LastFailure: now, LastError: summary(err), Command: command}
	if c != nil {
		next.Failures = c.Failures + 1
	}
	return next
}
