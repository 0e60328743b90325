package awsfresh

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/awsfresh/awsfresh/creds"
	"github.com/awsfresh/awsfresh/engine"
	"github.com/awsfresh/awsfresh/runcmd"
)

// RefreshError is returned when a [Provider] could not provide valid
// credentials: by [Provider.Retrieve], and — wrapped by the SDK in its
// operation error — by API calls, including a call that AWS rejected and
// that could not be retried because getting new credentials failed.
//
// Its message is worded as awsfresh words it, e.g. "AWS authentication
// refresh timed out after 3 minutes; ...". Match causes with errors.Is and
// errors.As through it:
//
//   - errors.Is(err, runcmd.ErrTimeout): the login command timed out;
//   - errors.As(err, &loginErr) with *engine.LoginError: the login command
//     failed (its StderrTail holds the redacted end of its output);
//   - errors.As(err, &cooldown) with *engine.CooldownError: the login
//     command failed recently and was not run again;
//   - errors.As(err, &still) with *engine.StillInvalidError: the login
//     command succeeded but the credentials are still not valid;
//   - errors.Is(err, engine.ErrNoLoginCommand): a login is needed and none
//     is configured;
//   - the AWS error that rejected the credentials, when there was one
//     (errors.As with the service's error types or smithy.APIError).
type RefreshError struct {
	// Profile is the AWS profile of the Provider.
	Profile string
	// Err is why no credentials could be provided: an error from package
	// engine, or from the credential source.
	Err error
	// Rejected is the AWS error that rejected the credentials of an API
	// call, when the refresh was for such a call; nil otherwise.
	Rejected error
}

// Error describes the failure without any secret.
func (e *RefreshError) Error() string {
	msg := describe(e.Profile, e.Err)
	if e.Rejected != nil {
		msg += " (after AWS rejected the credentials: " + creds.Redact(e.Rejected.Error()) + ")"
	}
	return msg
}

// Unwrap returns Err and, when set, Rejected.
func (e *RefreshError) Unwrap() []error {
	if e.Rejected != nil {
		return []error{e.Err, e.Rejected}
	}
	return []error{e.Err}
}

// RetryableError reports false: the AWS SDK's retryer must not retry a call
// whose credentials could not be refreshed (a refresh is bounded, and a
// retry would at best meet the cooldown).
func (e *RefreshError) RetryableError() bool { return false }

// describe words err as the SPEC's messages do, without the "Error: "
// prefix and the final period of a command-line message.
func describe(profile string, err error) string {
	var (
		loginErr *engine.LoginError
		still    *engine.StillInvalidError
		cool     *engine.CooldownError
		diag     *engine.DiagnosedError
		timeout  *runcmd.TimeoutError
		exit     *runcmd.ExitError
		sig      *runcmd.SignalError
	)
	switch {
	case errors.As(err, &loginErr):
		cmd := loginErr.Command
		switch inner := loginErr.Err; {
		case errors.Is(inner, runcmd.ErrTimeout):
			d := time.Duration(0)
			if errors.As(inner, &timeout) {
				d = timeout.Timeout
			}
			msg := fmt.Sprintf("AWS authentication refresh timed out after %s; please check your AWS credentials and try again (to log in by hand, run: %s)", humanDuration(d), cmd)
			if engine.Classify(loginErr.LastCause) == engine.KindLoginExpired {
				msg += "; security token expired, please refresh your AWS credentials"
			}
			return msg
		case errors.Is(inner, runcmd.ErrInterrupted):
			return "AWS authentication refresh interrupted"
		case errors.Is(inner, runcmd.ErrNotFound):
			return fmt.Sprintf("AWS authentication refresh failed: %s: command not found", cmd)
		case errors.Is(inner, runcmd.ErrNotExecutable):
			return fmt.Sprintf("AWS authentication refresh failed: %s: permission denied (not executable)", cmd)
		case errors.As(inner, &exit):
			return fmt.Sprintf("AWS authentication refresh failed: %s exited with status %d", cmd, exit.Code)
		case errors.As(inner, &sig):
			return fmt.Sprintf("AWS authentication refresh failed: %s was killed by signal %v", cmd, sig.Signal)
		default:
			return fmt.Sprintf("AWS authentication refresh failed: %s: %s", cmd, creds.Redact(inner.Error()))
		}
	case errors.As(err, &still):
		return fmt.Sprintf("AWS authentication refresh finished, but the credentials for profile %q are still not valid: %s",
			still.Profile, creds.Redact(still.Err.Error()))
	case errors.As(err, &cool):
		msg := fmt.Sprintf("AWS authentication refresh failed %s ago; not retrying for another %s",
			humanDuration(max(cool.Ago(), time.Second)), humanDuration(max(cool.Left(), time.Second)))
		if cool.LastError != "" {
			msg += " (last failure: " + cool.LastError + ")"
		}
		return msg
	case errors.Is(err, engine.ErrNoLoginCommand):
		return fmt.Sprintf("AWS credentials for profile %q need a login, but no login command is configured (for example \"aws sso login --profile %s\"): %s",
			profile, creds.ShellQuote(profile), creds.Redact(err.Error()))
	case errors.As(err, &diag):
		return "AWS credentials for profile " + fmt.Sprintf("%q", profile) + ": " + creds.Redact(diag.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("AWS credentials for profile %q: %v", profile, err)
	}
	return fmt.Sprintf("AWS credentials for profile %q are not available: %s", profile, creds.Redact(err.Error()))
}

// humanDuration writes a duration as a person would: "3 minutes",
// "90 seconds", "2 minutes 30 seconds", "1 hour 5 minutes", the same way
// the awsfresh command does.
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "0 seconds"
	}
	if d < time.Second {
		return count(int(d/time.Millisecond), "millisecond")
	}
	d = d.Round(time.Second)
	hours := int(d / time.Hour)
	minutes := int(d % time.Hour / time.Minute)
	seconds := int(d % time.Minute / time.Second)
	var parts []string
	switch {
	case hours > 0:
		parts = append(parts, count(hours, "hour"))
		if minutes > 0 {
			parts = append(parts, count(minutes, "minute"))
		}
	case seconds == 0:
		parts = append(parts, count(minutes, "minute"))
	case minutes < 2:
		parts = append(parts, count(60*minutes+seconds, "second"))
	default:
		parts = append(parts, count(minutes, "minute"), count(seconds, "second"))
	}
	return strings.Join(parts, " ")
}

func count(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
