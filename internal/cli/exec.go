package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// ssoWarnAhead is how long before an SSO session ends exec warns.
const ssoWarnAhead = 15 * time.Minute

func (a *app) execCommand() *cobra.Command {
	var logFile string
	cmd := &cobra.Command{
		Use:   "exec [flags] [--] COMMAND [ARGS...]",
		Short: "Run a long-running program that never sees an expired credential",
		Long: `Exec runs a program with credentials served from a local endpoint (the container
credentials protocol, on 127.0.0.1 with a fresh secret token), which renews them in the
background before they expire. Every AWS SDK and the AWS CLI pick the endpoint up through
AWS_CONTAINER_CREDENTIALS_FULL_URI. Variables that would shadow it (static keys, AWS_PROFILE)
are removed from the program's environment; when the default profile has static keys in the
credentials file (SDKs would take them first), the program sees an empty credentials file.

The terminal stays the program's. awsfresh only writes when it must: a login command it runs
because credentials are needed now (the SSO session ended), and a warning 15 minutes before the
SSO session ends. That output goes to stderr, or to --log FILE — use --log with full-screen
programs such as Claude Code and 'tail -f' the file in another terminal.
The program's exit status is awsfresh's (128+N when it died of signal N).`,
		Example: `  awsfresh exec --profile dev -- claude
  awsfresh exec --profile dev --log ~/.cache/awsfresh/dev.log -- claude
  awsfresh exec --profile dev -- aws s3 ls
  awsfresh exec -- python train.py --epochs 40`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runExec(cmd.Context(), args, logFile)
		},
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVar(&logFile, "log", "", "write awsfresh's messages and login output to `FILE` instead of stderr while the program runs")
	return cmd
}

func (a *app) runExec(ctx context.Context, args []string, logFile string) error {
	r, err := a.resolve(ctx, resolveOptions{})
	if err != nil {
		return err
	}
	if err := r.checkTrust(r.Login, r.Export); err != nil {
		return err
	}
	logw := a.io.Stderr
	if logFile != "" {
		f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return &exitError{code: wording.ExitUsage, lines: []string{"Error: --log: " + err.Error()}}
		}
		defer f.Close()
		logw = f
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(logw, "%s awsfresh: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	onEvent := func(ev engine.Event) {
		switch ev.Kind {
		case engine.EventLoginStarted:
			logf("credentials are needed now and cannot be renewed silently; running the login command for profile %q (timeout %s): %s", ev.Profile, wording.Duration(ev.Timeout), ev.Command)
		case engine.EventLoginFinished:
			logf("login command finished in %s", wording.Duration(ev.Elapsed))
		case engine.EventLoginFailed:
			logf("%s", strings.Join(describe(ev.Err).lines, "\n  "))
		case engine.EventWarning:
			logf("warning: %s", ev.Message)
		}
	}
	eng, err := a.newEngineWith(r, onEvent, func(o *engine.Options) {
		if o.Login != nil {
			o.Login.Output = logw
		}
	})
	if err != nil {
		return err
	}

	// Credentials first, in the foreground: a login needed now happens
	// before the program starts, where the user expects it.
	first, err := eng.Credentials(ctx)
	if err != nil {
		return err
	}
	for _, w := range first.Warnings {
		a.warnf("%s", w)
	}

	srv, err := credserver.New(credserver.Options{
		Provider: func(ctx context.Context) (creds.Credentials, error) {
			res, err := neededNow(ctx, eng)
			if err != nil {
				return creds.Credentials{}, errors.New(strings.Join(describe(err).lines, " "))
			}
			return res.Credentials, nil
		},
		Logf: func(format string, args ...any) { a.debugf(format, args...) },
	})
	if err != nil {
		return err
	}
	srv.Update(first.Credentials)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("starting the credentials endpoint: %w", err)
	}
	defer srv.Close()
	a.debugf("credentials endpoint at %s", srv.URL())

	env, removed := a.execEnv(r, srv)
	if len(removed) > 0 {
		a.debugf("removed from the program's environment (they would shadow the endpoint): %s", strings.Join(removed, ", "))
	}
	env, cleanup, err := a.unshadowDefaultProfile(ctx, r, env)
	if err != nil {
		return err
	}
	defer cleanup()

	prog := exec.Command(args[0], args[1:]...)
	prog.Env = env
	prog.Stdin, prog.Stdout, prog.Stderr = a.io.Stdin, a.io.Stdout, a.io.Stderr
	if f, ok := a.io.Stdin.(*os.File); ok {
		prog.Stdin = f // the program gets the terminal itself, not a pipe
	}
	if f, ok := a.io.Stdout.(*os.File); ok {
		prog.Stdout = f
	}
	if f, ok := a.io.Stderr.(*os.File); ok {
		prog.Stderr = f
	}

	// Signals: registered before the start so none is lost.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)

	if err := prog.Start(); err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return &exitError{code: 127, lines: []string{fmt.Sprintf("Error: %s: %v", args[0], ee.Err)}}
		}
		return &exitError{code: 126, lines: []string{fmt.Sprintf("Error: %s: %v", args[0], err)}}
	}

	bgCtx, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	go a.renewInBackground(bgCtx, eng, srv, r.ProfileInfo, logf, nil)

	onTerminal := isTerminal(a.io.Stdin)
	done := make(chan error, 1)
	go func() { done <- prog.Wait() }()
	for {
		select {
		case sig := <-sigs:
			// The terminal already sends Ctrl+C and Ctrl+\ to the whole
			// foreground group, program included: forwarding them again
			// would double them (Claude Code exits on a second Ctrl+C).
			if onTerminal && fromTerminal(sig) {
				continue
			}
			_ = prog.Process.Signal(sig)
		case err := <-done:
			return programExit(err)
		}
	}
}

