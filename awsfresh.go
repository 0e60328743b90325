package awsfresh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"golang.org/x/sync/singleflight"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/ssologin"
)

// DefaultTimeout is the deadline of the login and export commands when
// [Options.Timeout] is zero, the same as Claude Code's.
const DefaultTimeout = 3 * time.Minute

// CredentialsSource is the aws.Credentials Source of the credentials a
// [Provider] hands out.
const CredentialsSource = "awsfresh"

// Options configures a [Provider] built by [New]. The zero value is usable:
// the SDK's default credential chain for $AWS_PROFILE (or "default"), no
// login command, a 3-minute timeout, the shared disk cache, login output on
// os.Stderr, and no logging.
type Options struct {
	// Profile is the shared config profile. It names the credentials in
	// the disk cache and selects the profile of the SDK's credential chain
	// and of Config. "" means $AWS_PROFILE, then "default".
	Profile string

	// LoginCommand is the shell command line that logs in again when the
	// credentials cannot be renewed silently, like Claude Code's
	// awsAuthRefresh: for example "aws sso login --profile dev". Its output
	// goes to LoginOutput; its stdin is /dev/null, so a prompt fails fast
	// instead of hanging. "" means: for an IAM Identity Center profile, the
	// login SSOLogin chooses; for any other, none (such a failure is then
	// returned as a *RefreshError matching ErrNoLoginCommand).
	LoginCommand string

	// SSOLogin chooses the login of an IAM Identity Center profile when
	// LoginCommand is "". The zero value, SSOLoginBuiltin, is awsfresh's
	// own sign-in (as `awsfresh login`): in a desktop session a browser
	// opens; elsewhere (SSH, containers, no display) a URL and a code to
	// approve on any device are written to LoginOutput.
	SSOLogin SSOLogin

	// ExportCommand is a shell command line that prints credentials JSON
	// on stdout, like Claude Code's awsCredentialExport (the
	// credential_process format and `aws sts` output are accepted too).
	// "" means the AWS SDK for Go v2's default credential chain for Profile,
	// which renews role credentials from a still-valid SSO session and the
	// SSO session itself through its refresh token.
	ExportCommand string

	// Env is the environment of the login and export commands, as in
	// exec.Cmd.Env; nil means the current process's environment.
	Env []string

	// Timeout is the deadline of each run of the login and export commands;
	// at the deadline the command's whole process group is stopped. Zero
	// means DefaultTimeout.
	Timeout time.Duration

	// CacheDir holds the disk cache shared with other Providers and awsfresh
	// processes: the last good credentials, the login cooldown and the
	// one-refresh-at-a-time lock, per profile. "" means the awsfresh
	// command's: $AWSFRESH_CACHE_DIR, else awsfresh under the user's cache
	// directory (~/.cache/awsfresh); with no home directory, or when the
	// directory cannot be used, the Provider goes on without it (a Warning
	// event says so) and tries it again on the next refresh. On Unix the
	// directory must be the user's own: one others can write is made
	// private (0700), one of another user is not used, and a record file
	// another user owns or can write is ignored and rewritten.
	CacheDir string

	// LoginOutput receives the login command's stdout and stderr (which may
	// tell the user to open a URL and enter a code). nil means os.Stderr;
	// use io.Discard to hide it.
	LoginOutput io.Writer

	// Logger, when set, receives every Event and, at debug level, the
	// routine steps (silent renewals). It never receives a secret. nil
	// means no logging.
	Logger *slog.Logger

	// OnEvent, when set, is called for every Event, synchronously and
	// possibly from several goroutines at once. It must not block. nil
	// means none.
	OnEvent func(Event)
}

