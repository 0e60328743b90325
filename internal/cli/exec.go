package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/termtext"
	"github.com/awsfresh/awsfresh/internal/wording"
)

func (a *app) execCommand() *cobra.Command {
	var logFile string
	cmd := &cobra.Command{
		Use:   "exec [flags] [--] COMMAND [ARGS...]",
		Short: "Run a long-running program that never sees an expired credential",
		Long: `Exec runs a program with credentials served from a local endpoint (the container
credentials protocol, on 127.0.0.1 with a fresh secret token), which renews them in the
background before they expire. Every AWS SDK and the AWS CLI pick the endpoint up.

The program's environment is awsfresh's, with the settings' env applied, and:
  added    AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN (the endpoint);
           AWSFRESH_PROFILE (the profile served: 'awsfresh status' inside describes it);
           AWS_REGION and AWS_DEFAULT_REGION: the profile's region when neither is set, or
           the one that is set (awsfresh warns when there is no region at all)
  removed  what would shadow the endpoint: AWS_PROFILE, AWS_DEFAULT_PROFILE,
           AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN,
           AWS_CREDENTIAL_EXPIRATION, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN,
           AWS_ROLE_SESSION_NAME, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
           AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
Without AWS_PROFILE the program does not see the profile's other settings (ca_bundle,
endpoint_url, retry settings, output): set their environment variables if it needs them.
When the default profile has static keys in the credentials file (SDKs would take them
first), the program sees an empty credentials file (AWS_SHARED_CREDENTIALS_FILE).

The terminal stays the program's. awsfresh only writes when it must: a login command it runs
because credentials are needed now (the SSO session ended), and a warning 15 minutes before the
SSO session ends. That output goes to stderr, or to --log FILE (created with its folder) — use
--log with full-screen programs such as Claude Code and 'tail -f' the file in another terminal.
The program's exit status is awsfresh's (128+N when it died of signal N).`,
		Example: `  awsfresh exec --profile dev -- claude
  awsfresh exec --profile dev --log ~/awsfresh-dev.log -- claude
  awsfresh exec --profile dev -- aws s3 ls
  awsfresh exec -- python train.py --epochs 40`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("exec needs a program to run")}
			}
			return nil
		},
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
	if err := refused(r.EnvRefused); err != nil {
		return err // the program gets the settings' env
	}
	logw := a.io.Stderr
	if logFile != "" {
		f, err := a.openLog(logFile)
		if err != nil {
			return &exitError{code: exitUsage, lines: []string{"Error: --log: " + err.Error()}}
		}
		defer f.Close()
		logw = f
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(logw, "%s awsfresh: %s\n", time.Now().Format("15:04:05"), termtext.EscapeLines(fmt.Sprintf(format, args...)))
	}
	warns := &warnings{}
	onEvent := func(ev engine.Event) {
		switch ev.Kind {
		case engine.EventLoginStarted:
			logf("credentials are needed now and cannot be renewed silently; running the login command for profile %q (timeout %s): %s", ev.Profile, wording.Duration(ev.Timeout), ev.Command)
		case engine.EventLoginFinished:
			logf("login command finished in %s", wording.Duration(ev.Elapsed))
		case engine.EventLoginFailed:
			logf("%s", strings.Join(a.describe(ev.Err).lines, "\n  "))
		case engine.EventWarning:
			if warns.first(ev.Message) {
				logf("warning: %s", ev.Message)
			}
		case engine.EventRenewFailed:
			// Once per cause until the credentials are renewed: not on
			// every attempt while they cannot be.
			cause := ev.Message
			if ev.Err != nil {
				cause = creds.Redact(ev.Err.Error())
			}
			if warns.firstUntilRenewed(cause) {
				logf("warning: %s", ev.Message)
			}
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
	// Its warnings were logged through onEvent.
	first, err := eng.Credentials(ctx)
	if err != nil && logFile != "" {
		return &outputElsewhere{err: err, where: logFile}
	}
	if err != nil {
		return err
	}

	bg := &renewer{eng: eng, profile: r.ProfileInfo, logf: logf, debugf: a.debugf, warnings: warns,
		loginHint: a.refreshLine(r.ProfileInfo.Name, "--force")}
	srv, err := credserver.New(credserver.Options{
		Provider: func(ctx context.Context) (creds.Credentials, error) {
			res, err := neededNow(ctx, eng)
			if err != nil {
				return creds.Credentials{}, errors.New(a.programMessage(err))
			}
			bg.obtained(res.Credentials)
			return res.Credentials, nil
		},
		Policy: eng.Policy(),
		Logf:   func(format string, args ...any) { a.debugf(format, args...) },
	})
	if err != nil {
		return err
	}
	srv.Update(first.Credentials)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("starting the credentials endpoint: %w", err)
	}
	defer func() {
		if err := srv.Close(); err != nil {
			logf("%v", err)
		}
	}()
	a.debugf("credentials endpoint at %s", srv.URL())

	env, removed, region := a.execEnv(r, srv)
	if region == "" {
		a.warnf("%s", noRegionWarning(r))
	}
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
	// From now on signals go to the program, and awsfresh ends when it does.
	a.signals.handOff()

	// Nothing awsfresh started may outlive it: on return, stop the
	// background renewal and wait for it (it may run an export command),
	// then srv.Close stops and waits for a login the endpoint started.
	bgCtx, stopBackground := context.WithCancel(context.Background())
	var background sync.WaitGroup
	defer background.Wait()
	defer stopBackground()
	bg.srv = srv
	background.Go(func() { bg.run(bgCtx, first.Credentials) })

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
// applied, the region set and the served profile named (AWSFRESH_PROFILE),
// then what would shadow the endpoint removed and the endpoint added
// (credserver.Server.ChildEnv). region is the region the program gets, ""
// when none.
//
// The program loses AWS_PROFILE, and with it the profile's region: when
// its environment sets neither AWS_REGION nor AWS_DEFAULT_REGION, both
// get the profile's region; when it sets one, the other gets the same
// value, since some SDKs read only one of them (boto3 reads
// AWS_DEFAULT_REGION, the JavaScript SDK AWS_REGION).
func (a *app) execEnv(r *resolved, srv *credserver.Server) (env []string, removed []string, region string) {
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
	vars[resolve.EnvProfile] = r.Profile
	region = cmp.Or(vars["AWS_REGION"], vars["AWS_DEFAULT_REGION"], r.ProfileInfo.Region)
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if vars[k] == "" && region != "" {
			vars[k] = region
		}
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
	return env, removed, region
}

// noRegionWarning says that the program of exec gets no region, and where
// to set one.
func noRegionWarning(r *resolved) string {
	const fails = "AWS SDKs and the AWS CLI in the program will fail (\"You must specify a region\")"
	if !r.ProfileInfo.Exists {
		return fmt.Sprintf("no AWS region for the program: AWS_REGION is not set; %s. Set AWS_REGION, or the env setting AWS_REGION in ~/.claude/settings.json.", fails)
	}
	configFiles, _ := source.SharedFiles(r.SDKOptions...)
	return fmt.Sprintf("no AWS region for the program: profile %q has no region and AWS_REGION is not set; %s. Add \"region = REGION\" to [%s] in %s, or set AWS_REGION.",
		r.Profile, fails, source.Section(r.Profile), source.DisplayPath(configFiles[0]))
}

// openLog opens the --log file for appending, creating it (0600) and its
// folder (0700) when missing. A leading ~/ is the home directory, also
// when no shell expanded it (a quoted path, a settings file).
func (a *app) openLog(path string) (*os.File, error) {
	if rest, ok := strings.CutPrefix(path, "~"+string(filepath.Separator)); ok || strings.HasPrefix(path, "~/") {
		if !ok {
			rest = path[2:]
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, err
		}
		path = filepath.Join(home, rest)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
