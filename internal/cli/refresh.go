package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/engine"
	"github.com/awsfresh/awsfresh/internal/wording"
)

func (a *app) refreshCommand() *cobra.Command {
	var (
		commandLine string
		force       bool
		interactive bool
	)
	cmd := &cobra.Command{
		Use:   "refresh",
		Short: "Run the login command if the credentials need it (drop-in for awsAuthRefresh)",
		Long: `Refresh makes sure the profile's credentials are valid. It runs the login command only
when they are missing, expired, rejected by AWS, or expire within 10 minutes (or with
--force), with a deadline (--timeout, default 3m). The command's output is shown on stderr;
its stdin is /dev/null unless --interactive, so a prompt fails fast instead of hanging.`,
		Example: `  awsfresh refresh --profile dev
  awsfresh refresh --command 'aws sso login --profile dev' --timeout 90s
  # in ~/.claude/settings.json:  "awsAuthRefresh": "awsfresh refresh --profile dev"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			r, err := a.resolve(ctx, resolveOptions{commandFlag: commandLine})
			if err != nil {
				return err
			}
			if r.nested {
				return fmt.Errorf("%w (%s is set)", engine.ErrNested, envNested)
			}
			if err := r.checkTrust(r.login, r.export); err != nil {
				return err
			}
			eng, err := a.newEngineWith(r, a.printEvent, func(o *engine.Options) {
				if o.Login != nil {
					o.Login.Interactive = interactive
				}
			})
			if err != nil {
				return err
			}
			if r.login != nil {
				a.debugf("profile %q (from %s); login command %q (from %s); timeout %s", r.profile, r.profileFrom, r.login.line, r.login.from, r.timeout)
			}
			res, err := eng.Refresh(ctx, force)
			if err != nil {
				return err
			}
			a.printValid(r.profile, res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&commandLine, "command", "", "login command to run (default: $AWSFRESH_REFRESH_COMMAND, settings awsAuthRefresh, or aws sso login for an SSO profile)")
	f.BoolVar(&force, "force", false, "run the login command even if the credentials are valid, and despite a cooldown")
	f.BoolVar(&interactive, "interactive", false, "give the login command the terminal's stdin (for prompts such as MFA codes)")
	return cmd
}

// printValid says on stderr what the credentials are now.
func (a *app) printValid(profile string, res engine.Result) {
	for _, w := range res.Warnings {
		a.warnf("%s", w)
	}
	c := res.Credentials
	switch {
	case c.HasExpiration():
		left := time.Until(c.Expiration)
		fmt.Fprintf(a.io.Stderr, "Credentials for profile %q are valid for %s (until %s).\n", profile, wording.Duration(left), c.Expiration.Local().Format("15:04 MST"))
	case res.Identity != "":
		fmt.Fprintf(a.io.Stderr, "Credentials for profile %q are valid (%s).\n", profile, res.Identity)
	default:
		fmt.Fprintf(a.io.Stderr, "Credentials for profile %q are present (expiry unknown).\n", profile)
	}
}

// printEvent reports engine events on stderr.
func (a *app) printEvent(ev engine.Event) {
	switch ev.Kind {
	case engine.EventLoginStarted:
		fmt.Fprintf(a.io.Stderr, "awsfresh: running the login command for profile %q (timeout %s): %s\n", ev.Profile, wording.Duration(ev.Timeout), ev.Command)
	case engine.EventLoginFinished:
		a.debugf("login command finished in %s", ev.Elapsed.Round(time.Millisecond))
	case engine.EventRetrieve:
		a.debugf("retrieving credentials from the %s", ev.Message)
	case engine.EventWarning:
		// Warnings are printed once, from the Result, or below on failure.
		a.debugf("warning: %s", ev.Message)
	}
}
