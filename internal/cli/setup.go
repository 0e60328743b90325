package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/doctor"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/settings"
	"github.com/awsfresh/awsfresh/internal/source"
)

func (a *app) setupCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Configure a program to get its AWS credentials through awsfresh",
		Long:  `Setup writes the configuration that makes a program get its AWS credentials through awsfresh.`,
		Example: `  awsfresh setup claude --profile dev
  awsfresh setup claude --profile dev --region eu-west-1 --project --dry-run`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unknown program %q for \"awsfresh setup\" (known: claude)", args[0])}
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(a.setupClaudeCommand())
	return cmd
}

// setupClaudeOptions are the flags of `setup claude`.
type setupClaudeOptions struct {
	region          string
	user, project   bool
	dryRun, offline bool
}

func (a *app) setupClaudeCommand() *cobra.Command {
	var o setupClaudeOptions
	cmd := &cobra.Command{
		Use:   "claude",
		Short: "Set up Claude Code on Bedrock with awsfresh's refresh and export",
		Long: `Setup claude merges into Claude Code's settings what Claude Code on Bedrock needs:

  awsAuthRefresh        awsfresh refresh --profile P
  awsCredentialExport   awsfresh export --profile P --format claude
  env.CLAUDE_CODE_USE_BEDROCK  1
  env.AWS_REGION        --region, else the file's own, else the profile's region (an error if none)
  env.AWS_PROFILE       only where needed: when the file names another profile, or when the
                        default profile has credentials of its own that the AWS SDK inside
                        Claude Code would otherwise take; the two commands name P already

A login or export command the file already had that is not awsfresh is kept, run by awsfresh
(--command). Every other key keeps its value and its place, and the file keeps its indentation;
the file is replaced atomically and the previous one kept as settings.json.bak. A malformed file
is refused (nothing changes) with the line and column of the error. A second run changes
nothing and says so. --dry-run prints the change as a diff and writes nothing.

--user (the default) writes ~/.claude/settings.json ($CLAUDE_CONFIG_DIR/settings.json);
--project writes .claude/settings.json of the current repository, to commit for the team: each
teammate reviews it and runs 'awsfresh trust .claude/settings.json'.

It ends by running the doctor's checks for the profile and printing them (awsfresh doctor). Its
exit status says whether the settings were written (0) or refused (2), not what the doctor found.`,
		Example: `  awsfresh setup claude --profile dev
  awsfresh setup claude --profile dev --region us-west-2 --dry-run
  awsfresh setup claude --profile dev --project`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.user && o.project {
				return usageError{errors.New("--user and --project cannot be used together")}
			}
			return a.setupClaude(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.region, "region", "", "the AWS region of Bedrock (default: the profile's region)")
	fl.BoolVar(&o.user, "user", false, "write the user's settings, ~/.claude/settings.json (the default)")
	fl.BoolVar(&o.project, "project", false, "write .claude/settings.json of the current repository")
	fl.BoolVar(&o.dryRun, "dry-run", false, "print the change as a diff; write nothing")
	fl.BoolVar(&o.offline, "offline", false, "run the doctor's checks with --offline")
	return cmd
}

// configError is a configuration error: exit 2, nothing changed.
func configError(lines ...string) error {
	lines[0] = "Error: " + lines[0]
	return &exitError{code: exitUsage, lines: lines}
}

func (a *app) setupClaude(ctx context.Context, o setupClaudeOptions) error {
	in, err := a.resolveInput(resolveOptions{})
	if err != nil {
		return err
	}
	r, err := doctor.ResolveForClaude(ctx, in)
	var te *resolve.TimeoutError
	switch {
	case errors.As(err, &te):
		return usageError{err}
	case err != nil:
		return configError(err.Error(), "Nothing was changed.")
	}
	profile := r.ProfileInfo
	if !profile.Exists {
		e := source.ProfileNotFound(profile.Name, r.SDKOptions...)
		msg := e.WithSuggestion()
		return configError(msg, "Nothing was changed. Create the profile first (aws configure sso --profile "+creds.ShellQuote(profile.Name)+"), or name another with --profile.")
	}

	target, err := setupTarget(r, in, o.project)
	if err != nil {
		return configError(err.Error(), "Nothing was changed.")
	}
	old, err := os.ReadFile(target)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return configError(err.Error(), "Nothing was changed.")
	}
	existing, err := settings.Parse(target, old)
	if err != nil {
		return configError(err.Error(), "Nothing was changed: fix the file first (awsfresh does not rewrite a file it cannot read).")
	}

	plan, err := a.planClaude(ctx, r, existing, o)
	if err != nil {
		return err
	}
	display := tildePath(target, in.HomeDir)
	if len(plan.edits) == 0 {
		fmt.Fprintf(a.io.Stdout, "%s is already set up for profile %q; nothing changed.\n", display, profile.Name)
	} else {
		updated, err := settings.ApplyEdits(target, old, plan.edits)
		if err != nil {
			return configError(err.Error(), "Nothing was changed.")
		}
		if o.dryRun {
			diff := unifiedDiff(display, display+" (after awsfresh setup claude)", string(old), string(updated))
			for _, l := range splitLines(diff) {
				fmt.Fprintln(a.io.Stdout, creds.Redact(l))
			}
			fmt.Fprintln(a.io.Stdout, "Dry run: nothing was written.")
			return nil
		}
		perm := fs.FileMode(0o600)
		if o.project {
			perm = 0o644
		}
		backup, err := settings.WriteFile(target, updated, perm)
		if err != nil {
			return &exitError{code: exitFailed, lines: []string{"Error: " + err.Error()}}
		}
		if backup != "" {
			fmt.Fprintf(a.io.Stdout, "Updated %s (the previous version is in %s):\n", display, tildePath(backup, in.HomeDir))
		} else {
			fmt.Fprintf(a.io.Stdout, "Created %s:\n", display)
		}
		for _, l := range plan.changes {
			fmt.Fprintln(a.io.Stdout, "  "+l)
		}
	}
	for _, n := range plan.notes {
		fmt.Fprintln(a.io.Stdout, n)
	}
	if o.project {
		fmt.Fprintf(a.io.Stdout, "Commit it; each teammate reviews it and runs: awsfresh trust %s\n", creds.ShellQuote(target))
	}
	if o.dryRun {
		return nil
	}

	fmt.Fprintf(a.io.Stdout, "\nChecking (awsfresh doctor --profile %s):\n", creds.ShellQuote(profile.Name))
	in.Profile = profile.Name
	rep, err := a.runDoctor(ctx, in, o.offline)
	if err != nil {
		return err
	}
	printDoctor(a.io.Stdout, rep)
	return nil
}