// unshadowDefaultProfile keeps the shared files' default profile from
// hiding the endpoint: SDKs and the AWS CLI take a default profile's own
// credentials before container credentials. When the served profile is
// another one and the default has static keys, the program gets an empty
// credentials file (AWS_SHARED_CREDENTIALS_FILE); a default profile that
// gets credentials some other way (SSO, a role, credential_process) is
// reported, since awsfresh will not rewrite the user's config file.
func (a *app) unshadowDefaultProfile(ctx context.Context, r *resolved, env []string) ([]string, func(), error) {
	nothing := func() {}
	if r.Profile == "default" {
		return env, nothing, nil
	}
	def, err := source.LoadProfile(ctx, "default", r.SDKOptions...)
	if err != nil || !def.Exists {
		return env, nothing, nil
	}
	if def.IsSSO() || def.RoleARN != "" || def.CredentialProcess != "" {
		a.warnf("the default profile in the shared config file has credentials of its own; programs that use the default profile get those, not the endpoint's (profile %q)", r.Profile)
	}
	if !def.StaticKeys {
		return env, nothing, nil
	}
	dir, err := os.MkdirTemp("", "awsfresh-exec-")
	if err != nil {
		return nil, nothing, err
	}
	empty := filepath.Join(dir, "credentials")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, nothing, err
	}
	a.debugf("the default profile's static keys would shadow the endpoint: the program's AWS_SHARED_CREDENTIALS_FILE is an empty file")
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_SHARED_CREDENTIALS_FILE=") {
			out = append(out, kv)
		}
	}
	return append(out, "AWS_SHARED_CREDENTIALS_FILE="+empty), func() { os.RemoveAll(dir) }, nil
}

// neededNow gets credentials for a program that asks for them now:
// silently if possible; the login command runs only when nothing valid
// beyond the mandatory window can be had without it.
func neededNow(ctx context.Context, eng *engine.Engine) (engine.Result, error) {
	if res, err := eng.Renew(ctx); err == nil {
		return res, nil
	}
	return eng.Refresh(ctx, false)
}

// execEnv is the program's environment: ours with the settings' env
// applied and the region set, then what would shadow the endpoint removed
// and the endpoint added (credserver.Server.ChildEnv).
func (a *app) execEnv(r *resolved, srv *credserver.Server) (env []string, removed []string) {
	vars := map[string]string{}
	for _, kv := range a.io.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	for k, v := range r.Settings.Env {
		vars[k] = v.Value
	}
	delete(vars, resolve.EnvNested) // the program is not a command of ours
	region := cmp.Or(vars["AWS_REGION"], vars["AWS_DEFAULT_REGION"], r.ProfileInfo.Region)
	if region != "" {
		vars["AWS_REGION"], vars["AWS_DEFAULT_REGION"] = region, region
	}
	base := make([]string, 0, len(vars))
	for k, v := range vars {
		base = append(base, k+"="+v)
	}
	sort.Strings(base)
	env = srv.ChildEnv(base)
	kept := map[string]bool{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		kept[k] = true
	}
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); !kept[k] {
			removed = append(removed, k)
		}
	}
	return env, removed
}

// renewInBackground renews silently before the credentials enter the
// advisory window, with jitter, and warns before the SSO session ends.
// It never runs the login command. onRenewed, when set, sees every renewal.
func (a *app) renewInBackground(ctx context.Context, eng *engine.Engine, srv *credserver.Server, profile source.Profile,
	logf func(string, ...any), onRenewed func(creds.Credentials)) {
	warnedEnding, warnedEnded := false, false
	for {
		wait := nextRenewal(eng, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		res, err := eng.Renew(ctx)
		switch {
		case err == nil:
			srv.Update(res.Credentials)
			warnedEnded = false
			if onRenewed != nil {
				onRenewed(res.Credentials)
			}
		case ctx.Err() != nil:
			return
		default:
			a.debugf("background renewal: %v", creds.Redact(err.Error()))
			// The session is over but the credentials at hand still
			// work for a while: say so now, not when they run out.
			if !warnedEnded && engine.Classify(err).Rejected() {
				warnedEnded = true
				left := "soon"
				if c, _ := eng.Cached(); c.HasExpiration() && time.Until(c.Expiration) > 0 {
					left = "in " + wording.Duration(time.Until(c.Expiration))
				}
				logf("warning: the AWS login for profile %q has ended and cannot be renewed silently; the current credentials expire %s, then the login command runs (log in now to avoid waiting: awsfresh refresh --profile %s)",
					profile.Name, left, creds.ShellQuote(profile.Name))
			}
		}
		// A session without a refresh token ends when its token does.
		if profile.IsSSO() && !warnedEnding {
			if s, err := source.LoadSSOSession(profile); err == nil && !s.Refreshable {
				if left := time.Until(s.ExpiresAt); left > 0 && left <= ssoWarnAhead {
					warnedEnding = true
					logf("warning: the SSO session for profile %q ends in %s; log in again before then (awsfresh login --profile %s) to avoid an interruption", profile.Name, wording.Duration(left), creds.ShellQuote(profile.Name))
				}
			}
		}
	}
}

// nextRenewal is how long to wait before the next silent renewal: until
// the credentials enter their advisory window, less up to 10% jitter so
// that many programs do not renew at once; between 1 second and 5 minutes.
func nextRenewal(eng *engine.Engine, now time.Time) time.Duration {
	at, _ := eng.RenewAt()
	wait := at.Sub(now)
	if wait > 0 {
		wait -= time.Duration(rand.Int64N(int64(wait/10) + 1))
	}
	return min(max(wait, time.Second), 5*time.Minute)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
