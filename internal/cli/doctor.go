package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/doctor"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/termtext"
)

func (a *app) doctorCommand() *cobra.Command {
	var asJSON, offline bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the profile, AWS and Claude Code's settings; print each problem with its fix",
		Long: `Doctor checks whether a profile, this environment, AWS and Claude Code's settings work
together, and prints each check with its status (ok, warning, problem, or skipped when it does
not apply), one line of explanation, and the exact fix. It changes nothing and runs no login.
The profile is --profile, else AWS_PROFILE, the settings' env.AWS_PROFILE, the --profile of the
settings' awsfresh commands, else "default".

Checks (the ids are stable; --json prints every one with its status, message and fix):
  profile.exists          the profile is defined (else the profiles there are, and the closest name)
  profile.kind            how it gets credentials: sso-session, legacy SSO, role, credential_process, keys
  profile.region          the profile sets a region
  shadow.env-keys         no static key variables (AWS_ACCESS_KEY_ID, ...) shadow the profile
  shadow.aws-profile      no other AWS_PROFILE (environment, settings, commands) competes with it
  shadow.default-profile  the default profile would not win under awsfresh exec
  sso.session             the SSO token: present, time left, renewable, client registration
  credentials.obtain      credentials come without a login (and from where)
  credentials.verify      STS GetCallerIdentity accepts them (account and role)
  clock.skew              this machine's clock against the Date of AWS's answers (problem beyond 5 minutes)
  bedrock.endpoint        the region's bedrock-runtime endpoint answers
  bedrock.model           Claude Code's model answers a one-token InvokeModel request
  claude.settings         which Claude Code settings files were read; a malformed one
  claude.bedrock          CLAUDE_CODE_USE_BEDROCK is set in the settings' env
  claude.region           AWS_REGION is set in the settings' env
  claude.refresh          awsAuthRefresh runs awsfresh refresh for this profile
  claude.export           awsCredentialExport runs awsfresh export --format claude for this profile
  claude.static-keys      no static keys in the settings' env (Claude Code would skip the export)
  claude.trust            nothing awsfresh would run comes from an untrusted project file
  login.command           the login command's program is on PATH and is not awsfresh itself

Bedrock failures are problems when Claude Code is set to use Bedrock, warnings otherwise.
Each network check has its own deadline (credentials 8s, STS 5s, Bedrock 5s, the endpoint 3s)
and they run side by side where they can, so the doctor ends within about 15 seconds even when
AWS never answers. --offline sends nothing signed with the credentials (no STS, no model
request); credentials are still obtained as export would (which may renew an expired SSO access
token with its refresh token, as any AWS tool would).

Exit status: 0 when no check found a problem (warnings allowed), 1 when one did, 2 on a usage
error. Nothing is printed that is a secret: access key ids are masked as in status.`,
		Example: `  awsfresh doctor --profile dev
  awsfresh doctor --offline
  awsfresh doctor --json | jq '.checks[] | select(.status == "problem")'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := a.resolveInput(resolveOptions{})
			if err != nil {
				return err
			}
			rep, err := a.runDoctor(cmd.Context(), in, offline)
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(a.io.Stdout, rep); err != nil {
					return err
				}
			} else {
				printDoctor(a.io.Stdout, rep)
			}
			if rep.Count(doctor.Problem) > 0 {
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks as JSON")
	cmd.Flags().BoolVar(&offline, "offline", false, "send no request signed with the credentials (no STS, no Bedrock model request)")
	return cmd
}

// runDoctor runs the doctor's checks for what in resolves to.
func (a *app) runDoctor(ctx context.Context, in resolve.Input, offline bool) (*doctor.Report, error) {
	rep, err := doctor.Run(ctx, doctor.Options{Resolve: in, Offline: offline})
	var te *resolve.TimeoutError
	if errors.As(err, &te) {
		return nil, usageError{err}
	}
	return rep, err
}

// printDoctor prints the report for a person: one line a check, the fix
// under warnings and problems, and a count.
func printDoctor(out io.Writer, rep *doctor.Report) {
	// Names, paths, regions and AWS's words come from outside: escaped.
	w := new(strings.Builder)
	defer func() { io.WriteString(out, termtext.EscapeLines(w.String())) }()
	region := ""
	if rep.Region != "" {
		region = ", region " + rep.Region
	}
	fmt.Fprintf(w, "Profile %q (from %s)%s\n\n", rep.Profile, rep.ProfileFrom, region)
	for _, c := range rep.Checks {
		fmt.Fprintf(w, "%-8s %-23s %s\n", c.Status, c.ID, c.Message)
		if c.Fix != "" {
			fmt.Fprintf(w, "%-8s %-23s fix: %s\n", "", "", c.Fix)
		}
	}
	var counts []string
	for _, s := range []doctor.Status{doctor.Problem, doctor.Warning, doctor.OK, doctor.Skipped} {
		if n := rep.Count(s); n > 0 {
			counts = append(counts, plural(n, string(s)))
		}
	}
	fmt.Fprintf(w, "\n%s.\n", strings.Join(counts, ", "))
}

func plural(n int, word string) string {
	if n == 1 || word == "ok" || word == "skipped" {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