// claudePlan is what setup changes, and what it tells about it.
type claudePlan struct {
	edits   []settings.Edit
	changes []string // one line per edit
	notes   []string
}

func (p *claudePlan) set(path []string, value, old string, had bool) {
	if had && old == value {
		return
	}
	p.edits = append(p.edits, settings.Edit{Path: path, Value: value})
	line := strings.Join(path, ".") + ": " + value
	if had {
		line += "  (was: " + creds.Redact(old) + ")"
	}
	p.changes = append(p.changes, line)
}

// planClaude decides the entries for profile r.Profile given what the
// file has.
func (a *app) planClaude(ctx context.Context, r *resolve.Result, existing *settings.FileSettings, o setupClaudeOptions) (*claudePlan, error) {
	p := &claudePlan{}
	name := r.ProfileInfo.Name
	q := creds.ShellQuote(name)
	self, _ := os.Executable()
	prog := "awsfresh"
	if !o.project {
		if _, err := exec.LookPath("awsfresh"); err != nil && self != "" {
			prog = creds.ShellQuote(self)
			p.notes = append(p.notes, "awsfresh is not on PATH, so the settings name it by its full path ("+self+").")
		}
	}

	// A login or export command of the user's own stays, run by awsfresh.
	keep := func(old string) string {
		if old == "" {
			return ""
		}
		if c, ok := resolve.ParseAwsfreshCommand(old, self); ok {
			return c.Command
		}
		if r.ProfileInfo.IsSSO() && old == "aws sso login --profile "+q {
			return "" // what awsfresh runs for an SSO profile anyway
		}
		return old
	}
	refresh := prog + " refresh --profile " + q
	if c := keep(existing.AuthRefresh); c != "" {
		refresh += " --command " + creds.ShellQuote(c)
	}
	export := prog + " export --profile " + q + " --format claude"
	if c := keep(existing.CredentialExport); c != "" {
		export += " --command " + creds.ShellQuote(c)
	}
	p.set([]string{settings.KeyAuthRefresh}, refresh, existing.AuthRefresh, existing.AuthRefresh != "")
	p.set([]string{settings.KeyCredentialExport}, export, existing.CredentialExport, existing.CredentialExport != "")

	env := func(k string) (string, bool) { v, ok := existing.Env[k]; return v, ok }
	if v, ok := env("CLAUDE_CODE_USE_BEDROCK"); !ok || !doctor.Truthy(v) {
		p.set([]string{settings.KeyEnv, "CLAUDE_CODE_USE_BEDROCK"}, "1", v, ok)
	}
	region, had := env("AWS_REGION")
	switch {
	case o.region != "":
		p.set([]string{settings.KeyEnv, "AWS_REGION"}, o.region, region, had)
	case had && region != "":
		if r.ProfileInfo.Region != "" && r.ProfileInfo.Region != region {
			p.notes = append(p.notes, fmt.Sprintf("env.AWS_REGION stays %s (the profile's region is %s; --region changes it).", region, r.ProfileInfo.Region))
		}
	case r.ProfileInfo.Region != "":
		p.set([]string{settings.KeyEnv, "AWS_REGION"}, r.ProfileInfo.Region, region, had)
	default:
		return nil, configError(fmt.Sprintf("no region for Claude Code: profile %q sets none and --region was not given.", name),
			"Pass --region REGION (where you use Bedrock), or set one for the profile: aws configure set region REGION --profile "+q+". Nothing was changed.")
	}

	// AWS_PROFILE: both commands name the profile, so it is needed only
	// where something else would pick another one.
	cur, hasProfile := env("AWS_PROFILE")
	switch {
	case hasProfile && cur != name:
		p.set([]string{settings.KeyEnv, "AWS_PROFILE"}, name, cur, true)
	case hasProfile:
	case name != "default" && defaultHasCredentials(ctx, r):
		p.set([]string{settings.KeyEnv, "AWS_PROFILE"}, name, "", false)
		p.notes = append(p.notes, "env.AWS_PROFILE is set because the default profile has credentials of its own, which the AWS SDK inside Claude Code (and the tools it runs) would otherwise take.")
	}
	return p, nil
}

