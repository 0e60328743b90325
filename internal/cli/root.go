package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
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
}

// Main runs awsfresh with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, streams IO) int {
	if streams.Getenv == nil {
		streams.Getenv = os.Getenv
	}
	if streams.Environ == nil {
		streams.Environ = os.Environ
	}
	a := &app{io: streams}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(streams.Stdin)
	root.SetOut(streams.Stdout)
	root.SetErr(streams.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	return a.report(err)
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "awsfresh",
		Short: "Keep AWS credentials fresh for long-running programs",
		Long: `awsfresh keeps AWS credentials fresh for long-running programs: AI coding agents on
Amazon Bedrock, build jobs, shells. When credentials or the SSO session expire it runs your
login command, bounded by a deadline and never in a loop, and hands out the new credentials.`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.flags.profile, "profile", "", "AWS profile (default: $AWS_PROFILE, then the settings' env.AWS_PROFILE, then \"default\")")
	pf.StringArrayVar(&a.flags.settings, "settings", nil, "extra settings `file` (repeatable)")
	pf.DurationVar(&a.flags.timeout, "timeout", 0, "deadline for each command awsfresh runs (default 3m, or $AWSFRESH_TIMEOUT)")
	pf.BoolVar(&a.flags.debug, "debug", false, "explain what awsfresh decides and why, on stderr")
	root.AddCommand(a.refreshCommand(), a.exportCommand(), a.execCommand(), a.statusCommand(), a.doctorCommand(), a.setupCommand(), a.trustCommand(), a.demoCommand())
	return root
}

// usageError marks a bad flag or argument: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitError carries an exit code and the lines to print on stderr.
type exitError struct {
	code  int
	lines []string
}

func (e *exitError) Error() string {
	if len(e.lines) == 0 {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.lines[0]
}

func (a *app) debugf(format string, args ...any) {
	if a.flags.debug {
		fmt.Fprintf(a.io.Stderr, "awsfresh: "+format+"\n", args...)
	}
}

func (a *app) warnf(format string, args ...any) {
	fmt.Fprintf(a.io.Stderr, "Warning: "+format+"\n", args...)
}

// report prints err the SPEC's way and returns the exit code.
func (a *app) report(err error) int {
	var ee *exitError
	if !errors.As(err, &ee) {
		ee = describe(err)
	}
	for _, l := range ee.lines {
		fmt.Fprintln(a.io.Stderr, l)
	}
	return ee.code
}
