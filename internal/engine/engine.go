package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/source"
)

// The SPEC's windows before expiry.
const (
	DefaultAdvisoryWindow  = 15 * time.Minute // try to refresh; on failure keep serving with a warning
	DefaultMandatoryWindow = 10 * time.Minute // must refresh; on failure, error
	DefaultRecheckInterval = 15 * time.Minute // credentials with no known expiry are re-read this often
)

// Options configures an Engine.
type Options struct {
	// Profile names the credentials: cache, lock and cooldown are per profile.
	Profile string
	// Source retrieves credentials silently. Required.
	Source source.Source
	// Login is the login command; nil when none is configured.
	Login *Login
	// CacheDir holds the cache, lock and cooldown files; "" means
	// DefaultCacheDir(). DisableCache turns all of it off.
	CacheDir     string
	DisableCache bool
	// Verifier checks credentials with AWS; nil means STS GetCallerIdentity.
	Verifier Verifier
	// Nested is set when this process was started by a command awsfresh
	// runs: it may read credentials but never runs the login command.
	Nested bool
	// Windows; zero values mean the defaults above.
	AdvisoryWindow, MandatoryWindow, RecheckInterval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnEvent, when set, is told what the engine does. It must not block.
	OnEvent func(Event)
}

// Login describes the user's login command (awsAuthRefresh), or a
// built-in login.
type Login struct {
	// Command is the shell command line; with Builtin set, it only names
	// the login in events, errors and the cooldown.
	Command string
	// Builtin, when set, runs instead of Command, in this process (the
	// built-in IAM Identity Center sign-in), showing what the user must do
	// on out. It is bounded like a command: its ctx ends at Timeout or when
	// the caller's does, and such an end is reported as a command's
	// (*runcmd.TimeoutError, runcmd.ErrInterrupted).
	Builtin     func(ctx context.Context, out io.Writer) error
	Env         []string      // full environment; nil means os.Environ()
	Timeout     time.Duration // deadline; the SPEC's default is 3 minutes
	Interactive bool          // stdin is the terminal instead of /dev/null
	Output      io.Writer     // where its stdout and stderr are shown
}

// Result is what a successful call returns.
type Result struct {
	Credentials creds.Credentials
	FromCache   bool     // served from the disk cache without retrieving
	LoginRan    bool     // the login command ran in this call
	Identity    string   // ARN, when verified
	Warnings    []string // things the user should know, e.g. served inside the advisory window after a failed refresh
}

// Engine decides when and how to get credentials for one profile. It is
// safe for concurrent use; so are several Engines, in one or many
// processes, sharing a cache directory.
type Engine struct {
	opts     Options
	cache    cache
	verifier Verifier
	flights  singleflight.Group
}