// A Provider hands out AWS credentials for one profile and keeps them
// fresh. It implements aws.CredentialsProvider and is safe for concurrent
// use by any number of goroutines and SDK clients.
//
// When credentials are renewed is fixed: from 15 minutes before they
// expire the Provider renews them silently, handing out the current ones
// meanwhile and when that fails; from 10 minutes before, it hands them out
// no more and must get new ones, running the login command if it has to.
// Both windows shrink in proportion for credentials that live less than
// 30 minutes. Credentials with no known expiry (long-term keys) are read
// again every 15 minutes.
//
// Use a Provider as the Credentials of an aws.Config or of a client's
// Options directly, as [Provider.Config] does: it caches in memory itself.
// Wrapped in an aws.CredentialsCache (config.LoadDefaultConfig with
// config.WithCredentialsProvider does that) it still works, but renews only
// when the cache asks, at the credentials' expiry (less the cache's
// ExpiryWindow); give that cache to [WithRefreshRetry] so that a call whose
// credentials AWS rejected is retried with new ones.
type Provider struct {
	eng     *engine.Engine
	profile string
	timeout time.Duration
	policy  engine.Policy
	now     func() time.Time
	logger  *slog.Logger
	onEvent func(Event)
	sdkOpts []func(*config.LoadOptions) error
	login   string   // the login command (for the built-in sign-in, its name), "" for none
	export  string   // the export command, "" for the SDK chain
	env     []string // the commands' environment, nil for the process's

	flights singleflight.Group
	logins  atomic.Int32 // login commands running

	mu       sync.Mutex
	cur      creds.Credentials
	fresh    engine.Freshness // of cur
	have     bool
	until    time.Time // cur is handed out without asking the engine until then, while usable
	failures int       // consecutive renewals that did not give fresh credentials
	renewing bool      // a silent renewal inside the advisory window is running
	handed   []string  // access key IDs handed out recently, oldest first
	rejected []rejection
}

// rejection is an access key ID AWS rejected, and how.
type rejection struct {
	keyID string
	err   error
}

// Bounds of the Provider's small memories.
const (
	maxHanded   = 16
	maxRejected = 16
)

// SSOLogin chooses the login of an IAM Identity Center profile that has no
// login command.
type SSOLogin int

// The logins of an IAM Identity Center profile.
const (
	SSOLoginBuiltin SSOLogin = iota // awsfresh's own sign-in, which needs no AWS CLI
	SSOLoginAWSCLI                  // aws sso login --profile P
	SSOLoginNone                    // none: a login that is needed is an error
)

func (s SSOLogin) resolve() resolve.SSOLogin {
	switch s {
	case SSOLoginAWSCLI:
		return resolve.SSOLoginAWSCLI
	case SSOLoginNone:
		return resolve.SSOLoginNone
	}
	return resolve.SSOLoginBuiltin
}

// New returns a Provider configured by opts. It reads the shared config
// file, when LoginCommand is "", to see whether the profile uses IAM
// Identity Center, and does no other I/O: the first credentials are
// obtained by the first Retrieve.
func New(opts Options) (*Provider, error) {
	profile := opts.Profile
	if profile == "" {
		profile = os.Getenv("AWS_PROFILE")
	}
	if profile == "" {
		profile = "default"
	}
	c := providerConfig{Options: opts, profile: profile}
	c.chooseSSOLogin()
	return newProvider(c)
}

// chooseSSOLogin sets the login of an IAM Identity Center profile that has
// no login command, as SSOLogin says.
func (c *providerConfig) chooseSSOLogin() {
	if c.LoginCommand != "" || c.SSOLogin == SSOLoginNone {
		return
	}
	// A profile that cannot be read gets no login; Retrieve reports why.
	if info, err := source.LoadProfile(context.Background(), c.profile, c.sdkOpts...); err == nil && info.IsSSO() {
		if c.SSOLogin == SSOLoginAWSCLI {
			c.LoginCommand = resolve.AWSCLILoginCommand(c.profile)
		} else {
			c.signIn = &info.SSO
		}
	}
}

// providerConfig is what New and FromSettings decided, and what tests
// set.
type providerConfig struct {
	Options
	profile string
	sdkOpts []func(*config.LoadOptions) error
	nested  bool
	region  string
	policy  engine.Policy         // tests: short windows
	now     func() time.Time      // tests: a clock they advance; nil means time.Now
	adjust  func(*engine.Options) // tests: a fake source or verifier
	// signIn, when set and LoginCommand is "", is the IAM Identity Center
	// session the built-in sign-in logs in to.
	signIn *ssologin.Session
}

