package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/settings"
	"github.com/awsfresh/awsfresh/internal/termtext"
)

func (a *app) trustCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "trust FILE...",
		Short: "Allow the commands and env in a project's settings file to be used",
		Long: `A project's .claude/settings.json and settings.local.json come with the repository, so the
awsAuthRefresh and awsCredentialExport commands in them are code from that repository, and
their env entries can decide what code runs or where requests go. awsfresh uses them only
after you reviewed the file and trusted its exact content where it is. Any later change to
the file needs a new 'awsfresh trust'. Trust prints what it trusted.

Without trust a project's env may set only these names (in any case):
` + wrapNames(settings.EnvAllowedUntrustedNames(), 90),
		Example: `  awsfresh trust .claude/settings.json`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := settings.DefaultTrustStore()
			if err != nil {
				return &exitError{code: exitUsage, lines: []string{"Error: " + err.Error()}}
			}
			for _, path := range args {
				if !isProjectSettingsFile(path) {
					a.warnf("%s is not a project's .claude/settings.json or .claude/settings.local.json; only those need trust", path)
				}
				tr, err := store.TrustFile(path)
				if err != nil {
					return &exitError{code: exitUsage, lines: []string{"Error: " + err.Error()}}
				}
				printTrusted(a.io.Stdout, tr)
			}
			return nil
		},
	}
}

// wrapNames lists names separated by commas, in lines of at most width.
func wrapNames(names []string, width int) string {
	var b strings.Builder
	line := 0
	for i, n := range names {
		if i > 0 {
			b.WriteString(",")
			line++
			if line+1+len(n) > width {
				b.WriteString("\n")
				line = 0
			} else {
				b.WriteString(" ")
				line++
			}
		}
		b.WriteString(n)
		line += len(n)
	}
	return b.String() + "."
}

func isProjectSettingsFile(path string) bool {
	base := filepath.Base(path)
	return filepath.Base(filepath.Dir(path)) == ".claude" && (base == "settings.json" || base == "settings.local.json")
}

// printTrusted shows what the user just allowed: every command and env
// entry of the file, escaped, values included (the user needs to see what
// will run; the file is theirs to read anyway).
func printTrusted(w io.Writer, tr *settings.Trusted) {
	fmt.Fprintf(w, "Trusted %s (sha256 %s).\n", termtext.Escape(tr.Path), tr.SHA256[:16])
	fs := tr.Settings
	var trusted, allowed []string
	for _, key := range fs.Keys {
		switch name, isEnv := strings.CutPrefix(key, settings.KeyEnv+"."); {
		case key == settings.KeyAuthRefresh:
			trusted = append(trusted, "run the login command (awsAuthRefresh): "+termtext.Escape(fs.AuthRefresh))
		case key == settings.KeyCredentialExport:
			trusted = append(trusted, "run the export command (awsCredentialExport): "+termtext.Escape(fs.CredentialExport))
		case isEnv && settings.EnvValueAllowedUntrusted(name, fs.Env[name]):
			allowed = append(allowed, termtext.Escape(name+"="+fs.Env[name]))
		case isEnv:
			trusted = append(trusted, "set "+termtext.Escape(name+"="+fs.Env[name])+" for the commands awsfresh runs and the program of 'awsfresh exec'")
		}
	}
	if len(trusted) == 0 {
		fmt.Fprintln(w, "Nothing in it needed trust.")
	} else {
		fmt.Fprintln(w, "Until the file changes, it may:")
		for _, t := range trusted {
			fmt.Fprintln(w, "  "+t)
		}
	}
	if len(allowed) > 0 {
		fmt.Fprintf(w, "It also sets, as any project may: %s\n", strings.Join(allowed, ", "))
	}
}