// New returns an Engine.
func New(opts Options) (*Engine, error) {
	if opts.Source == nil {
		return nil, errors.New("engine: Options.Source is required")
	}
	if opts.Profile == "" {
		opts.Profile = "default"
	}
	if opts.AdvisoryWindow == 0 {
		opts.AdvisoryWindow = DefaultAdvisoryWindow
	}
	if opts.MandatoryWindow == 0 {
		opts.MandatoryWindow = DefaultMandatoryWindow
	}
	if opts.RecheckInterval == 0 {
		opts.RecheckInterval = DefaultRecheckInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Engine{opts: opts, verifier: opts.Verifier}
	if e.verifier == nil {
		e.verifier = &STSVerifier{}
	}
	if !opts.DisableCache {
		dir := opts.CacheDir
		if dir == "" {
			d, err := DefaultCacheDir()
			if err != nil {
				return nil, fmt.Errorf("engine: no cache directory: %w", err)
			}
			dir = d
		}
		e.cache.dir = dir
	}
	return e, nil
}

// Profile returns the profile the engine serves.
func (e *Engine) Profile() string { return e.opts.Profile }

// Source returns the engine's credential source.
func (e *Engine) Source() source.Source { return e.opts.Source }

// request says what a caller needs.
type request struct {
	threshold time.Duration // credentials must stay valid at least this long
	login     bool          // the login command may run
	force     bool          // run the login command whatever the state
	rejected  string        // access key id a caller reported as rejected
}

// Credentials returns credentials valid beyond the advisory window: from
// the cache, else retrieved silently, else — when retrieval fails because
// the login expired — after running the login command once and retrying
// once. Inside the advisory window, when renewal fails, it serves the
// still-valid credentials with a warning. This is `awsfresh export`.
func (e *Engine) Credentials(ctx context.Context) (Result, error) {
	return e.get(ctx, request{threshold: e.opts.AdvisoryWindow, login: true})
}

// Refresh makes sure the credentials are valid beyond the mandatory
// window, running the login command only when they cannot be renewed
// silently, or always when force is set. This is `awsfresh refresh`.
func (e *Engine) Refresh(ctx context.Context, force bool) (Result, error) {
	return e.get(ctx, request{threshold: e.opts.MandatoryWindow, login: true, force: force})
}

// Renew renews silently, never running the login command: for background
// work that must not pop a browser on its own.
func (e *Engine) Renew(ctx context.Context) (Result, error) {
	return e.get(ctx, request{threshold: e.opts.AdvisoryWindow})
}

// Login runs the login now, once, bounded, whatever the credentials' state,
// without retrieving credentials or touching the cooldown: this is
// `awsfresh login`. Its error is a *LoginError.
func (e *Engine) Login(ctx context.Context) error {
	if e.opts.Login == nil {
		return fmt.Errorf("%w for profile %q", ErrNoLoginCommand, e.opts.Profile)
	}
	return e.runLogin(ctx, nil)
}

// Cached returns the cached credentials without any I/O but the cache
// read, and whether they are valid beyond the advisory window.
func (e *Engine) Cached() (creds.Credentials, bool) {
	rec, err := e.cache.load(e.opts.Profile, e.opts.Source.Key())
	if err != nil || rec.Credentials == nil {
		return creds.Credentials{}, false
	}
	_, ok := e.fresh(rec, e.opts.Now(), request{threshold: e.opts.AdvisoryWindow})
	return rec.Credentials.value(), ok
}

// RenewAt is when the cached credentials enter their advisory window
// (scaled for short-lived ones), the time for a silent renewal; ok is false
// when nothing usable is cached or the expiry is unknown, in which case
// RenewAt is when they are due for a re-read.
func (e *Engine) RenewAt() (at time.Time, ok bool) {
	rec, err := e.cache.load(e.opts.Profile, e.opts.Source.Key())
	if err != nil || rec.Credentials == nil {
		return e.opts.Now(), false
	}
	c := rec.Credentials
	if c.Expiration == nil {
		return c.ObtainedAt.Add(e.opts.RecheckInterval), false
	}
	return c.Expiration.Add(-c.window(e.opts.AdvisoryWindow, e.opts.AdvisoryWindow)), true
}

// Reject is called when AWS refused a request made with used. When the
// error means the credentials were rejected (expired, unknown, revoked),
// it forgets them and gets new ones as Credentials does. Any other error
// (a missing permission, a wrong clock) is returned as a *DiagnosedError
// and nothing is refreshed.
func (e *Engine) Reject(ctx context.Context, used creds.Credentials, awsErr error) (Result, error) {
	kind := Classify(awsErr)
	switch kind {
	case KindLoginExpired, KindNoCredentials:
		e.emit(Event{Kind: EventRejected, Err: awsErr})
		return e.get(ctx, request{threshold: e.opts.AdvisoryWindow, login: true, rejected: used.AccessKeyID})
	case KindAccessDenied:
		identity, _ := e.verifier.Verify(ctx, used, e.opts.Source.Region())
		return Result{}, &DiagnosedError{Kind: kind, Identity: identity, Err: awsErr}
	case KindClockSkew, KindNetwork, KindServiceError:
		return Result{}, &DiagnosedError{Kind: kind, Err: awsErr}
	}
	return Result{}, awsErr
}

func (e *Engine) get(ctx context.Context, req request) (Result, error) {
	if !req.force {
		rec, err := e.cache.load(e.opts.Profile, e.opts.Source.Key())
		if err == nil {
			if r, ok := e.fresh(rec, e.opts.Now(), req); ok {
				return r, nil
			}
		}
	}
	// One flight per kind of request in this process; the file lock
	// below serializes processes (and flights of different kinds).
	key := fmt.Sprintf("%v/%v/%v/%s", req.threshold, req.login, req.force, req.rejected)
	// Do, not DoChan: a caller must not return while the command its
	// flight started is still being stopped; the flight ends promptly on
	// its own once ctx is done.
	for {
		v, err, _ := e.flights.Do(key, func() (any, error) { return e.getLocked(ctx, req) })
		// A flight runs on its first caller's context: when that caller
		// went away, a caller still waiting starts a flight of its own.
		if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, runcmd.ErrInterrupted)) {
			continue
		}
		r, _ := v.(Result)
		return r, err
	}
}

