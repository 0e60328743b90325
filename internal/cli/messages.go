package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/termtext"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// Exit codes.
const (
	exitFailed      = 1
	exitUsage       = 2 // usage or configuration error
	exitTimeout     = 124
	exitInterrupted = 130
)

// commandFlag is the flag that names a command explicitly.
const commandFlag = "--command"

// Lines the SPEC fixes: users search for Claude Code's own words.
const (
	msgInterrupted  = "AWS authentication refresh interrupted."
	msgCheckCreds   = "Please check your AWS credentials and try again."
	msgTokenExpired = "Security token expired. Please refresh your AWS credentials."
)

// outputElsewhere marks an error whose command output the user did not
// see live on stderr (exec --log sent it to a file): its message repeats
// the end of that output.
type outputElsewhere struct {
	err   error
	where string
}

func (e *outputElsewhere) Error() string { return e.err.Error() }
func (e *outputElsewhere) Unwrap() error { return e.err }

// describe turns any error into the command line's message and exit code:
// the stable first line (package wording's headline), the details, the
// command's output when the user has not seen it yet, and the one thing to
// do next, written so the reader can run it as shown.
func (a *app) describe(err error) *exitError {
	var usage usageError
	if errors.As(err, &usage) {
		return &exitError{code: exitUsage, lines: []string{"Error: " + termtext.Escape(usage.Error()), "Run 'awsfresh --help' for usage."}}
	}
	if lines := profileLines(err); lines != nil {
		return &exitError{code: exitUsage, lines: lines}
	}
	if lines, code, ok := processLines(err); ok {
		return &exitError{code: code, lines: lines}
	}
	t := wording.Describe(err)
	lines := []string{firstLine(t)}
	switch t.Situation {
	case wording.Interrupted:
	case wording.LoginTimeout, wording.ExportTimeout:
		lines = append(lines, msgCheckCreds)
		lines = append(lines, a.timeoutOptions(t)...)
		if t.TokenExpired {
			lines = append(lines, msgTokenExpired)
		}
	default:
		for _, d := range t.Details {
			lines = append(lines, sentence(d))
		}
		var elsewhere *outputElsewhere
		shown := t.Situation == wording.LoginFailed && !errors.As(err, &elsewhere) // streamed to stderr as it ran
		if !shown && len(t.Output) > 0 {
			if elsewhere != nil {
				lines = append(lines, "The end of its output (all of it is in "+elsewhere.where+"):")
			}
			for _, l := range t.Output {
				lines = append(lines, strings.TrimRight("  "+l, " "))
			}
		}
		if next := a.nextStep(t); next != "" {
			lines = append(lines, next)
		}
	}
	// The lines repeat names, paths and command output from outside.
	for i, l := range lines {
		lines[i] = termtext.Escape(l)
	}
	return &exitError{code: exitCode(t.Situation), lines: lines}
}

// programMessage is what a program under exec reads when its credentials
// request fails: what happened and what the user should run, on one line.
// The program cannot pass flags to awsfresh, so nothing here asks it to.
func (a *app) programMessage(err error) string {
	t := wording.Describe(err)
	msg := upperFirst(t.Headline) + "."
	switch t.Situation {
	case wording.LoginTimeout:
		return msg + " Log in by hand in a terminal: " + t.Command
	case wording.LoginFailed, wording.StillInvalid, wording.Cooldown:
		return msg + " To log in again, run in a terminal: " + a.refreshLine(t.Profile, "--force")
	case wording.NoLoginCommand:
		return msg + " " + a.nextStep(t)
	}
	for _, d := range t.Details {
		msg += " " + sentence(d)
	}
	return msg
}

// firstLine is the SPEC's stable first line.
func firstLine(t wording.Text) string {
	switch t.Situation {
	case wording.Interrupted:
		return msgInterrupted
	case wording.Cooldown:
		return "Error: " + t.Headline + " (use --force to retry now)."
	case wording.Diagnosed:
		return "Error: " + upperFirst(t.Headline) + "."
	case wording.Untrusted, wording.Other:
		return "Error: " + t.Headline // another package's words, as they are
	}
	return "Error: " + t.Headline + "."
}

