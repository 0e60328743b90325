package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

func (a *app) exportCommand() *cobra.Command {
	var (
		commandLine string
		format      string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print valid credentials (drop-in for awsCredentialExport and credential_process)",
		Long: `Export prints valid credentials on stdout and nothing else: from the cache when they are
valid for more than 15 minutes, otherwise fresh ones from the export command or the AWS SDK's
credential chain for the profile. When that fails because the login expired, it runs the login
command once (bounded by --timeout) and tries once more.

Formats: process (credential_process v1, the default), claude (Claude Code's
awsCredentialExport object), env (shell export lines).`,
		Example: `  # ~/.aws/config
  [profile bedrock]
  credential_process = awsfresh export --profile dev

  # ~/.claude/settings.json
  "awsCredentialExport": "awsfresh export --profile dev --format claude"

  eval "$(awsfresh export --profile dev --format env)"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := creds.ParseFormat(format)
			if err != nil {
				return usageError{err}
			}
			ctx := cmd.Context()
			r, err := a.resolve(ctx, resolveOptions{commandFlag: commandLine, forExport: true})
			if err != nil {
				return err
			}
			live := a.liveProgress(true)
			defer live.stop()
			withLive := func(o *engine.Options) {
				if o.Login != nil {
					o.Login.Output = live.display.Writer()
				}
			}
			eng, err := a.newEngineWith(r, live.onEvent, withLive)
			if err != nil {
				return err
			}
			res, err := eng.Credentials(ctx)
			if err != nil {
				return err
			}
			warnings := res.Warnings
			if f == creds.FormatClaude && !res.Credentials.Temporary() {
				// Claude Code refuses long-term keys: exchange them for
				// temporary ones, cached under a source of their own.
				r.needSessionToken = true
				if eng, err = a.newEngineWith(r, live.onEvent, withLive); err != nil {
					return err
				}
				if res, err = eng.Credentials(ctx); err != nil {
					return err
				}
				warnings = append(warnings, res.Warnings...)
			}
			for _, w := range warnings {
				a.warnf("%s", w)
			}
			out, err := creds.Render(res.Credentials, f)
			if errors.Is(err, creds.ErrNoSessionToken) {
				return &exitError{code: exitFailed, lines: []string{
					"Error: the credentials are long-term keys without a session token, and Claude Code rejects those.",
					"Use a profile with temporary credentials (SSO or a role), or --format process.",
				}}
			}
			if err != nil {
				return err
			}
			_, err = a.io.Stdout.Write(out)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&commandLine, "command", "", "export command that prints credentials JSON (default: $AWSFRESH_EXPORT_COMMAND, settings awsCredentialExport, else the AWS SDK chain for the profile)")
	fl.StringVar(&format, "format", "process", "output format: process, claude or env")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{
		"process\tcredential_process v1 JSON",
		"claude\tClaude Code's awsCredentialExport object",
		"env\tshell export lines",
	}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
