package cli

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/awsfresh/awsfresh/internal/wording"
)

// The demo's world: role credentials that live 6 seconds and an SSO
// session of 10 seconds, so a whole day of expiries fits in 20 seconds.
const (
	demoRoleLifetime = 6 * time.Second
	demoSSOLifetime  = 10 * time.Second
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
signatures and whose credentials really expire), then shows, in about ` + wording.Duration(demoLength) + `: a login,
a program making calls while credentials expire every few seconds, a proactive refresh, the
SSO session ending and the login command renewing it, a login command that hangs and is cut
off, and a refresh loop that does not happen. It checks that each step happened and exits 1
if one did not. Nothing outside a temporary directory is touched; no flag applies.`,
		Example: `  awsfresh demo`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDemo(cmd.Context())
		},
	}
	login := &cobra.Command{
		Use:    "sso-login URL HOME",
		Hidden: true,
		Short:  "the demo's stand-in for `aws sso login` (talks to the simulation only)",
		Args:   cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return demoSSOLogin(cmd.Context(), args[0], args[1], a.io.Getenv("AWSFRESH_DEMO_CONTROL"), a.io.Stdout)
		},
	}
	cmd.AddCommand(login)
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

	sim := simaws.New(simaws.Options{RoleCredentialLifetime: demoRoleLifetime, SSOTokenLifetime: demoSSOLifetime})
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
		"AWSFRESH_DEMO_CONTROL": sim.ControlToken(),
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
	self, err := os.Executable()
	if err != nil {
		return err
	}
	loginCmd := creds.ShellQuote(self) + " demo sso-login " + creds.ShellQuote(sim.URL()) + " " + creds.ShellQuote(home)

	fmt.Fprintf(out, "awsfresh demo (about %s): a simulated AWS at %s; role credentials live %s, the SSO session %s.\n",
		wording.Duration(demoLength), sim.URL(), wording.Duration(demoRoleLifetime), wording.Duration(demoSSOLifetime))
	fmt.Fprintf(out, "The login command stands in for `aws sso login`.\n\n")

	var logins atomic.Int32
	newEngine := func(login string, timeout time.Duration, cacheDir string) (*engine.Engine, error) {
		return engine.New(engine.Options{
			Profile:  demoProfile,
			CacheDir: cacheDir,
			Source:   &source.SDKChain{Profile: demoProfile},
			Login:    &engine.Login{Command: login, Timeout: timeout, Output: io.Discard},
			OnEvent: func(ev engine.Event) {
				switch ev.Kind {
				case engine.EventLoginStarted:
					logins.Add(1)
					tl.say("login command starts (deadline %s): the SSO session is over", wording.Duration(ev.Timeout))
				case engine.EventLoginFinished:
					tl.say("login command finished in %s: a new SSO session", wording.Duration(ev.Elapsed))
				case engine.EventLoginFailed:
					tl.say("login command failed after %s", wording.Duration(ev.Elapsed))
				}
			},
		})
	}

	// 1. First use: no SSO session yet, so the login command runs once.
	fmt.Fprintln(out, "1. First use: no SSO session yet")
	eng, err := newEngine(loginCmd, time.Minute, filepath.Join(home, "cache"))
	if err != nil {
		return err
	}
	res, err := eng.Refresh(ctx, false)
	tl.check(err == nil && res.LoginRan && sim.Count(simaws.OpSSOLogin) == 1, "refresh ran the login command once")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	tl.say("credentials %s issued, expire in %s", res.Credentials.MaskedKeyID(), wording.Duration(time.Until(res.Credentials.Expiration)))
	res2, err := eng.Refresh(ctx, false)
	tl.check(err == nil && !res2.LoginRan && sim.Count(simaws.OpSSOLogin) == 1, "a second refresh right after does not run it again (no refresh loop)")

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
	// Half-way, the session's refresh token is revoked: when the session
	// ends, only the login command can renew it (as after 8-12 hours).
	time.AfterFunc(demoSSOLifetime/2, sim.RevokeRefreshTokens)
	// The same background renewal as `awsfresh exec`.
	var renewals atomic.Int32
	last := res2.Credentials.AccessKeyID
	profile, err := source.LoadProfile(ctx, demoProfile)
	if err != nil {
		stopBG()
		return err
	}
	renew := &renewer{eng: eng, srv: srv, profile: profile, logf: func(format string, args ...any) { tl.say(format, args...) }, debugf: a.debugf,
		onRenewed: func(c creds.Credentials) {
			if c.AccessKeyID != last {
				last = c.AccessKeyID
				renewals.Add(1)
				tl.say("proactive refresh: new credentials %s, expire in %s (no login needed)", c.MaskedKeyID(), wording.Duration(time.Until(c.Expiration)))
			}
		}}
	go renew.run(bg, res2.Credentials)
	ok, failed := demoCalls(ctx, srv, tl, demoRun)
	stopBG()
	tl.check(failed == 0 && ok > 0, "%d calls succeeded, %d failed", ok, failed)
	tl.check(renewals.Load() >= 1, "credentials were renewed in the background before they expired (%d times)", renewals.Load())
	tl.check(sim.Count(simaws.OpSSOLogin) == 2, "the SSO session ended once and the login command renewed it once (%d logins in all)", sim.Count(simaws.OpSSOLogin))

	// 3. A login command that hangs is cut off at its deadline.
	fmt.Fprintf(out, "\n3. A login command that hangs (a browser flow nobody completes), deadline %s\n", wording.Duration(demoHangTimeout))
	sim.ExpireSSOTokens()
	sim.RevokeRefreshTokens()
	if _, err := simaws.WriteSSOCache(home, demoSSOSession, demoStartURL, demoRegion, simaws.SSOToken{AccessToken: "expired", ExpiresAt: time.Now().Add(-time.Minute)}); err != nil {
		return err
	}
	hung, err := newEngine("echo 'Waiting for the browser...'; sleep 600", demoHangTimeout, filepath.Join(home, "cache-hung"))
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

// demoSSOLogin asks the simulation for a new SSO session, as `aws sso
// login` asks IAM Identity Center, and writes the token cache.
func demoSSOLogin(ctx context.Context, simURL, home, control string, w io.Writer) error {
	body, _ := json.Marshal(map[string]string{"home": home, "ssoSession": demoSSOSession, "startUrl": demoStartURL, "region": demoRegion})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, simURL+"/_sim/sso-login", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set(simaws.ControlHeader, control)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("simulated login failed: %s", resp.Status)
	}
	fmt.Fprintln(w, "Logged in to the simulated IAM Identity Center.")
	return nil
}