// timeoutOptions names the ways past a timeout: run the command by hand,
// give it the terminal, or give it more time.
func (a *app) timeoutOptions(t wording.Text) []string {
	longer := "--timeout " + longerTimeout(t.Timeout)
	if t.Situation == wording.ExportTimeout {
		return []string{
			"To see what the export command does, run it by hand: " + t.Command,
			"If it is just slow, allow it more time with " + longer + " (or AWSFRESH_TIMEOUT).",
		}
	}
	if t.Profile != "" && t.Command == resolve.SignInCommand(t.Profile) {
		// awsfresh's own sign-in: nobody approved the code in time. It
		// needs no terminal; another device or more time does.
		return []string{
			"Nobody approved the sign-in in time. Sign in again and approve it in a browser on any device: " + t.Command + " --device-code",
			"If you need longer to approve it, allow more time: " + t.Command + " " + longer,
		}
	}
	return []string{
		"To log in by hand, run: " + t.Command,
		"If it waits for input (a code, a prompt), give it the terminal: " + a.refreshLine(t.Profile, "--force", "--interactive"),
		"If it is just slow, allow it more time: " + a.refreshLine(t.Profile, "--force", longer),
	}
}

// nextStep is the one thing to do next, or "" when the details say it.
func (a *app) nextStep(t wording.Text) string {
	switch t.Situation {
	case wording.LoginFailed:
		return "When the login command works, log in again with: " + a.refreshLine(t.Profile, "--force")
	case wording.StillInvalid:
		return "Fix the login command or the profile, then run: " + a.refreshLine(t.Profile, "--force")
	case wording.Cooldown:
		return "To retry now, run: " + a.refreshLine(t.Profile, "--force")
	case wording.NoLoginCommand:
		name := "NAME"
		if a.resolved != nil {
			name = creds.ShellQuote(a.resolved.Profile)
		} else if t.Profile != "" {
			name = creds.ShellQuote(t.Profile)
		}
		if r := a.resolved; r != nil && !r.ProfileInfo.Exists && r.Export == nil {
			// Nothing is configured at all: a login command is not the fix.
			return "No AWS credentials were found for profile " + name + " (no such profile, and none in the environment). Set one up: 'aws configure sso --profile " + name +
				"' (IAM Identity Center) or 'aws configure --profile " + name + "' (access keys)."
		}
		return "Configure a login command: pass --command, set AWSFRESH_REFRESH_COMMAND, or set awsAuthRefresh in ~/.claude/settings.json (the command that renews this profile's credentials, for example \"saml2aws login --profile " + name + "\")."
	}
	return ""
}

// refreshLine is the `awsfresh refresh` command line that logs in as this
// invocation would: the same profile, settings files and login command.
func (a *app) refreshLine(profile string, extra ...string) string {
	words := []string{"awsfresh", "refresh"}
	if a.resolved != nil {
		profile = a.resolved.Profile
	}
	if p := profile; p != "" {
		words = append(words, "--profile", creds.ShellQuote(p))
	}
	for _, f := range a.flags.settings {
		words = append(words, "--settings", creds.ShellQuote(f))
	}
	if r := a.resolved; r != nil && r.Login != nil && r.Login.From == commandFlag {
		words = append(words, "--command", creds.ShellQuote(r.Login.Line))
	}
	return strings.Join(append(words, extra...), " ")
}

// longerTimeout doubles a deadline, in the units a person would type.
func longerTimeout(d time.Duration) string {
	if d <= 0 {
		d = 3 * time.Minute
	}
	d = (2 * d).Round(time.Second)
	switch {
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	default:
		return fmt.Sprintf("%ds", d/time.Second)
	}
}

func exitCode(s wording.Situation) int {
	switch s {
	case wording.Interrupted:
		return exitInterrupted
	case wording.LoginTimeout, wording.ExportTimeout:
		return exitTimeout
	case wording.NoLoginCommand, wording.Nested, wording.Untrusted:
		return exitUsage
	}
	return exitFailed
}

// sentence capitalizes a detail and ends it with a period.
func sentence(s string) string {
	s = upperFirst(s)
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
