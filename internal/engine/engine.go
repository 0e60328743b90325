package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/source"
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
	// DefaultCacheDir(), and when there is none (no home directory) the
	// engine works without a cache and says so once. DisableCache turns
	// all of it off.
	CacheDir     string
	DisableCache bool
	// Verifier checks credentials with AWS; nil means STS GetCallerIdentity.
	Verifier Verifier
	// Nested is set when this process was started by a command awsfresh
	// runs: it may read credentials but never runs the login command.
	Nested bool
	// Policy decides when credentials are fresh, usable and due for
	// renewal; the zero value is the default policy.
	Policy Policy
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
	Timeout     time.Duration // deadline; awsfresh's default is 3 minutes
	Interactive bool          // stdin is the terminal instead of /dev/null
	Output      io.Writer     // where its stdout and stderr are shown
	// Refused, when set, is why the command may not run (it is not
	// trusted yet): a call that would run it fails with this error instead,
	// and no cooldown starts.
	Refused error
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
	cache    cache // never changed after New: a call that cannot use it works on a copy
	noCache  error // why there is no cache directory, when there is none but one was wanted
	warnOnce sync.Once
	verifier Verifier
	flights  flights
}

// New returns an Engine.
func New(opts Options) (*Engine, error) {
	if opts.Source == nil {
		return nil, errors.New("engine: Options.Source is required")
	}
	if err := opts.Policy.Check(); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if opts.Profile == "" {
		opts.Profile = "default"
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
				e.noCache = err
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

// Policy returns the engine's freshness policy: callers that keep
// credentials themselves decide with the same rule.
func (e *Engine) Policy() Policy { return e.opts.Policy }

// need is how much validity a caller needs.
type need int

const (
	needFresh  need = iota // fresh: beyond the advisory window
	needUsable             // usable: beyond the mandatory window
)

// request says what a caller needs.
type request struct {
	need     need
	login    bool   // the login command may run
	force    bool   // run the login command whatever the state
	rejected string // access key id a caller reported as rejected
}

// Credentials returns credentials valid beyond the advisory window: from
// the cache, else retrieved silently, else — when retrieval fails because
// the login expired — after running the login command once and retrying
// once. Inside the advisory window, when renewal fails, it serves the
// still-valid credentials with a warning. This is `awsfresh export`.
func (e *Engine) Credentials(ctx context.Context) (Result, error) {
	return e.get(ctx, request{need: needFresh, login: true})
}

// Refresh makes sure the credentials are valid beyond the mandatory
// window, running the login command only when they cannot be renewed
// silently, or always when force is set. This is `awsfresh refresh`.
func (e *Engine) Refresh(ctx context.Context, force bool) (Result, error) {
	return e.get(ctx, request{need: needUsable, login: true, force: force})
}

// Renew renews silently, never running the login command: for background
// work that must not pop a browser on its own.
func (e *Engine) Renew(ctx context.Context) (Result, error) {
	return e.get(ctx, request{need: needFresh})
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
// read, and whether they are fresh.
func (e *Engine) Cached() (creds.Credentials, bool) {
	rec, err := e.cache.load(e.opts.Profile, e.opts.Source.Key())
	if err != nil || rec.Credentials == nil {
		return creds.Credentials{}, false
	}
	_, ok := e.fromCache(rec, e.opts.Now(), request{need: needFresh})
	return rec.Credentials.value(), ok
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
		return e.get(ctx, request{need: needFresh, login: true, rejected: used.AccessKeyID})
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
			if r, ok := e.fromCache(rec, e.opts.Now(), req); ok {
				return r, nil
			}
		}
	}
	// One flight per kind of request in this process; the file lock
	// below serializes processes (and flights of different kinds).
	key := fmt.Sprintf("%v/%v/%v/%s", req.need, req.login, req.force, req.rejected)
	// A caller must not return while the command its flight started is
	// still being stopped; the flight ends promptly on its own once ctx
	// is done.
	for {
		r, err := e.flights.do(key, func() (Result, error) { return e.getLocked(ctx, req) })
		// A flight runs on its first caller's context: when that caller
		// went away, a caller still waiting starts a flight of its own.
		if err != nil && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, runcmd.ErrInterrupted)) {
			continue
		}
		return r, err
	}
}

// fromCache returns the cached credentials when they satisfy req at now.
// It does no I/O.
func (e *Engine) fromCache(rec record, now time.Time, req request) (Result, bool) {
	c := rec.Credentials
	if c == nil || c.AccessKeyID == req.rejected || !e.satisfies(c, now, req.need) {
		return Result{}, false
	}
	return Result{Credentials: c.value(), FromCache: true, Identity: c.Identity}, true
}

