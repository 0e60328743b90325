package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/ssologin"
	"github.com/awsfresh/awsfresh/internal/wording"
)

func (a *app) loginCommand() *cobra.Command {
	var deviceCode, noBrowser bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to IAM Identity Center (SSO) for the profile; no AWS CLI needed",
		Long: `Login signs in to IAM Identity Center for an SSO profile and writes the token where the
AWS CLI, botocore and the AWS SDKs read it (~/.aws/sso/cache), so every AWS tool shares the
session. It is what refresh, export and exec run for an SSO profile when no login command is
configured.

The flow is chosen for the machine. In a desktop session at this machine a browser opens and
IAM Identity Center redirects to a one-shot listener on 127.0.0.1 (authorization code with
PKCE). Over SSH, in a Codespace, a dev container or a container, or without a display, it
prints a URL and a code that you approve in a browser on any device (device authorization).
--device-code forces the device flow and --no-browser never opens a browser;
AWSFRESH_LOGIN_FLOW=device-code or auth-code forces a flow wherever awsfresh signs in.
'awsfresh status' shows the choice and why.

With an sso-session profile the token comes with a refresh token: AWS tools renew it silently
for as long as the session lasts. The sign-in is bounded by --timeout (default 3m).`,
		Example: `  awsfresh login --profile dev
  awsfresh login --profile dev --device-code   # approve on your phone or laptop
  ssh devbox awsfresh login --profile dev      # over SSH: a URL and a code`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runLogin(cmd.Context(), deviceCode, noBrowser)
		},
	}
	cmd.Flags().BoolVar(&deviceCode, "device-code", false, "use the device flow: a URL and a code to approve in a browser on any device")
	cmd.Flags().BoolVar(&noBrowser, "no-browser", false, "never open a browser; print the URL (device flow unless AWSFRESH_LOGIN_FLOW=auth-code)")
	return cmd
}

func (a *app) runLogin(ctx context.Context, deviceCode, noBrowser bool) error {
	r, err := a.resolve(ctx, resolveOptions{})
	if err != nil {
		return err
	}
	switch {
	case !r.ProfileInfo.Exists:
		return &exitError{code: exitUsage, lines: []string{
			fmt.Sprintf("Error: profile %q is not defined in the shared config file.", r.Profile)}}
	case !r.ProfileInfo.IsSSO():
		return &exitError{code: exitUsage, lines: []string{
			fmt.Sprintf("Error: profile %q does not use IAM Identity Center (it has no sso_session or sso_start_url): there is nothing to sign in to.", r.Profile)}}
	}
	if err := r.ProfileInfo.SSO.Check(); err != nil {
		return &exitError{code: exitUsage, lines: []string{fmt.Sprintf("Error: profile %q: %v.", r.Profile, err)}}
	}
	if err := refused(r.EnvRefused); err != nil {
		return err
	}
	opts := a.signInOptions(r)
	opts.DeviceCode, opts.NoBrowser = deviceCode, noBrowser
	choice := ssologin.Choose(opts.Machine, opts.Session, deviceCode, noBrowser)
	a.debugf("profile %q (from %s); sign-in flow: %s — %s; timeout %s", r.Profile, r.ProfileFrom, choice.Flow, choice.Reason, r.Timeout)

	live := a.liveProgress(true)
	defer live.stop()
	var res ssologin.Result
	eng, err := engine.New(engine.Options{
		Profile:      r.Profile,
		Source:       &source.SDKChain{Profile: r.Profile, LoadOptions: r.SDKOptions},
		DisableCache: true,
		Login: &engine.Login{
			Command: resolve.SignInCommand(r.Profile),
			Builtin: func(ctx context.Context, out io.Writer) error {
				opts.Output = out
				var lerr error
				res, lerr = ssologin.Login(ctx, opts)
				return lerr
			},
			Timeout: r.Timeout,
			Output:  live.display.Writer(),
		},
		OnEvent: func(ev engine.Event) {
			switch ev.Kind {
			case engine.EventLoginStarted:
				live.display.Start("waiting for the sign-in", ev.Timeout)
			case engine.EventLoginFinished, engine.EventLoginFailed:
				live.display.Stop()
			}
		},
	})
	if err != nil {
		return err
	}
	if err := eng.Login(ctx); err != nil {
		return err
	}
	a.debugf("token cache: %s", res.CacheFile)
	left := time.Until(res.ExpiresAt).Round(time.Minute)
	fmt.Fprintf(a.io.Stderr, "Signed in to IAM Identity Center for profile %q; the token is valid for %s (until %s).\n",
		r.Profile, wording.Duration(left), res.ExpiresAt.Local().Format("15:04 MST"))
	switch {
	case res.Refreshable:
		fmt.Fprintf(a.io.Stderr, "AWS tools renew it silently with its refresh token until the session ends (at the latest %s).\n",
			res.RegistrationExpiresAt.Local().Format("2006-01-02"))
	case opts.Session.Legacy():
		fmt.Fprintf(a.io.Stderr, "This profile's token cannot be renewed silently: %s\n", legacyHint)
	}
	return nil
}

// legacyHint tells how to make a legacy SSO profile renewable.
const legacyHint = "move sso_start_url and sso_region into an [sso-session NAME] section and set sso_session = NAME in the profile (see the README)."

// signInOptions are the built-in sign-in's options for the resolved
// profile: what this machine is is read from awsfresh's own environment.
func (a *app) signInOptions(r *resolved) ssologin.Options {
	return ssologin.Options{
		Session:    r.ProfileInfo.SSO,
		Profile:    r.Profile,
		SDKOptions: r.SDKOptions,
		Machine:    ssologin.Machine{Getenv: a.io.Getenv},
		BrowserEnv: a.io.Environ(),
	}
}
