package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/termtext"
)

// Version is set at build time with -ldflags "-X github.com/awsfresh/awsfresh/internal/cli.Version=…".
var Version = "dev"

// IO is the process's standard streams and environment, passed in so tests
// can run the CLI in-process.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Environ        func() []string
}

// globalFlags are the flags every command takes.
type globalFlags struct {
	profile  string
	settings []string
	timeout  time.Duration
	debug    bool
}

// app carries what every command needs.
type app struct {
	io    IO
	flags globalFlags
	// resolved is what this invocation resolved, once it has: messages
	// use it to write commands the user can run as shown.
	resolved *resolved
	signals  *signalHandler // nil when run in-process (Main)
	// ran is set once a command's own code starts: an error before that
	// (a flag, an argument, an unknown subcommand) is a usage error.
	ran bool
	// brokenSettings are settings files this call could not use: said
	// when it ends, unless its error already says it (flushBrokenSettings).
	brokenSettings []error
}

// Main runs awsfresh with args (without the program name) and returns the
// process exit code. Canceling ctx interrupts the command (exit 130, or
// 128+N when its cause is a signal's; see Run).
func Main(ctx context.Context, args []string, streams IO) int {
	return run(ctx, args, streams, nil)
}

func run(ctx context.Context, args []string, streams IO, signals *signalHandler) int {
	if streams.Getenv == nil {
		streams.Getenv = os.Getenv
	}
	if streams.Environ == nil {
		streams.Environ = os.Environ
	}
	a := &app{io: streams, signals: signals}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(streams.Stdin)
	root.SetOut(streams.Stdout)
	root.SetErr(streams.Stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		a.flushBrokenSettings(nil)
		return 0
	}
	if !a.ran && !errors.As(err, new(usageError)) {
		err = usageError{err} // cobra's own: an unknown subcommand, a stray argument
	}
	return signalExit(ctx, a.report(err, cmd))
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "awsfresh",
		Short: "Keep AWS credentials fresh for long-running programs",
		Long: `awsfresh keeps AWS credentials fresh for long-running programs: AI coding agents on
Amazon Bedrock, build jobs, shells. When credentials or the SSO session expire it runs your
login command, bounded by a deadline and never in a loop, and hands out the new credentials.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("awsfresh version {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.flags.profile, "profile", "", "AWS profile (default: $AWS_PROFILE, $AWSFRESH_PROFILE (set by exec), the settings' env.AWS_PROFILE, then \"default\")")
	pf.StringArrayVar(&a.flags.settings, "settings", nil, "extra settings `file` (repeatable)")
	pf.DurationVar(&a.flags.timeout, "timeout", 0, "deadline for each command awsfresh runs (default 3m, or $AWSFRESH_TIMEOUT)")
	pf.BoolVar(&a.flags.debug, "debug", false, "explain what awsfresh decides and why, on stderr")
	_ = root.RegisterFlagCompletionFunc("profile", completeProfiles)
	_ = root.MarkPersistentFlagFilename("settings", "json")
	_ = root.RegisterFlagCompletionFunc("timeout", cobra.NoFileCompletions)
	root.AddCommand(a.refreshCommand(), a.exportCommand(), a.execCommand(), a.loginCommand(), a.statusCommand(), a.doctorCommand(), a.setupCommand(), a.trustCommand(), a.demoCommand())
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "demo" || c.Name() == "completion" {
			withoutGlobalFlags(c)
		}
	}
	a.markRun(root)
	return root
}

// markRun wraps the RunE of c and its subcommands to set a.ran.
func (a *app) markRun(c *cobra.Command) {
	for _, sub := range c.Commands() {
		a.markRun(sub)
	}
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			a.ran = true
			return run(cmd, args)
		}
	}
}

// noArgs refuses arguments, as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments (got %q)", cmd.CommandPath(), args[0])}
	}
	return nil
}

// globalFlagsHelp is the part of cobra's usage template that lists the
// global flags.
const globalFlagsHelp = `{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}`

// withoutGlobalFlags leaves the global flags out of the help of cmd and
// its subcommands, where they do nothing.
func withoutGlobalFlags(cmd *cobra.Command) {
	cmd.SetUsageTemplate(strings.Replace(cmd.UsageTemplate(), globalFlagsHelp, "", 1))
}

// completeProfiles completes --profile with the profiles of the shared
// files.
func completeProfiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	names, err := source.ProfileNames()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// version is what --version prints: the version set at build time, else
// what the Go toolchain recorded: the module version (a release for `go
// install …@v1.2.0`, a pseudo-version with the commit for a build in a
// clone) and, when that does not name it, the VCS revision.
func version() string {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(Version, bi)
}

// versionFrom is version with the build-time version set and the build
// information (nil when there is none) passed in.
func versionFrom(set string, bi *debug.BuildInfo) string {
	if set != "dev" || bi == nil {
		return set
	}
	v := bi.Main.Version
	var rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if v == "" || v == "(devel)" {
		v = set
	}
	if short := rev[:min(len(rev), 12)]; short != "" && !strings.Contains(v, short) {
		if modified {
			short += "+dirty"
		}
		v += " (" + strings.TrimSpace(short+" "+at) + ")"
	}
	return v
}

// usageError marks a bad flag or argument: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries an exit code and the lines to print on stderr.
type exitError struct {
	code  int
	lines []string
	cause error // what the lines word, when a caller may need to tell
}

func (e *exitError) Unwrap() error { return e.cause }

func (e *exitError) Error() string {
	if len(e.lines) == 0 {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.lines[0]
}

// useLine is how cmd is used, in one line.
func useLine(cmd *cobra.Command) string {
	if cmd.Runnable() {
		return cmd.UseLine()
	}
	return cmd.CommandPath() + " COMMAND [flags]"
}

func (a *app) debugf(format string, args ...any) {
	if a.flags.debug {
		fmt.Fprintln(a.io.Stderr, "awsfresh: "+termtext.Escape(fmt.Sprintf(format, args...)))
	}
}

func (a *app) warnf(format string, args ...any) {
	fmt.Fprintln(a.io.Stderr, "Warning: "+termtext.Escape(fmt.Sprintf(format, args...)))
}

// report prints err the SPEC's way and returns the exit code. A usage
// error shows the usage line of cmd, the command that was run.
func (a *app) report(err error, cmd *cobra.Command) int {
	var ee *exitError
	var usage usageError
	switch {
	case errors.As(err, &ee):
	case errors.As(err, &usage) && cmd != nil:
		ee = &exitError{code: exitUsage, lines: []string{"Error: " + usage.Error(), "Usage: " + useLine(cmd),
			fmt.Sprintf("Run '%s --help' for more.", cmd.CommandPath())}}
	default:
		ee = a.describe(err)
	}
	a.flushBrokenSettings(ee.lines)
	for _, l := range ee.lines {
		fmt.Fprintln(a.io.Stderr, termtext.Escape(l))
	}
	return ee.code
}