// fresh reports whether the cached credentials satisfy req.
func (e *Engine) fresh(rec record, now time.Time, req request) (Result, bool) {
	c := rec.Credentials
	if c == nil || (req.rejected != "" && c.AccessKeyID == req.rejected) {
		return Result{}, false
	}
	if c.Expiration != nil {
		if c.Expiration.Sub(now) <= c.window(req.threshold, e.opts.AdvisoryWindow) {
			return Result{}, false
		}
	} else if now.Sub(c.ObtainedAt) >= e.opts.RecheckInterval || now.Before(c.ObtainedAt.Add(-time.Minute)) {
		// Re-read credentials with no known expiry regularly, and at once
		// when the clock went backwards.
		return Result{}, false
	}
	return Result{Credentials: c.value(), FromCache: true, Identity: c.Identity}, true
}

func (e *Engine) getLocked(ctx context.Context, req request) (Result, error) {
	var warnings []string
	warn := func(msg string) {
		warnings = append(warnings, msg)
		e.emit(Event{Kind: EventWarning, Message: msg})
	}
	lockCtx, cancel := context.WithTimeout(ctx, e.lockWait())
	unlock, err := e.lockProfile(lockCtx)
	cancel()
	switch {
	case err != nil && ctx.Err() != nil:
		return Result{}, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return Result{}, fmt.Errorf("timed out after %s waiting for another refresh of profile %q to finish", e.lockWait(), e.opts.Profile)
	case err != nil:
		warn(fmt.Sprintf("cannot use the cache directory %s (%v); continuing without cache", e.cache.dir, err))
		e.cache.dir = ""
		unlock = func() {}
	}
	defer unlock()

	rec, err := e.cache.load(e.opts.Profile, e.opts.Source.Key())
	if errors.Is(err, errCorruptCache) {
		warn("the cache file for profile " + e.opts.Profile + " was corrupt; it will be rewritten")
	}
	now := e.opts.Now()
	// Another caller may have refreshed while we waited for the lock.
	if !req.force {
		if r, ok := e.fresh(rec, now, req); ok {
			r.Warnings = warnings
			return r, nil
		}
	}
	save := func() {
		if err := e.cache.store(rec); err != nil {
			warn(fmt.Sprintf("cannot write the cache in %s (%v); continuing without cache", e.cache.dir, err))
			e.cache.dir = ""
		}
	}
	succeed := func(g got, loginRan bool) (Result, error) {
		rec.Credentials = g.cached
		rec.Cooldown = nil
		save()
		if g.warning != "" {
			warn(g.warning)
		}
		return Result{Credentials: g.cached.value(), LoginRan: loginRan, Identity: g.cached.Identity, Warnings: warnings}, nil
	}

	// fallback is what may still be served when renewal fails: valid
	// beyond the mandatory window, and not the rejected key.
	var fallback *cachedCreds
	usable := func(c *cachedCreds) bool {
		return c != nil && c.AccessKeyID != req.rejected && c.Expiration != nil &&
			c.Expiration.Sub(e.opts.Now()) > c.window(e.opts.MandatoryWindow, e.opts.AdvisoryWindow)
	}
	if usable(rec.Credentials) {
		fallback = rec.Credentials
	}
	serveFallback := func(why error) (Result, bool) {
		if fallback == nil || req.threshold <= e.opts.MandatoryWindow {
			return Result{}, false
		}
		warn(fmt.Sprintf("could not renew the credentials for profile %q (%s); serving the current ones, which expire in %s",
			e.opts.Profile, summary(why), fallback.Expiration.Sub(e.opts.Now()).Round(time.Second)))
		return Result{Credentials: fallback.value(), FromCache: true, Identity: fallback.Identity, Warnings: warnings}, true
	}

	// 1. Silent retrieval: always allowed, even in a cooldown (a login
	// done in another terminal is picked up here).
	var cause error
	if !req.force {
		g, err := e.retrieve(ctx, rec.Credentials, req.rejected)
		switch {
		case err == nil && e.goodFor(g.cached, req.threshold):
			return succeed(g, false)
		case err == nil:
			cause = fmt.Errorf("the credentials obtained expire in %s", g.cached.Expiration.Sub(e.opts.Now()).Round(time.Second))
			if usable(g.cached) {
				fallback = g.cached
			}
		case !loginMayFix(err):
			if r, ok := serveFallback(err); ok {
				return r, nil
			}
			return Result{}, err
		default:
			cause = err
		}
	}

	// 2. The login command: only when the caller may run it, it exists,
	// and no cooldown holds it back.
	switch {
	case !req.login:
		if r, ok := serveFallback(cause); ok {
			return r, nil
		}
		return Result{}, cause
	case e.opts.Nested:
		return Result{}, fmt.Errorf("%w (%v)", ErrNested, cause)
	case e.opts.Login == nil:
		if r, ok := serveFallback(cause); ok {
			return r, nil
		}
		return Result{}, fmt.Errorf("%w for profile %q: %w", ErrNoLoginCommand, e.opts.Profile, cause)
	case !req.force && rec.Cooldown.holds(now, e.opts.Login.Command):
		if r, ok := serveFallback(cause); ok {
			return r, nil
		}
		cd := rec.Cooldown
		return Result{}, &CooldownError{Profile: e.opts.Profile, LastFailure: cd.LastFailure, Until: cd.until(),
			Failures: cd.Failures, LastError: cd.LastError, Now: now}
	}
	if err := e.runLogin(ctx, cause); err != nil {
		if !errors.Is(err, runcmd.ErrInterrupted) {
			rec.Cooldown = rec.Cooldown.fail(e.opts.Now(), e.opts.Login.Command, err)
			save()
		}
		if r, ok := serveFallback(err); ok {
			return r, nil
		}
		return Result{}, err
	}

	// 3. Retrieve again, once. Still invalid is final.
	g, err := e.retrieve(ctx, nil, req.rejected)
	if err == nil && e.goodFor(g.cached, e.opts.MandatoryWindow) {
		return succeed(g, true)
	}
	if err == nil {
		err = fmt.Errorf("they expire in %s", g.cached.Expiration.Sub(e.opts.Now()).Round(time.Second))
	}
	final := &StillInvalidError{Profile: e.opts.Profile, Err: err}
	rec.Cooldown = rec.Cooldown.fail(e.opts.Now(), e.opts.Login.Command, final)
	save()
	return Result{}, final
}

