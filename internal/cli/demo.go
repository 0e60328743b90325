package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/simaws"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/ssologin"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// The demo's world: role credentials that live 6 seconds and SSO access
// tokens of 4 seconds, so a whole day of expiries fits in about 20 seconds.
const (
	demoRoleLifetime = 6 * time.Second
	demoSSOLifetime  = 4 * time.Second
	demoSessionEnds  = 8 * time.Second // into step 2, the session is revoked
	demoProfile      = "demo"
	demoSSOSession   = "demo-sso"
	demoStartURL     = "https://demo.awsapps.com/start"
	demoRegion       = "us-east-1"
	demoRun          = 16 * time.Second
	demoHangTimeout  = 2 * time.Second
	// demoLength is about how long the whole demo takes: the program's
	// run, the hung login's deadline, and the first login and the checks.
	demoLength = demoRun + demoHangTimeout + 2*time.Second
)

func (a *app) demoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "A guided tour on a simulated AWS (no AWS account needed)",
		Long: `Demo starts a simulated AWS on 127.0.0.1 (STS and IAM Identity Center that check
signatures and whose credentials really expire), then shows, in about ` + wording.Duration(demoLength) + `: the built-in
sign-in with a device code that a simulated user approves, a program making calls while
credentials expire every few seconds, proactive refreshes, the SSO access token renewed
silently with its refresh token, the SSO session ending and one sign-in renewing it, a login
command that hangs and is cut off, and a refresh loop that does not happen. It checks that
each step happened and exits 1 if one did not. Nothing outside a temporary directory is
touched.`,
		Example: `  awsfresh demo`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDemo(cmd.Context())
		},
	}
	return cmd
}

// demoTimeline prints what happens, with the time since the start.
type demoTimeline struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	fails []string
}

func (d *demoTimeline) say(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.w, "  %5.1fs  %s\n", time.Since(d.start).Seconds(), fmt.Sprintf(format, args...))
}

func (d *demoTimeline) check(ok bool, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if ok {
		d.say("✓ %s", msg)
		return
	}
	d.say("✗ %s", msg)
	d.mu.Lock()
	d.fails = append(d.fails, msg)
	d.mu.Unlock()
}

