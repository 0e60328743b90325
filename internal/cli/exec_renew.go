package cli

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// ssoWarnAhead is how long before an SSO session ends exec warns.
const ssoWarnAhead = 15 * time.Minute

// maxSleep bounds one wait of the background renewal, so that a clock
// that jumped (a laptop waking up) is noticed within minutes.
const maxSleep = 5 * time.Minute

// renewal decides when exec renews the endpoint's credentials in the
// background, by the engine's policy. It does no I/O.
type renewal struct {
	policy   engine.Policy
	fresh    engine.Freshness // of the credentials the endpoint serves
	failures int              // consecutive renewals that did not give fresh credentials
	// jitter returns how much earlier than due, at most max, to renew, so
	// that many programs do not renew at once; nil means none.
	jitter func(max time.Duration) time.Duration
}

// got records credentials obtained at now, by a renewal or by a request of
// the program. Credentials that are not fresh count as a failed renewal.
func (r *renewal) got(c creds.Credentials, now time.Time) {
	r.fresh = r.policy.Freshness(c, now)
	if r.fresh.Fresh(now) {
		r.failures = 0
	} else {
		r.failures++
	}
}

// failed records a renewal that gave nothing.
func (r *renewal) failed() { r.failures++ }

// next is when to renew next, seen at now. After a failure it backs off (5
// seconds doubling to 5 minutes, by the policy). ok is false once the
// credentials have expired or will have before the next try: silent
// renewals stop there, and the program's next request decides (it may run
// the login command).
func (r *renewal) next(now time.Time) (at time.Time, ok bool) {
	at = r.fresh.RenewAt(now, r.failures)
	if ahead := at.Sub(now); r.failures == 0 && ahead > 0 && r.jitter != nil {
		at = at.Add(-r.jitter(ahead / 10))
	}
	if !r.fresh.Expires.IsZero() && !at.Before(r.fresh.Expires) {
		return time.Time{}, false
	}
	return at, true
}

func randomJitter(max time.Duration) time.Duration {
	return time.Duration(rand.Int64N(int64(max) + 1))
}

// warnings lets exec say each thing once: a cause of failed renewals once
// until credentials are renewed again, anything else once for the run.
type warnings struct {
	mu    sync.Mutex
	said  map[string]bool // never forgotten
	renew map[string]bool // forgotten once credentials are renewed
}

// first reports whether key is new, and remembers it.
func (w *warnings) first(key string) bool { return w.firstIn(&w.said, key) }

// firstUntilRenewed reports whether key is new since the last renewal, and
// remembers it.
func (w *warnings) firstUntilRenewed(key string) bool { return w.firstIn(&w.renew, key) }

func (w *warnings) firstIn(m *map[string]bool, key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if (*m)[key] {
		return false
	}
	if *m == nil {
		*m = map[string]bool{}
	}
	(*m)[key] = true
	return true
}

// renewed forgets the causes of failed renewals.
func (w *warnings) renewed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.renew = nil
}

// renewer is exec's background renewal: silent only, it never runs the
// login command.
type renewer struct {
	eng     *engine.Engine
	srv     *credserver.Server
	profile source.Profile
	logf    func(format string, args ...any)
	debugf  func(format string, args ...any)
	// loginHint is the command the user runs to log in now (refreshLine).
	loginHint string
	warnings  *warnings
	now       func() time.Time
	// onRenewed, when set, sees every renewal.
	onRenewed func(creds.Credentials)

	obtainedCh chan creds.Credentials // credentials the program's requests obtained
	once       sync.Once
}

// obtained tells the renewal about credentials a request of the program
// obtained (perhaps after a login): it resumes renewing from them.
func (r *renewer) obtained(c creds.Credentials) {
	r.once.Do(func() { r.obtainedCh = make(chan creds.Credentials, 1) })
	for {
		select {
		case r.obtainedCh <- c:
			return
		default:
			select { // replace an older one nobody took yet
			case <-r.obtainedCh:
			default:
			}
		}
	}
}

// How sleepUntil ended.
const (
	byTimer = iota
	byRequest
	byCancel
)

// sleepUntil waits until at (at most maxSleep; for ever when !ok), until a
// request of the program obtained credentials, or until ctx ends.
func (r *renewer) sleepUntil(ctx context.Context, at time.Time, ok bool) (creds.Credentials, int) {
	var due <-chan time.Time
	if ok {
		t := time.NewTimer(min(max(at.Sub(r.now()), 0), maxSleep))
		defer t.Stop()
		due = t.C
	}
	select {
	case <-ctx.Done():
		return creds.Credentials{}, byCancel
	case c := <-r.obtainedCh:
		return c, byRequest
	case <-due:
		return creds.Credentials{}, byTimer
	}
}

// run renews in the background until ctx ends, starting from first, and
// warns before the SSO session ends.
func (r *renewer) run(ctx context.Context, first creds.Credentials) {
	r.once.Do(func() { r.obtainedCh = make(chan creds.Credentials, 1) })
	if r.now == nil {
		r.now = time.Now
	}
	if r.warnings == nil {
		r.warnings = &warnings{}
	}
	sched := &renewal{policy: r.eng.Policy(), jitter: randomJitter}
	sched.got(first, r.now())
	warnedEnding := false
	for {
		at, ok := sched.next(r.now())
		c, woke := r.sleepUntil(ctx, at, ok)
		switch {
		case ctx.Err() != nil:
			return
		case woke == byRequest:
			sched.got(c, r.now())
			if sched.failures == 0 {
				r.warnings.renewed()
			}
			continue
		case r.now().Before(at):
			continue // a capped wait: look again
		}
		res, err := r.eng.Renew(ctx)
		switch {
		case err == nil:
			sched.got(res.Credentials, r.now())
			if sched.failures == 0 {
				r.warnings.renewed()
			}
			r.srv.Update(res.Credentials)
			if r.onRenewed != nil {
				r.onRenewed(res.Credentials)
			}
		case ctx.Err() != nil:
			return
		default:
			sched.failed()
			r.debugf("background renewal: %v", creds.Redact(err.Error()))
			// The session is over but the credentials at hand still
			// work for a while: say so now, not when they run out.
			if engine.Classify(err).Rejected() && r.warnings.firstUntilRenewed("the login has ended") {
				left := "soon"
				if now := r.now(); !sched.fresh.Expires.IsZero() && sched.fresh.Expires.After(now) {
					left = "in " + wording.Duration(sched.fresh.Expires.Sub(now))
				}
				r.logf("warning: the AWS login for profile %q has ended and cannot be renewed silently; the current credentials expire %s, then the login command runs (log in now to avoid waiting: %s)",
					r.profile.Name, left, r.loginHint)
			}
		}
		// A session without a refresh token ends when its token does.
		if r.profile.IsSSO() && !warnedEnding {
			if s, err := source.LoadSSOSession(r.profile); err == nil && !s.Refreshable {
				if left := s.ExpiresAt.Sub(r.now()); left > 0 && left <= ssoWarnAhead {
					warnedEnding = true
					r.logf("warning: the SSO session for profile %q ends in %s; log in again before then (%s) to avoid an interruption", r.profile.Name, wording.Duration(left), r.loginHint)
				}
			}
		}
	}
}