func newProvider(c providerConfig) (*Provider, error) {
	if c.Timeout < 0 {
		return nil, errors.New("awsfresh: Options.Timeout must not be negative")
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	now := c.now
	if now == nil {
		now = time.Now
	}
	p := &Provider{
		profile: c.profile,
		timeout: timeout,
		policy:  c.policy,
		now:     now,
		logger:  c.Logger,
		onEvent: c.OnEvent,
		sdkOpts: c.sdkOpts,
		login:   c.LoginCommand,
		export:  c.ExportCommand,
		env:     c.Env,
	}
	var src source.Source
	if c.ExportCommand != "" {
		src = &source.Command{Command: c.ExportCommand, Env: c.Env, Timeout: timeout, RegionName: c.region}
	} else {
		src = &source.SDKChain{Profile: c.profile, LoadOptions: c.sdkOpts, Timeout: min(timeout, source.DefaultSDKTimeout)}
	}
	eopts := engine.Options{
		Profile:  c.profile,
		Source:   src,
		CacheDir: c.CacheDir,
		Nested:   c.nested,
		Policy:   c.policy,
		Now:      now,
		OnEvent:  p.engineEvent,
	}
	out := c.LoginOutput
	if out == nil {
		out = os.Stderr
	}
	switch {
	case c.LoginCommand != "":
		eopts.Login = &engine.Login{Command: c.LoginCommand, Env: c.Env, Timeout: timeout, Output: out}
	case c.signIn != nil:
		p.login = resolve.SignInCommand(c.profile)
		eopts.Login = &engine.Login{Command: p.login, Timeout: timeout, Output: out,
			// The browser launcher gets this process's environment, not the
			// settings' env: a project's settings must not pick the browser.
			Builtin: ssologin.Builtin(ssologin.Options{Session: *c.signIn, Profile: c.profile, SDKOptions: c.sdkOpts})}
	}
	if c.adjust != nil {
		c.adjust(&eopts)
	}
	eng, err := engine.New(eopts)
	if err != nil {
		return nil, fmt.Errorf("awsfresh: %w", err)
	}
	p.eng = eng
	return p, nil
}

// Profile returns the AWS profile the Provider serves.
func (p *Provider) Profile() string { return p.profile }

// Retrieve returns credentials valid beyond the mandatory window. It
// implements aws.CredentialsProvider.
//
// Credentials are handed out from memory until they enter the advisory
// window. There, one caller renews them silently while the others keep
// getting the still-valid ones; if renewing fails they are still handed out
// (a Warning event says so) until the mandatory window, and renewal is
// tried again after 5 seconds, then 10, 20 and so on. From the mandatory
// window on, or when there are none yet, callers wait for new ones:
// retrieved silently if possible, else after running the login command
// once for all of them. A caller whose ctx ends stops waiting, with an
// error that says what it gave up on; the refresh it started continues,
// bounded by the timeout, for the callers that still wait.
//
// The returned aws.Credentials carry the credentials' real expiry
// (Expires), and CanExpire is false for keys that do not expire.
//
// When no valid credentials can be had, the error is a *RefreshError.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	now := p.now()
	p.mu.Lock()
	if p.have && now.Before(p.until) && p.fresh.Usable(now) {
		defer p.mu.Unlock()
		return p.handOutLocked(), nil
	}
	if p.have && p.fresh.Usable(now) {
		if p.renewing {
			defer p.mu.Unlock()
			return p.handOutLocked(), nil
		}
		p.renewing = true
		p.mu.Unlock()
		res, err := p.eng.Renew(ctx)
		p.mu.Lock()
		p.renewing = false
		now = p.now()
		switch {
		case err == nil && !p.isRejectedLocked(res.Credentials.AccessKeyID):
			if c := res.Credentials; c.AccessKeyID != p.cur.AccessKeyID {
				// Deferred before the unlocks below, so it runs after them.
				defer p.debug("renewed the credentials silently", "key", c.MaskedKeyID(), "expires", c.Expiration)
			}
			p.storeLocked(res.Credentials, now)
		case p.have:
			// Keep the current ones; try again a little later.
			p.failures++
			p.until = p.fresh.RenewAt(now, p.failures)
			if err != nil && ctx.Err() == nil && p.fresh.Usable(now) {
				msg := fmt.Sprintf("could not renew the credentials for profile %q (%s); handing out the current ones, which expire in %s",
					p.profile, creds.Redact(err.Error()), p.cur.Expiration.Sub(now).Round(time.Second))
				p.mu.Unlock()
				p.report(Event{Kind: Warning, Message: msg, Err: err})
				p.mu.Lock()
			}
		}
		if p.have && p.fresh.Usable(now) {
			defer p.mu.Unlock()
			return p.handOutLocked(), nil
		}
	}
	p.mu.Unlock()
	return p.refresh(ctx)
}

