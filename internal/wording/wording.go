// Package wording owns the words for what went wrong, where the Go library
// and the command line say the same thing: which situation an error is,
// its one-line headline (the command line's stable first line without its
// "Error: " prefix and period), the details that are true wherever the
// error is read, and durations written as a person would.
//
// It must not name a command-line flag, an environment variable or an
// awsfresh subcommand: advice of that kind, exit codes and the layout of
// the command's messages belong to package cli. It never puts a secret in
// a message: command output and AWS errors are redacted.
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

// Situation is what went wrong, as far as the words for it go.
type Situation int

// The situations Describe tells apart.
const (
	Other          Situation = iota
	Interrupted              // a login or export was interrupted (Ctrl+C, a canceled context)
	LoginTimeout             // the login command was stopped at its deadline
	LoginFailed              // the login command failed otherwise
	StillInvalid             // the login succeeded, the credentials are still not valid
	Cooldown                 // the login command is held back after a recent failure
	NoLoginCommand           // a login is needed and none is configured
	Nested                   // a refresh was asked for from inside awsfresh's own command
	ExportTimeout            // the export command was stopped at its deadline
	ExportFailed             // the export command failed or printed no usable credentials
	Diagnosed                // AWS refused for a known reason a login does not fix
	Untrusted                // a project's settings value the user has not trusted
)

// Text is an error in words.
type Text struct {
	Situation Situation
	// Headline says what happened on one line, without a final period,
	// e.g. "AWS authentication refresh timed out after 3 minutes".
	Headline string
	// Details are further lines, each without a final period, starting
	// lowercase unless with a proper name: "reason: …", "AWS said: …".
	Details []string
	// Output is the redacted end of the failed command's stderr, line by
	// line, without blank lines at either end; nil when there is none.
	Output []string
	// Profile, Command and Timeout are what the situation concerns, when
	// known: the profile, the command that failed, the deadline that passed.
	Profile string
	Command string
	Timeout time.Duration
	// TokenExpired: the login was needed because AWS said the security
	// token had expired.
	TokenExpired bool
}

// Line is t on one line in Go's style: the headline and the details
// joined with "; ". Command output is left out: it has lines of its own.
func (t Text) Line() string {
	return strings.Join(append([]string{t.Headline}, t.Details...), "; ")
}

// Describe puts err into words.
func Describe(err error) Text {
	var (
		waitErr  *engine.WaitError
		loginErr *engine.LoginError
		still    *engine.StillInvalidError
		cool     *engine.CooldownError
		diag     *engine.DiagnosedError
		cmdErr   *source.CommandError
	)
	switch {
	case errors.As(err, &waitErr) && !errors.Is(err, context.Canceled):
		// The caller's own deadline, not the network.
		return Text{Headline: creds.Redact(waitErr.Error())}
	case errors.Is(err, runcmd.ErrInterrupted), errors.Is(err, context.Canceled):
		return Text{Situation: Interrupted, Headline: "AWS authentication refresh interrupted"}
	case errors.As(err, &loginErr):
		t := describeRun("AWS authentication refresh", loginErr.Command, loginErr.Err, loginErr.StderrTail)
		t.Profile = loginErr.Profile
		switch t.Situation {
		case ExportTimeout:
			t.Situation = LoginTimeout
			t.Details = append(t.Details, "login command: "+loginErr.Command)
			if engine.Classify(loginErr.LastCause) == engine.KindLoginExpired {
				t.TokenExpired = true
				t.Details = append(t.Details, "it was needed because AWS said the security token had expired")
			}
		case ExportFailed:
			t.Situation = LoginFailed
		}
		return t
	case errors.As(err, &still):
		return Text{Situation: StillInvalid, Profile: still.Profile,
			Headline: fmt.Sprintf("AWS authentication refresh finished, but the credentials for profile %q are still not valid", still.Profile),
			Details: []string{
				"reason: " + creds.Redact(still.Err.Error()),
				"the login command will not run again on its own for a while",
			}}
	case errors.As(err, &cool):
		t := Text{Situation: Cooldown, Profile: cool.Profile,
			Headline: fmt.Sprintf("AWS authentication refresh failed %s ago; not retrying for another %s",
				Duration(max(cool.Ago(), time.Second)), Duration(max(cool.Left(), time.Second)))}
		if cool.LastError != "" {
			t.Details = []string{"last failure: " + cool.LastError}
		}
		return t
	case errors.As(err, &diag):
		return Text{Situation: Diagnosed, Headline: diag.Kind.Advice(diag.Identity),
			Details: []string{"AWS said: " + creds.Redact(diag.Err.Error())}}
	case errors.As(err, &cmdErr):
		var pe *creds.ParseError
		if errors.As(cmdErr.Err, &pe) || errors.Is(cmdErr.Err, creds.ErrEmptyOutput) {
			return Text{Situation: ExportFailed, Command: cmdErr.Command,
				Headline: fmt.Sprintf("AWS credential export failed: %s printed no usable credentials: %v", cmdErr.Command, cmdErr.Err),
				Details:  []string{"its output is not shown because it may contain secrets"}}
		}
		return describeRun("AWS credential export", cmdErr.Command, cmdErr.Err, cmdErr.StderrTail)
	case errors.Is(err, engine.ErrNoLoginCommand):
		return Text{Situation: NoLoginCommand, Headline: creds.Redact(err.Error())}
	case errors.Is(err, engine.ErrNested):
		return Text{Situation: Nested, Headline: creds.Redact(err.Error())}
	case settings.IsSettingsError(err):
		// An untrusted project value or a settings file that cannot be
		// read, found needed only now.
		return Text{Situation: Untrusted, Headline: err.Error()}
	}
	t := Text{Headline: creds.Redact(err.Error())}
	if kind := engine.Classify(err); kind != engine.KindUnknown {
		t.Details = []string{kind.Advice("")}
	}
	return t
}

