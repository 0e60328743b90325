package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/progress"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/termtext"
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
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			r, err := a.resolve(ctx, resolveOptions{commandFlag: commandLine})
			if err != nil {
				return err
			}
			if r.Nested {
				return fmt.Errorf("%w (%s is set)", engine.ErrNested, resolve.EnvNested)
			}
			if force {
				// Both will be used: say so before anything runs.
				if err := refused(r.Refused()); err != nil {
					return err
				}
			}
			live := a.liveProgress(!interactive)
			defer live.stop()
			eng, err := a.newEngineWith(r, live.onEvent, func(o *engine.Options) {
				if o.Login != nil {
					o.Login.Interactive = interactive
					o.Login.Output = live.display.Writer()
				}
			})
			if err != nil {
				return err
			}
			if r.Login != nil {
				a.debugf("profile %q (from %s); login command %q (from %s); timeout %s", r.Profile, r.ProfileFrom, r.Login.Line, r.Login.From, r.Timeout)
			}
			res, err := eng.Refresh(ctx, force)
			if err != nil {
				return err
			}
			a.printValid(r.Profile, res)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&commandLine, "command", "", "login command to run (default: $AWSFRESH_REFRESH_COMMAND, settings awsAuthRefresh, or the built-in sign-in, awsfresh login, for an SSO profile)")
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
		fmt.Fprintf(a.io.Stderr, "Credentials for profile %q are valid (%s).\n", profile, termtext.Escape(res.Identity))
	default:
		fmt.Fprintf(a.io.Stderr, "Credentials for profile %q are present (expiry unknown).\n", profile)
	}
}

// printEvent reports engine events on stderr.
func (a *app) printEvent(ev engine.Event) {
	switch ev.Kind {
	case engine.EventLoginStarted:
		fmt.Fprintf(a.io.Stderr, "awsfresh: running the login command for profile %q (timeout %s): %s\n", ev.Profile, wording.Duration(ev.Timeout), termtext.Escape(ev.Command))
	case engine.EventLoginFinished:
		a.debugf("login command finished in %s", ev.Elapsed.Round(time.Millisecond))
	case engine.EventRetrieve:
		a.debugf("retrieving credentials from the %s", ev.Message)
	case engine.EventWarning:
		// Warnings are printed once, from the Result, or below on failure.
		a.debugf("warning: %s", ev.Message)
	}
}

// liveProgress shows a status line while a login command runs: redrawn in
// place on a terminal, occasional plain lines otherwise (package progress).
// With show false (an interactive login, whose prompt the line would
// overwrite) only the command's output passes through.
type liveProgress struct {
	app     *app
	display *progress.Display
	show    bool
}

func (a *app) liveProgress(show bool) *liveProgress {
	return &liveProgress{app: a, display: progress.NewDisplay(progress.Auto(a.io.Stderr, a.io.Getenv)), show: show}
}

func (l *liveProgress) onEvent(ev engine.Event) {
	switch ev.Kind {
	case engine.EventLoginStarted:
		l.app.printEvent(ev)
		if l.show {
			l.display.Start(termtext.Escape(ev.Command), ev.Timeout)
		}
		return
	case engine.EventLoginFinished, engine.EventLoginFailed:
		l.display.Stop() // cleared before anything else is printed
	}
	l.app.printEvent(ev)
}

func (l *liveProgress) stop() { l.display.Stop() }
