package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
)

// The default windows before expiry.
const (
	DefaultAdvisoryWindow  = 15 * time.Minute // renew silently; on failure keep serving with a warning
	DefaultMandatoryWindow = 10 * time.Minute // must renew; on failure, error
	DefaultRecheckInterval = 15 * time.Minute // credentials with no known expiry are re-read this often
)

// Retry delays after a renewal that did not give fresh credentials.
const (
	firstRetry = 5 * time.Second
	maxRetry   = 5 * time.Minute
)

// Policy is the one rule for when credentials are fresh, usable and due for
// renewal. The engine, the library's Provider, the exec endpoint and exec's
// background renewal all decide through it; the zero value is the default
// policy.
type Policy struct {
	// Advisory is how long before expiry renewal begins: inside this window
	// credentials are renewed silently and, when that fails, still handed
	// out. Zero means DefaultAdvisoryWindow.
	Advisory time.Duration
	// Mandatory is how long before expiry credentials stop being handed out:
	// they must be renewed, and a failure is an error. Zero means
	// DefaultMandatoryWindow.
	Mandatory time.Duration
	// Recheck is how long credentials with no known expiry are handed out
	// before they are read again. Zero means DefaultRecheckInterval.
	Recheck time.Duration
}

// ErrInvalidPolicy is wrapped by Policy.Check's errors.
var ErrInvalidPolicy = errors.New("invalid freshness policy")

// Check reports a negative duration or a mandatory window longer than the
// advisory one.
func (p Policy) Check() error {
	if p.Advisory < 0 || p.Mandatory < 0 || p.Recheck < 0 {
		return fmt.Errorf("%w: a window or interval is negative", ErrInvalidPolicy)
	}
	if d := p.WithDefaults(); d.Mandatory > d.Advisory {
		return fmt.Errorf("%w: the mandatory window (%v) is longer than the advisory window (%v)", ErrInvalidPolicy, d.Mandatory, d.Advisory)
	}
	return nil
}

// WithDefaults returns p with its zero durations replaced by the defaults.
func (p Policy) WithDefaults() Policy {
	if p.Advisory == 0 {
		p.Advisory = DefaultAdvisoryWindow
	}
	if p.Mandatory == 0 {
		p.Mandatory = DefaultMandatoryWindow
	}
	if p.Recheck == 0 {
		p.Recheck = DefaultRecheckInterval
	}
	return p
}

// Freshness is what a Policy says about one set of credentials.
type Freshness struct {
	// FreshUntil is when renewal begins: the credentials are handed out as
	// they are before then. It is the start of the advisory window, or for
	// credentials with no known expiry, Recheck after they were obtained.
	FreshUntil time.Time
	// UsableUntil is the last moment the credentials may be handed out
	// while a renewal runs or after it failed: the start of the mandatory
	// window. Credentials with no known expiry are usable as long as they
	// are fresh: a failed re-read is an error.
	UsableUntil time.Time
	// Expires is the credentials' own expiry; zero when unknown.
	Expires time.Time
	// Obtained is when the credentials were obtained.
	Obtained time.Time
}

// Freshness applies the policy to credentials c obtained at obtained.
//
// Credentials that live less than twice the advisory window (a 15-minute
// assumed role, a test's 10-second credentials) have both windows shrunk in
// proportion to their lifetime, so that freshly issued credentials are not
// due for renewal from birth. Credentials whose issue time is unknown keep
// the full windows.
func (p Policy) Freshness(c creds.Credentials, obtained time.Time) Freshness {
	p = p.WithDefaults()
	f := Freshness{Obtained: obtained}
	if !c.HasExpiration() {
		f.FreshUntil = obtained.Add(p.Recheck)
		f.UsableUntil = f.FreshUntil
		return f
	}
	f.Expires = c.Expiration
	f.FreshUntil = c.Expiration.Add(-p.scale(c, p.Advisory))
	f.UsableUntil = c.Expiration.Add(-p.scale(c, p.Mandatory))
	return f
}

// scale shrinks the window d for credentials that live less than twice the
// advisory window.
func (p Policy) scale(c creds.Credentials, d time.Duration) time.Duration {
	if c.IssuedAt.IsZero() {
		return d
	}
	lifetime := c.Expiration.Sub(c.IssuedAt)
	if lifetime <= 0 || lifetime >= 2*p.Advisory {
		return d
	}
	return time.Duration(float64(d) * float64(lifetime) / float64(2*p.Advisory))
}

// clockWentBack reports whether now is well before the credentials were
// obtained: the clock was set back, and credentials with no known expiry
// are then read again at once.
func (f Freshness) clockWentBack(now time.Time) bool {
	return f.Expires.IsZero() && now.Before(f.Obtained.Add(-time.Minute))
}

// Fresh reports whether the credentials are handed out as they are at now.
func (f Freshness) Fresh(now time.Time) bool {
	return now.Before(f.FreshUntil) && !f.clockWentBack(now)
}

// Usable reports whether the credentials may still be handed out at now
// while a renewal runs or after it failed.
func (f Freshness) Usable(now time.Time) bool {
	return now.Before(f.UsableUntil) && !f.clockWentBack(now)
}

// Expired reports whether the credentials have a known expiry that has
// passed at now.
func (f Freshness) Expired(now time.Time) bool {
	return !f.Expires.IsZero() && !now.Before(f.Expires)
}

// RenewAt is when to try to renew the credentials next, at now, after
// failures consecutive attempts that did not give fresh credentials:
// FreshUntil before any failure; after one, a delay of 5 seconds doubling
// with each failure up to 5 minutes, but no later than UsableUntil while the
// credentials are usable, so that renewal gets a last try before they must
// be replaced.
func (f Freshness) RenewAt(now time.Time, failures int) time.Time {
	if failures <= 0 {
		return f.FreshUntil
	}
	at := now.Add(RetryDelay(failures))
	if now.Before(f.UsableUntil) && f.UsableUntil.Before(at) {
		at = f.UsableUntil
	}
	return at
}

// RetryDelay is how long to wait before trying again after the n-th
// consecutive failed renewal: 5 seconds, doubling, at most 5 minutes.
func RetryDelay(n int) time.Duration {
	d := firstRetry
	for i := 1; i < n && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

// State names the credentials' state at now, as status shows it: "valid",
// "renew soon" (inside the advisory window), "refresh needed" (inside the
// mandatory window), "expired", or "recheck due" (no known expiry, and not
// read again recently).
func (f Freshness) State(now time.Time) string {
	switch {
	case f.Expires.IsZero() && !f.Fresh(now):
		return "recheck due"
	case f.Expired(now):
		return "expired"
	case !f.Usable(now):
		return "refresh needed"
	case !f.Fresh(now):
		return "renew soon"
	}
	return "valid"
}