// goodFor reports whether c stays valid longer than the window d, scaled
// to c's lifetime (credentials without a known expiry were just verified or
// could not be).
func (e *Engine) goodFor(c *cachedCreds, d time.Duration) bool {
	return c.Expiration == nil || c.Expiration.Sub(e.opts.Now()) > c.window(d, e.opts.AdvisoryWindow)
}

// lockWait bounds the wait for another refresh: its login command may run
// up to its timeout, plus the kill grace.
func (e *Engine) lockWait() time.Duration {
	if e.opts.Login != nil && e.opts.Login.Timeout > 0 {
		return e.opts.Login.Timeout + 30*time.Second
	}
	return 3*time.Minute + 30*time.Second
}

// loginMayFix reports whether running the login command could cure err:
// the login expired, nothing is configured yet, or the export command
// failed (as `aws configure export-credentials` does when the SSO
// session ended). Garbage output, timeouts, permission and clock
// problems are not cured by a login.
func loginMayFix(err error) bool {
	if Classify(err).Rejected() {
		return true
	}
	var ce *source.CommandError
	var exit *runcmd.ExitError
	return errors.As(err, &ce) && errors.As(err, &exit)
}

// got is a retrieval's outcome.
type got struct {
	cached  *cachedCreds
	warning string
}