// refresh waits for credentials valid beyond the mandatory window.
func (p *Provider) refresh(ctx context.Context) (aws.Credentials, error) {
	res, err := p.do(ctx, "refresh", func(fctx context.Context) (engine.Result, error) {
		// A flight that ended just before this one began may have left
		// good credentials.
		p.mu.Lock()
		if p.have && p.fresh.Usable(p.now()) {
			c := p.cur
			p.mu.Unlock()
			return engine.Result{Credentials: c, FromCache: true}, nil
		}
		p.mu.Unlock()
		res, err := p.eng.Refresh(fctx, false)
		if err != nil {
			return res, err
		}
		p.mu.Lock()
		rejErr, bad := p.rejectionLocked(res.Credentials.AccessKeyID)
		p.mu.Unlock()
		if bad {
			// The disk cache still held credentials AWS had rejected
			// (another call's rejection is being handled): get past them.
			res, err = p.eng.Reject(fctx, res.Credentials, rejErr)
			if err != nil {
				return res, &RefreshError{Profile: p.profile, Err: err, Rejected: rejErr}
			}
		}
		p.store(res.Credentials)
		return res, nil
	})
	if err != nil {
		var re *RefreshError
		if errors.As(err, &re) {
			return aws.Credentials{}, err
		}
		return aws.Credentials{}, &RefreshError{Profile: p.profile, Err: err}
	}
	return p.handOut(res.Credentials), nil
}

// reject handles AWS's rejection of the credentials with access key ID
// keyID: it forgets them and gets new ones, for a retry of the call.
// It returns errNotOurs when the Provider never handed out keyID.
func (p *Provider) reject(ctx context.Context, keyID string, awsErr error) error {
	p.mu.Lock()
	if !p.handedLocked(keyID) {
		p.mu.Unlock()
		return errNotOurs
	}
	_, seen := p.rejectionLocked(keyID)
	if !seen {
		p.rejected = append(p.rejected, rejection{keyID: keyID, err: awsErr})
		if len(p.rejected) > maxRejected {
			p.rejected = p.rejected[1:]
		}
	}
	if p.cur.AccessKeyID == keyID {
		p.have = false // nobody gets them again
	}
	p.mu.Unlock()
	if !seen {
		// Once per rejected key, however many calls it failed.
		p.report(Event{Kind: CredentialsRejected, Err: awsErr})
	}

	_, err := p.do(ctx, "reject:"+keyID, func(fctx context.Context) (engine.Result, error) {
		res, err := p.eng.Reject(fctx, creds.Credentials{AccessKeyID: keyID}, awsErr)
		if err == nil {
			p.store(res.Credentials)
		}
		return res, err
	})
	if err != nil {
		return &RefreshError{Profile: p.profile, Err: err, Rejected: awsErr}
	}
	return nil
}

var errNotOurs = errors.New("awsfresh: the rejected credentials were not handed out by this Provider")

// do runs fn once for all concurrent callers with the same key, with a
// context that outlives any one caller (bounded by the flight limit), and
// waits for it or for ctx.
func (p *Provider) do(ctx context.Context, key string, fn func(context.Context) (engine.Result, error)) (engine.Result, error) {
	if err := ctx.Err(); err != nil {
		return engine.Result{}, err
	}
	ch := p.flights.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.flightLimit())
		defer cancel()
		return fn(fctx)
	})
	select {
	case r := <-ch:
		res, _ := r.Val.(engine.Result)
		return res, r.Err
	case <-ctx.Done():
		return engine.Result{}, &engine.WaitError{Profile: p.profile, Login: p.logins.Load() > 0, Err: ctx.Err()}
	}
}

