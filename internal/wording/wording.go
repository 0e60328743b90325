// Package wording owns how awsfresh words its errors for people: the
// SPEC's stable first lines, the lines that follow, the exit code that goes
// with each, and durations written as a person would. The command line and
// the Go library both use it, so a message reads the same everywhere. It
// never puts a secret in a message: command output is redacted.
package wording

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/settings"
	"github.com/awsfresh/awsfresh/internal/source"
)

// Exit codes (SPEC, Errors and exit codes).
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2 // usage or configuration error
	ExitTimeout     = 124
	ExitInterrupted = 130
)

// Message is an error as a person reads it.
type Message struct {
	Code  int      // the exit code that goes with it
	Lines []string // the first line is stable: scripts and tests match it
}

const (
	msgInterrupted  = "AWS authentication refresh interrupted."
	msgCheckCreds   = "Please check your AWS credentials and try again."
	msgTokenExpired = "Security token expired. Please refresh your AWS credentials."
)

// Describe words any error the SPEC's way.
func Describe(err error) Message {
	var (
		loginErr *engine.LoginError
		still    *engine.StillInvalidError
		cool     *engine.CooldownError
		diag     *engine.DiagnosedError
		cmdErr   *source.CommandError
	)
	switch {
	case errors.Is(err, runcmd.ErrInterrupted), errors.Is(err, context.Canceled):
		return Message{Code: ExitInterrupted, Lines: []string{msgInterrupted}}
	case errors.As(err, &loginErr):
		return describeRun("AWS authentication refresh", loginErr.Command, loginErr.Err, loginErr.StderrTail,
			engine.Classify(loginErr.LastCause) == engine.KindLoginExpired)
	case errors.As(err, &still):
		return Message{Code: ExitFailed, Lines: []string{
			fmt.Sprintf("Error: AWS authentication refresh finished, but the credentials for profile %q are still not valid.", still.Profile),
			"Reason: " + creds.Redact(still.Err.Error()),
			"awsfresh will not run the login command again on its own for a while; fix the login command or the profile, then run 'awsfresh refresh --force'.",
		}}
	case errors.As(err, &cool):
		lines := []string{fmt.Sprintf("Error: AWS authentication refresh failed %s ago; not retrying for another %s (use --force to retry now).",
			Duration(max(cool.Ago(), time.Second)), Duration(max(cool.Left(), time.Second)))}
		if cool.LastError != "" {
			lines = append(lines, "Last failure: "+cool.LastError)
		}
		return Message{Code: ExitFailed, Lines: lines}
	case errors.As(err, &diag):
		return Message{Code: ExitFailed, Lines: []string{"Error: " + upperFirst(diag.Kind.Advice(diag.Identity)) + ".", "AWS said: " + creds.Redact(diag.Err.Error())}}
	case errors.As(err, &cmdErr):
		var pe *creds.ParseError
		if errors.As(cmdErr.Err, &pe) || errors.Is(cmdErr.Err, creds.ErrEmptyOutput) {
			return Message{Code: ExitFailed, Lines: []string{
				fmt.Sprintf("Error: AWS credential export failed: %s printed no usable credentials: %v.", cmdErr.Command, cmdErr.Err),
				"The output was not shown because it may contain secrets.",
			}}
		}
		return describeRun("AWS credential export", cmdErr.Command, cmdErr.Err, cmdErr.StderrTail, false)
	case errors.Is(err, engine.ErrNoLoginCommand):
		return Message{Code: ExitUsage, Lines: []string{
			"Error: " + creds.Redact(err.Error()) + ".",
			"Configure a login command: pass --command, set AWSFRESH_REFRESH_COMMAND, or set awsAuthRefresh in ~/.claude/settings.json (for example \"aws sso login --profile NAME\").",
		}}
	case errors.Is(err, engine.ErrNested):
		return Message{Code: ExitUsage, Lines: []string{"Error: " + creds.Redact(err.Error()) + "."}}
	case settings.IsSettingsError(err):
		// An untrusted project value or a settings file that cannot be
		// read, found needed only now.
		return Message{Code: ExitUsage, Lines: []string{"Error: " + err.Error()}}
	}
	kind := engine.Classify(err)
	lines := []string{"Error: " + creds.Redact(err.Error())}
	if kind != engine.KindUnknown {
		lines = append(lines, upperFirst(kind.Advice(""))+".")
	}
	return Message{Code: ExitFailed, Lines: lines}
}

// describeRun words a failure of a command awsfresh ran.
func describeRun(what, command string, err error, tail string, tokenExpired bool) Message {
	var (
		timeout *runcmd.TimeoutError
		exit    *runcmd.ExitError
		sig     *runcmd.SignalError
	)
	var first string
	code := ExitFailed
	switch {
	case errors.As(err, &timeout) || errors.Is(err, runcmd.ErrTimeout):
		d := time.Duration(0)
		if timeout != nil {
			d = timeout.Timeout
		}
		lines := []string{
			fmt.Sprintf("Error: %s timed out after %s.", what, Duration(d)),
			msgCheckCreds,
			"To log in by hand, run: " + command,
		}
		if tokenExpired {
			lines = append(lines, msgTokenExpired)
		}
		return Message{Code: ExitTimeout, Lines: lines}
	case errors.Is(err, runcmd.ErrInterrupted):
		return Message{Code: ExitInterrupted, Lines: []string{msgInterrupted}}
	case errors.Is(err, runcmd.ErrNotFound):
		first = fmt.Sprintf("Error: %s failed: %s: command not found.", what, command)
	case errors.Is(err, runcmd.ErrNotExecutable):
		first = fmt.Sprintf("Error: %s failed: %s: permission denied (not executable).", what, command)
	case errors.As(err, &exit):
		first = fmt.Sprintf("Error: %s failed: %s exited with status %d.", what, command, exit.Code)
	case errors.As(err, &sig):
		first = fmt.Sprintf("Error: %s failed: %s was killed by signal %v.", what, command, sig.Signal)
	case errors.Is(err, runcmd.ErrOutputTooLarge):
		first = fmt.Sprintf("Error: %s failed: %s printed more output than awsfresh accepts; it was stopped.", what, command)
	default:
		first = fmt.Sprintf("Error: %s failed: %s: %v.", what, command, err)
	}
	lines := []string{first}
	if t := strings.TrimRight(tail, "\n"); t != "" {
		lines = append(lines, indentTail(t)...)
	}
	return Message{Code: code, Lines: lines}
}

// indentTail keeps the last lines of a command's output, indented.
func indentTail(t string) []string {
	ls := strings.Split(t, "\n")
	if len(ls) > 20 {
		ls = ls[len(ls)-20:]
	}
	for i, l := range ls {
		ls[i] = "  " + l
	}
	return ls
}

// Duration writes a duration as a person would: "3 minutes",
// "90 seconds", "2 minutes 30 seconds", "1 hour 5 minutes".
func Duration(d time.Duration) string {
	if d < time.Second {
		if d <= 0 {
			return "0 seconds"
		}
		return plural(int(d/time.Millisecond), "millisecond")
	}
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0 && m > 0:
		return plural(h, "hour") + " " + plural(m, "minute")
	case h > 0:
		return plural(h, "hour")
	case s == 0:
		return plural(m, "minute")
	case m < 2:
		return plural(m*60+s, "second")
	}
	return plural(m, "minute") + " " + plural(s, "second")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