// retrieve gets credentials from the source and verifies them with STS
// when their expiry is unknown, unless prev (the cache) verified the same
// key recently.
//
// Credentials equal to the rejected ones (a source replaying a stale
// cache) are always verified, whatever their expiry says.
func (e *Engine) retrieve(ctx context.Context, prev *cachedCreds, rejected string) (got, error) {
	e.emit(Event{Kind: EventRetrieve, Message: e.opts.Source.Describe()})
	v, err := e.opts.Source.Retrieve(ctx)
	if err != nil {
		return got{}, err
	}
	now := e.opts.Now()
	c := newCachedCreds(v, now)
	again := rejected != "" && v.AccessKeyID == rejected
	if v.HasExpiration() && !again {
		if v.Expiration.Before(now) {
			return got{cached: c}, fmt.Errorf("%s returned credentials that expired %s ago", e.opts.Source.Describe(), now.Sub(v.Expiration).Round(time.Second))
		}
		return got{cached: c}, nil
	}
	if !again && prev != nil && prev.AccessKeyID == v.AccessKeyID && prev.SecretAccessKey == v.SecretAccessKey &&
		prev.VerifiedAt != nil && now.Sub(*prev.VerifiedAt) < e.opts.RecheckInterval {
		c.VerifiedAt, c.Identity = prev.VerifiedAt, prev.Identity
		return got{cached: c}, nil
	}
	identity, err := e.verifier.Verify(ctx, v, e.opts.Source.Region())
	switch kind := Classify(err); {
	case err == nil:
		c.VerifiedAt, c.Identity = &now, identity
		return got{cached: c}, nil
	case kind == KindNetwork:
		// A network failure says nothing about the credentials.
		return got{cached: c, warning: "could not verify the credentials with AWS STS (network); using them unverified"}, nil
	case kind == KindServiceError:
		return got{cached: c, warning: "could not verify the credentials with AWS STS (it answered with a server error); using them unverified"}, nil
	case kind == KindClockSkew, kind == KindAccessDenied:
		return got{}, &DiagnosedError{Kind: kind, Err: err}
	default:
		return got{}, err
	}
}

func (e *Engine) runLogin(ctx context.Context, cause error) error {
	l := e.opts.Login
	e.emit(Event{Kind: EventLoginStarted, Command: l.Command, Timeout: l.Timeout, Err: cause})
	elapsed := time.Duration(0)
	tail := ""
	var err error
	if l.Builtin != nil {
		elapsed, err = l.runBuiltin(ctx)
	} else {
		var res *runcmd.Result
		res, err = runcmd.Run(ctx, runcmd.Options{
			Command:     l.Command,
			Env:         l.Env,
			Timeout:     l.Timeout,
			Interactive: l.Interactive,
			Mode:        runcmd.Stream,
			Stderr:      l.Output,
		})
		if res != nil {
			elapsed = res.Elapsed
			tail = creds.Redact(string(res.StderrTail))
		}
	}
	if err != nil {
		le := &LoginError{Command: l.Command, Err: err, StderrTail: tail, LastCause: cause}
		e.emit(Event{Kind: EventLoginFailed, Command: l.Command, Elapsed: elapsed, Err: le})
		return le
	}
	e.emit(Event{Kind: EventLoginFinished, Command: l.Command, Elapsed: elapsed})
	return nil
}

// runBuiltin runs l.Builtin bounded by l.Timeout, and words its end at the
// deadline or on cancellation as runcmd words a command's.
func (l *Login) runBuiltin(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	bctx, cancel := ctx, context.CancelFunc(func() {})
	if l.Timeout > 0 {
		bctx, cancel = context.WithTimeout(ctx, l.Timeout)
	}
	defer cancel()
	err := l.Builtin(bctx, l.Output)
	elapsed := time.Since(start)
	switch {
	case err == nil:
		return elapsed, nil
	case errors.Is(ctx.Err(), context.Canceled):
		return elapsed, fmt.Errorf("%w: %w", runcmd.ErrInterrupted, err)
	case bctx.Err() != nil:
		d := l.Timeout
		if dl, ok := bctx.Deadline(); ok {
			d = dl.Sub(start).Round(time.Millisecond)
		}
		return elapsed, &runcmd.TimeoutError{Timeout: d}
	}
	return elapsed, err
}

func (e *Engine) emit(ev Event) {
	if e.opts.OnEvent != nil {
		ev.Profile = e.opts.Profile
		ev.Time = e.opts.Now()
		e.opts.OnEvent(ev)
	}
}