// describeRun words a failure of a command awsfresh ran: what is "AWS
// authentication refresh" or "AWS credential export". The situation is
// the export's; the caller turns it into the login's.
func describeRun(what, command string, err error, tail string) Text {
	var (
		timeout *runcmd.TimeoutError
		exit    *runcmd.ExitError
		sig     *runcmd.SignalError
	)
	t := Text{Situation: ExportFailed, Command: command, Output: outputLines(tail)}
	switch {
	case errors.As(err, &timeout) || errors.Is(err, runcmd.ErrTimeout):
		if timeout != nil {
			t.Timeout = timeout.Timeout
		}
		return Text{Situation: ExportTimeout, Command: command, Timeout: t.Timeout,
			Headline: fmt.Sprintf("%s timed out after %s", what, Duration(t.Timeout))}
	case errors.Is(err, runcmd.ErrInterrupted):
		return Text{Situation: Interrupted, Headline: "AWS authentication refresh interrupted"}
	case errors.Is(err, runcmd.ErrNotFound):
		t.Headline = fmt.Sprintf("%s failed: %s: command not found", what, command)
	case errors.Is(err, runcmd.ErrNotExecutable):
		t.Headline = fmt.Sprintf("%s failed: %s: permission denied (not executable)", what, command)
	case errors.As(err, &exit):
		t.Headline = fmt.Sprintf("%s failed: %s exited with status %d", what, command, exit.Code)
	case errors.As(err, &sig):
		t.Headline = fmt.Sprintf("%s failed: %s was killed by signal %v", what, command, sig.Signal)
	case errors.Is(err, runcmd.ErrOutputTooLarge):
		t.Headline = fmt.Sprintf("%s failed: %s printed more output than awsfresh accepts; it was stopped", what, command)
	default:
		t.Headline = fmt.Sprintf("%s failed: %s: %v", what, command, err)
	}
	return t
}

// maxOutputLines is how much of a command's output a message repeats.
const maxOutputLines = 20

// outputLines splits a command's (redacted) output into its last lines,
// without blank lines at either end and with trailing spaces removed.
func outputLines(tail string) []string {
	ls := strings.Split(tail, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRight(l, " \t\r")
	}
	for len(ls) > 0 && ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	if len(ls) > maxOutputLines {
		ls = ls[len(ls)-maxOutputLines:]
	}
	for len(ls) > 0 && ls[0] == "" {
		ls = ls[1:]
	}
	if len(ls) == 0 {
		return nil
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
