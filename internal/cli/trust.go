package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/settings"
)

func (a *app) trustCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "trust FILE...",
		Short: "Allow the commands in a project's settings file to run",
		Long: `A project's .claude/settings.json and settings.local.json come with the repository, so the
awsAuthRefresh and awsCredentialExport commands in them are code from that repository.
awsfresh runs them only after you reviewed the file and trusted its exact content; any
later change to the file needs a new 'awsfresh trust'.`,
		Example: `  awsfresh trust .claude/settings.json`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := settings.DefaultTrustStore()
			if err != nil {
				return &exitError{code: exitUsage, lines: []string{"Error: " + err.Error()}}
			}
			for _, path := range args {
				sum, err := store.Trust(path)
				if err != nil {
					return &exitError{code: exitUsage, lines: []string{"Error: " + err.Error()}}
				}
				fmt.Fprintf(a.io.Stdout, "Trusted %s (sha256 %s).\n", path, sum[:16])
			}
			return nil
		},
	}
}