// flightLimit bounds one refresh: waiting for another process's refresh,
// retrieving, the login command, retrieving again.
func (p *Provider) flightLimit() time.Duration { return 2*p.timeout + 2*time.Minute }

// storeLocked makes c, obtained at now, the current credentials and
// decides until when they are handed out without asking the engine.
func (p *Provider) storeLocked(c creds.Credentials, now time.Time) {
	p.cur, p.have = c, true
	p.fresh = p.policy.Freshness(c, now)
	if p.fresh.Fresh(now) {
		p.failures = 0
	} else {
		p.failures++ // the engine could not renew them either
	}
	p.until = p.fresh.RenewAt(now, p.failures)
}

// store makes c the current credentials, unless AWS rejected them.
func (p *Provider) store(c creds.Credentials) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.isRejectedLocked(c.AccessKeyID) {
		p.storeLocked(c, p.now())
	}
}

// handOut returns the current credentials, or c when there are none (they
// were rejected since c was obtained).
func (p *Provider) handOut(c creds.Credentials) aws.Credentials {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.have {
		return p.handOutLocked()
	}
	return p.handOutValueLocked(c)
}

// handOutLocked returns the current credentials for the SDK and remembers
// their key as handed out.
func (p *Provider) handOutLocked() aws.Credentials { return p.handOutValueLocked(p.cur) }

// handOutValueLocked returns c for the SDK, with its real expiry, and
// remembers its key as handed out.
func (p *Provider) handOutValueLocked(c creds.Credentials) aws.Credentials {
	if n := len(p.handed); n == 0 || p.handed[n-1] != c.AccessKeyID {
		p.handed = append(p.handed, c.AccessKeyID)
		if len(p.handed) > maxHanded {
			p.handed = p.handed[1:]
		}
	}
	return aws.Credentials{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		Source:          CredentialsSource,
		CanExpire:       c.HasExpiration(),
		Expires:         c.Expiration,
	}
}

func (p *Provider) handedLocked(keyID string) bool {
	for _, k := range p.handed {
		if k == keyID {
			return true
		}
	}
	return false
}

func (p *Provider) rejectionLocked(keyID string) (error, bool) {
	for _, r := range p.rejected {
		if r.keyID == keyID {
			return r.err, true
		}
	}
	return nil, false
}

func (p *Provider) isRejectedLocked(keyID string) bool {
	_, bad := p.rejectionLocked(keyID)
	return bad
}

// engineEvent forwards the engine's events.
func (p *Provider) engineEvent(ev engine.Event) {
	switch ev.Kind {
	case engine.EventRetrieve:
		p.debug("retrieving credentials", "from", ev.Message)
		return
	case engine.EventLoginStarted:
		p.logins.Add(1)
	case engine.EventLoginFinished, engine.EventLoginFailed:
		p.logins.Add(-1)
	}
	if out, ok := fromEngine(ev); ok {
		p.report(out)
	}
}

// Config returns an aws.Config for the Provider's profile: loaded by
// config.LoadDefaultConfig (region and other settings from the profile,
// then optFns), with Credentials set to p itself and [WithRefreshRetry](p)
// appended to APIOptions. Clients made from it with NewFromConfig get fresh
// credentials and retry a call once when AWS rejects its credentials.
func (p *Provider) Config(ctx context.Context, optFns ...func(*config.LoadOptions) error) (aws.Config, error) {
	opts := append([]func(*config.LoadOptions) error(nil), p.sdkOpts...)
	prof, err := source.LoadProfile(ctx, p.profile, p.sdkOpts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("awsfresh: %w", err)
	}
	if prof.Exists {
		opts = append(opts, config.WithSharedConfigProfile(p.profile))
	}
	opts = append(opts, optFns...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("awsfresh: load AWS config for profile %q: %w", p.profile, err)
	}
	cfg.Credentials = p
	cfg.APIOptions = append(cfg.APIOptions, WithRefreshRetry(p))
	return cfg, nil
}