// defaultHasCredentials reports whether the default profile gets
// credentials of its own.
func defaultHasCredentials(ctx context.Context, r *resolve.Result) bool {
	def, err := source.LoadProfile(ctx, "default", r.SDKOptions...)
	return err == nil && def.Exists && (def.IsSSO() || def.RoleARN != "" || def.CredentialProcess != "" || def.StaticKeys)
}

// setupTarget is the settings file to write: the user's, or the current
// repository's .claude/settings.json.
func setupTarget(r *resolve.Result, in resolve.Input, project bool) (string, error) {
	if !project {
		for _, f := range r.Settings.Files {
			if f.Scope == settings.User {
				return f.Path, nil
			}
		}
		return "", errors.New("no user settings directory: set HOME or CLAUDE_CONFIG_DIR")
	}
	root := r.Settings.ProjectDir
	if root == "" {
		root = repositoryRoot(in.ProjectDir)
	}
	if root == "" {
		return "", errors.New("--project: " + in.ProjectDir + " is not inside a repository (no .git above it); run it in the repository, or use --user")
	}
	if in.HomeDir != "" && sameDir(root, in.HomeDir) {
		return "", errors.New("--project: the repository is your home directory, whose .claude/settings.json is the user's; use --user")
	}
	path := filepath.Join(root, ".claude", "settings.json")
	// The file is for the team and comes with the repository, links
	// included: a link must not make setup write outside it.
	if err := settings.CheckInProject(root, path); err != nil {
		return "", fmt.Errorf("--project: %w; replace the link with a file of the repository's own, or use --user", err)
	}
	return path, nil
}

// repositoryRoot is the nearest directory at or above dir that holds .git.
func repositoryRoot(dir string) string {
	for dir != "" {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}

func sameDir(a, b string) bool {
	ia, err1 := os.Stat(a)
	ib, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(ia, ib)
}

// tildePath shows a path under home as ~/….
func tildePath(path, home string) string {
	if home != "" {
		if rel, err := filepath.Rel(home, path); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return filepath.Join("~", rel)
		}
	}
	return path
}