func (a *app) runDemo(ctx context.Context) error {
	out := a.io.Stdout
	tl := &demoTimeline{w: out, start: time.Now()}
	home, err := os.MkdirTemp("", "awsfresh-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)

	// The simulated user approves each sign-in on its verification page,
	// as a person would in a browser.
	signIn := simaws.SignInOptions{OnDeviceAuthorization: func(d simaws.DeviceAuthorization) {
		tl.say("the simulated user opens %s and approves code %s", d.VerificationURI, d.UserCode)
		if resp, err := http.Post(d.VerificationURIComplete, "", nil); err == nil {
			resp.Body.Close()
		}
	}}
	sim := simaws.New(simaws.Options{RoleCredentialLifetime: demoRoleLifetime, SSOTokenLifetime: demoSSOLifetime, SignIn: signIn})
	if err := sim.Start(); err != nil {
		return err
	}
	defer sim.Close()

	// The demo's SDK calls, in this process, must see only the temporary
	// home and the simulation: this is the one command that sets its own
	// environment, and it is a throwaway process.
	for k, v := range map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
		"AWS_REGION":                  demoRegion, "AWS_EC2_METADATA_DISABLED": "true",
		"XDG_CACHE_HOME": filepath.Join(home, ".cache"), "AWSFRESH_CACHE_DIR": "",
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		os.Unsetenv(k)
	}
	for _, kv := range sim.Env() {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	if err := simaws.WriteSSOProfile(home, demoProfile, demoSSOSession, demoStartURL, demoRegion, sim.AccountID(), "Developer"); err != nil {
		return err
	}
	profile, err := source.LoadProfile(ctx, demoProfile)
	if err != nil {
		return err
	}
	// The built-in sign-in, with a device code whatever this machine is,
	// and no browser: the simulated user approves.
	signInLogin := &engine.Login{Command: "awsfresh login --profile " + demoProfile, Timeout: time.Minute, Output: demoLines{tl},
		Builtin: ssologin.Builtin(ssologin.Options{Session: profile.SSO, Profile: demoProfile, DeviceCode: true, NoBrowser: true})}

	fmt.Fprintf(out, "awsfresh demo (about %s): a simulated AWS at %s; role credentials live %s, SSO access tokens %s.\n\n",
		wording.Duration(demoLength), sim.URL(), wording.Duration(demoRoleLifetime), wording.Duration(demoSSOLifetime))

	var logins atomic.Int32
	newEngine := func(login *engine.Login, cacheDir string) (*engine.Engine, error) {
		return engine.New(engine.Options{
			Profile:  demoProfile,
			CacheDir: cacheDir,
			Source:   &source.SDKChain{Profile: demoProfile},
			Login:    login,
			OnEvent: func(ev engine.Event) {
				switch ev.Kind {
				case engine.EventLoginStarted:
					logins.Add(1)
					tl.say("login starts (deadline %s): %s", wording.Duration(ev.Timeout), ev.Command)
				case engine.EventLoginFinished:
					tl.say("login finished in %s: a new SSO session", wording.Duration(ev.Elapsed))
				case engine.EventLoginFailed:
					tl.say("login failed after %s", wording.Duration(ev.Elapsed))
				}
			},
		})
	}

	// 1. First use: no SSO session yet, so the sign-in runs once.
	fmt.Fprintln(out, "1. First use: no SSO session yet")
	eng, err := newEngine(signInLogin, filepath.Join(home, "cache"))
	if err != nil {
		return err
	}
	res, err := eng.Refresh(ctx, false)
	tl.check(err == nil && res.LoginRan && sim.Count(simaws.OpStartDeviceAuthorization) == 1, "refresh signed in once, with a device code the simulated user approved")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	tl.say("credentials %s issued, expire in %s", res.Credentials.MaskedKeyID(), wording.Duration(time.Until(res.Credentials.Expiration)))
	res2, err := eng.Refresh(ctx, false)
	tl.check(err == nil && !res2.LoginRan && sim.Count(simaws.OpStartDeviceAuthorization) == 1, "a second refresh right after does not sign in again (no refresh loop)")

	// 2. A program under exec: a Go SDK client calling STS twice a second
	// through the local endpoint while credentials and the session expire.
	fmt.Fprintf(out, "\n2. A program makes AWS calls for %s through awsfresh's endpoint\n", wording.Duration(demoRun))
	srv, err := credserver.New(credserver.Options{Provider: func(ctx context.Context) (creds.Credentials, error) {
		r, err := neededNow(ctx, eng)
		return r.Credentials, err
	}})
	if err != nil {
		return err
	}
	srv.Update(res2.Credentials)
	if err := srv.Start(); err != nil {
		return err
	}
	defer srv.Close()
	bg, stopBG := context.WithCancel(ctx)
	// Later the session is revoked: when its token next expires, only a
	// sign-in can renew it (as at the end of an 8-12 hour session).
	time.AfterFunc(demoSessionEnds, func() {
		sim.RevokeRefreshTokens()
		tl.say("the SSO session is revoked: its refresh token no longer works")
	})
	// The same background renewal as `awsfresh exec`.
	var renewals, tokenRenewals atomic.Int32
	last := res2.Credentials.AccessKeyID
	tokenFile, err := profile.SSO.TokenFile()
	if err != nil {
		stopBG()
		return err
	}
	// A new access token in the cache without a sign-in is a silent renewal.
	lastToken, lastLogins := demoToken(tokenFile), logins.Load()
	renew := &renewer{eng: eng, srv: srv, profile: profile, logf: func(format string, args ...any) { tl.say(format, args...) }, debugf: a.debugf,
		loginHint: a.refreshLine(profile.Name, "--force"),
		onRenewed: func(c creds.Credentials) {
			if c.AccessKeyID != last {
				last = c.AccessKeyID
				renewals.Add(1)
				tl.say("proactive refresh: new credentials %s, expire in %s (no login needed)", c.MaskedKeyID(), wording.Duration(time.Until(c.Expiration)))
			}
			if tok, n := demoToken(tokenFile), logins.Load(); tok != lastToken {
				if n == lastLogins {
					tokenRenewals.Add(1)
					tl.say("the SSO access token had expired: renewed silently with its refresh token (no sign-in)")
				}
				lastToken, lastLogins = tok, n
			}
		}}
	go renew.run(bg, res2.Credentials)
	ok, failed := demoCalls(ctx, srv, tl, demoRun)
	stopBG()
	tl.check(failed == 0 && ok > 0, "%d calls succeeded, %d failed", ok, failed)
	tl.check(renewals.Load() >= 1, "credentials were renewed in the background before they expired (%s)", plural(int(renewals.Load()), "time"))
	tl.check(tokenRenewals.Load() >= 1, "the SSO access token was renewed silently with its refresh token (%s)", plural(int(tokenRenewals.Load()), "time"))
	n := sim.Count(simaws.OpStartDeviceAuthorization)
	tl.check(n == 2, "the SSO session ended once and one sign-in renewed it (%d sign-ins in all)", n)

	// 3. A login command that hangs is cut off at its deadline.
	fmt.Fprintf(out, "\n3. A login command that hangs (a browser flow nobody completes), deadline %s\n", wording.Duration(demoHangTimeout))
	sim.ExpireSSOTokens()
	sim.RevokeRefreshTokens()
	if _, err := simaws.WriteSSOCache(home, demoSSOSession, demoStartURL, demoRegion, simaws.SSOToken{AccessToken: "expired", ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
		return err
	}
	hung, err := newEngine(&engine.Login{Command: "echo 'Waiting for the browser...'; sleep 600", Timeout: demoHangTimeout, Output: io.Discard},
		filepath.Join(home, "cache-hung"))
	if err != nil {
		return err
	}
	began := time.Now()
	_, err = hung.Refresh(ctx, false)
	took := time.Since(began)
	if err != nil {
		for _, l := range a.describe(err).lines {
			tl.say("│ %s", l)
		}
	}
	tl.check(errors.Is(err, runcmd.ErrTimeout) && took < demoHangTimeout+3*time.Second, "cut off after %s, at its deadline", wording.Duration(took.Round(100*time.Millisecond)))

	// 4. Right after, no refresh loop: the cooldown holds the login back.
	fmt.Fprintln(out, "\n4. Asked again right away")
	before := logins.Load()
	_, err = hung.Refresh(ctx, false)
	var cool *engine.CooldownError
	if err != nil {
		tl.say("│ %s", a.describe(err).lines[0])
	}
	tl.check(errors.As(err, &cool) && logins.Load() == before, "the login command did not run again (cooldown, not a loop)")

	fmt.Fprintln(out)
	if len(tl.fails) > 0 {
		return &exitError{code: exitFailed, lines: append([]string{"Error: the demo failed:"}, tl.fails...)}
	}
	fmt.Fprintf(out, "Demo finished in %s: every step checked.\n", wording.Duration(time.Since(tl.start).Round(time.Second)))
	return nil
}

// demoCalls plays the long-running program: STS calls through the
// endpoint with the SDK's own container credentials provider.
func demoCalls(ctx context.Context, srv *credserver.Server, tl *demoTimeline, d time.Duration) (ok, failed int) {
	provider := endpointcreds.New(srv.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = srv.Token() })
	cfg, err := config.LoadDefaultConfig(ctx, config.WithCredentialsProvider(aws.NewCredentialsCache(provider)))
	if err != nil {
		tl.say("cannot configure the SDK: %v", err)
		return 0, 1
	}
	client := sts.NewFromConfig(cfg)
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := client.GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
		cancel()
		if err != nil {
			failed++
			tl.say("call failed: %s", creds.Redact(err.Error()))
			continue
		}
		ok++
	}
	return ok, failed
}

// demoToken identifies the cached SSO access token (by its expiry: the
// demo never shows a token).
func demoToken(path string) time.Time {
	tok, _ := ssologin.ReadToken(path)
	return tok.ExpiresAt
}

// demoLines shows what the sign-in tells the user in the timeline.
type demoLines struct{ tl *demoTimeline }

func (d demoLines) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			d.tl.say("│ %s", l)
		}
	}
	return len(p), nil
}