// satisfies reports whether c has what a caller needing n needs at now.
func (e *Engine) satisfies(c *cachedCreds, now time.Time, n need) bool {
	f := c.freshness(e.opts.Policy)
	if n == needUsable {
		return f.Usable(now)
	}
	return f.Fresh(now)
}

// fallbackFor returns what a call may still serve when renewing fails:
// c when it is usable at now and not the rejected key, else nil. Only a
// caller that needs fresh credentials is served a fallback: one that
// needs usable ones asked for a refresh, and a failed refresh is an error.
func (e *Engine) fallbackFor(c *cachedCreds, now time.Time, req request) *cachedCreds {
	if c == nil || req.need != needFresh || c.AccessKeyID == req.rejected || c.Expiration == nil ||
		!c.freshness(e.opts.Policy).Usable(now) {
		return nil
	}
	return c
}

// loginVerdict is what a call does when silent retrieval could not give
// what it needs.
type loginVerdict int

const (
	runLogin   loginVerdict = iota // run the login command
	orFallback                     // serve the fallback if there is one, else fail with the error
	failOnly                       // fail with the error, whatever is at hand
)

// decideLogin decides, with no I/O, whether the login command runs for
// req when silent retrieval failed with cause, given the record read
// under the lock at now; when it does not, the error says why.
func (e *Engine) decideLogin(rec record, now time.Time, req request, cause error) (loginVerdict, error) {
	switch {
	case !req.login:
		return orFallback, cause
	case e.opts.Nested && cause == nil: // a forced refresh
		return failOnly, ErrNested
	case e.opts.Nested:
		// The cause is told, not wrapped: the error is the refusal.
		return failOnly, fmt.Errorf("%w (%v)", ErrNested, cause)
	case e.opts.Login == nil && cause == nil: // a forced refresh
		return orFallback, fmt.Errorf("%w for profile %q", ErrNoLoginCommand, e.opts.Profile)
	case e.opts.Login == nil:
		return orFallback, fmt.Errorf("%w for profile %q: %w", ErrNoLoginCommand, e.opts.Profile, cause)
	case e.opts.Login.Refused != nil:
		return orFallback, e.opts.Login.Refused
	case !req.force && rec.Cooldown.holds(now, e.opts.Login.Command):
		cd := rec.Cooldown
		return orFallback, &CooldownError{Profile: e.opts.Profile, LastFailure: cd.LastFailure, Until: cd.until(),
			Failures: cd.Failures, LastError: cd.LastError, Now: now}
	}
	return runLogin, nil
}

// call is the state of one flight: the cache it uses (emptied when the
// directory turns out unusable), the record read under the lock, and the
// warnings so far.
type call struct {
	e        *Engine
	req      request
	cache    cache
	rec      record
	warnings []string
}

func (c *call) warn(msg string, cause error) {
	c.warnings = append(c.warnings, msg)
	c.e.emit(Event{Kind: EventWarning, Message: msg, Err: cause})
}

// withoutCache makes the rest of the call work without the cache
// directory, with a warning.
func (c *call) withoutCache(what string, err error) {
	c.warn(fmt.Sprintf("cannot %s the cache directory %s (%v); continuing without cache", what, c.cache.dir, err), err)
	c.cache.dir = ""
}

func (c *call) save() {
	if err := c.cache.store(c.rec); err != nil {
		c.withoutCache("write to", err)
	}
}

// succeed records g as the profile's credentials and returns them.
func (c *call) succeed(g got, loginRan bool) (Result, error) {
	c.rec.Credentials = g.cached
	c.rec.Cooldown = nil
	c.save()
	if g.warning != "" {
		c.warn(g.warning, nil)
	}
	return Result{Credentials: g.cached.value(), LoginRan: loginRan, Identity: g.cached.Identity, Warnings: c.warnings}, nil
}

// serveFallback serves fb, with a warning saying why renewing failed.
func (c *call) serveFallback(fb *cachedCreds, why error, now time.Time) (Result, error) {
	msg := fmt.Sprintf("could not renew the credentials for profile %q (%s); serving the current ones, which expire in %s",
		c.e.opts.Profile, summary(why), fb.Expiration.Sub(now).Round(time.Second))
	c.warnings = append(c.warnings, msg)
	c.e.emit(Event{Kind: EventRenewFailed, Message: msg, Err: why})
	return Result{Credentials: fb.value(), FromCache: true, Identity: fb.Identity, Warnings: c.warnings}, nil
}

// orFallback serves fb if there is one, else returns err.
func (c *call) orFallback(fb *cachedCreds, err error) (Result, error) {
	if fb != nil {
		return c.serveFallback(fb, err, c.e.opts.Now())
	}
	return Result{}, err
}

func (e *Engine) getLocked(ctx context.Context, req request) (Result, error) {
	c := &call{e: e, req: req, cache: e.cache}
	if e.noCache != nil {
		e.warnOnce.Do(func() {
			c.warn(fmt.Sprintf("no cache directory (%v); continuing without cache", e.noCache), e.noCache)
		})
	}
	lockCtx, cancel := context.WithTimeout(ctx, e.lockWait())
	unlock, note, err := c.cache.lock(lockCtx, e.opts.Profile)
	cancel()
	if note != "" {
		c.warn(note, nil)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return Result{}, &WaitError{Profile: e.opts.Profile, Err: ctx.Err()}
	case errors.Is(err, context.DeadlineExceeded):
		return Result{}, fmt.Errorf("timed out after %s waiting for another refresh of profile %q to finish", e.lockWait(), e.opts.Profile)
	case err != nil:
		c.withoutCache("use", err)
		unlock = func() {}
	}
	defer unlock()

	c.rec, err = c.cache.load(e.opts.Profile, e.opts.Source.Key())
	switch {
	case errors.Is(err, errCorruptCache):
		c.warn("the cache file for profile "+e.opts.Profile+" was corrupt; it will be rewritten", nil)
	case errors.Is(err, errUntrustedCache):
		c.warn(fmt.Sprintf("ignoring the cache file for profile %q (%v); it will be rewritten", e.opts.Profile, err), err)
	case errors.Is(err, errUntrustedCacheDir):
		c.withoutCache("use", err) // changed since the lock was taken
	}
	now := e.opts.Now()
	// Another caller may have refreshed while we waited for the lock.
	if !req.force {
		if r, ok := e.fromCache(c.rec, now, req); ok {
			r.Warnings = c.warnings
			return r, nil
		}
	}
	fallback := e.fallbackFor(c.rec.Credentials, now, req)

	// 1. Silent retrieval: always allowed, even in a cooldown (a login
	// done in another terminal is picked up here).
	var cause error
	if !req.force {
		g, err := e.retrieve(ctx, c.rec.Credentials, req.rejected)
		now = e.opts.Now()
		switch {
		case err == nil && e.satisfies(g.cached, now, req.need):
			return c.succeed(g, false)
		case err == nil:
			cause = fmt.Errorf("the credentials obtained expire in %s", g.cached.Expiration.Sub(now).Round(time.Second))
			if fb := e.fallbackFor(g.cached, now, req); fb != nil {
				fallback = fb
			}
		case !loginMayFix(err):
			return c.orFallback(fallback, err)
		default:
			cause = err
		}
	}

	// 2. The login command: only when the caller may run it, it exists,
	// and no cooldown holds it back.
	switch verdict, err := e.decideLogin(c.rec, now, req, cause); verdict {
	case orFallback:
		return c.orFallback(fallback, err)
	case failOnly:
		return Result{}, err
	}
	if err := e.runLogin(ctx, cause); err != nil {
		if !errors.Is(err, runcmd.ErrInterrupted) {
			c.rec.Cooldown = c.rec.Cooldown.fail(e.opts.Now(), e.opts.Login.Command, err)
			c.save()
		}
		return c.orFallback(fallback, err)
	}

	// 3. Retrieve again, once. Still invalid is final.
	g, err := e.retrieve(ctx, nil, req.rejected)
	now = e.opts.Now()
	if err == nil && e.satisfies(g.cached, now, needUsable) {
		return c.succeed(g, true)
	}
	if err == nil {
		err = fmt.Errorf("they expire in %s", g.cached.Expiration.Sub(now).Round(time.Second))
	}
	final := &StillInvalidError{Profile: e.opts.Profile, Err: err}
	c.rec.Cooldown = c.rec.Cooldown.fail(now, e.opts.Login.Command, final)
	c.save()
	return Result{}, final
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
		prev.VerifiedAt != nil && e.opts.Policy.Freshness(v, *prev.VerifiedAt).Fresh(now) {
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
			tail = creds.Redact(string(res.StderrTail), e.knownSecrets(l.Env)...)
		}
	}
	if err != nil {
		le := &LoginError{Profile: e.opts.Profile, Command: l.Command, Err: err, StderrTail: tail, LastCause: cause}
		e.emit(Event{Kind: EventLoginFailed, Command: l.Command, Elapsed: elapsed, Err: le})
		return le
	}
	e.emit(Event{Kind: EventLoginFinished, Command: l.Command, Elapsed: elapsed})
	return nil
}

// knownSecrets are the secrets a login's output may repeat: those of the
// cached credentials and of the environment it ran with.
func (e *Engine) knownSecrets(env []string) []string {
	known := creds.EnvSecrets(env)
	if rec, err := e.cache.load(e.opts.Profile, e.opts.Source.Key()); err == nil && rec.Credentials != nil {
		known = append(known, rec.Credentials.value().Secrets()...)
	}
	return known
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
