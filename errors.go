package awsfresh

import (
	"fmt"
	"strings"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// Why a [Provider] could not provide credentials. Match them with
// errors.Is on the error of [Provider.Retrieve], of an SDK call, or on an
// [Event]'s Err.
var (
	// ErrLoginTimeout: the login command did not finish before
	// Options.Timeout and was stopped, with all its processes.
	ErrLoginTimeout = engine.ErrLoginTimeout

	// ErrLoginFailed: the login command failed: it exited with a non-zero
	// status, was killed, could not be started, or printed too much. Its
	// output went to Options.LoginOutput; [RefreshError.CommandOutput]
	// holds the end of it. A login cut off at its deadline matches
	// ErrLoginTimeout instead; one that was interrupted matches neither.
	ErrLoginFailed = engine.ErrLoginFailed

	// ErrCooldown: the login command failed recently, so it was not run
	// again. The cooldown grows with each consecutive failure (10 seconds
	// up to 5 minutes) and ends early when the login command changes;
	// credentials that appear meanwhile (a login done elsewhere) are used.
	ErrCooldown = engine.ErrCooldown

	// ErrNoLoginCommand: credentials are needed now, cannot be renewed
	// silently, and there is no login command (Options.LoginCommand).
	ErrNoLoginCommand = engine.ErrNoLoginCommand

	// ErrStillInvalid: the login command succeeded, but the credentials
	// are still missing, expired or rejected afterwards: the login command
	// or the profile is wrong. The login command then rests as after a
	// failure.
	ErrStillInvalid = engine.ErrStillInvalid

	// ErrExportFailed: the export command (Options.ExportCommand) failed,
	// timed out, or printed no usable credentials.
	ErrExportFailed = source.ErrExportFailed

	// ErrAccessDenied: AWS accepted the credentials but denied the
	// Provider's check of them (STS GetCallerIdentity, made for
	// credentials of unknown expiry) for lack of a permission; new
	// credentials would not help. An API call of yours that AWS denies
	// returns the service's own error, untouched.
	ErrAccessDenied = engine.ErrAccessDenied

	// ErrClockSkew: AWS refused a request because the local clock is
	// wrong; new credentials would not help.
	ErrClockSkew = engine.ErrClockSkew
)

// RefreshError is returned when a [Provider] could not provide valid
// credentials: by [Provider.Retrieve], and — wrapped by the SDK in its
// operation error — by API calls, including a call that AWS rejected and
// that could not be retried because getting new credentials failed.
//
// Match its cause with errors.Is and the sentinels above (ErrLoginTimeout,
// ErrLoginFailed, ErrCooldown, ErrNoLoginCommand, ErrStillInvalid, ...),
// and AWS's rejection, when there was one, with errors.As and the
// service's error types or smithy.APIError. Get the RefreshError itself
// with either form of errors.As:
//
//	var re *awsfresh.RefreshError
//	if errors.As(err, &re) { ... }
//
//	var re awsfresh.RefreshError
//	if errors.As(err, &re) { ... }
type RefreshError struct {
	// Profile is the AWS profile of the Provider.
	Profile string
	// Err is why no credentials could be provided.
	Err error
	// Rejected is the AWS error that rejected the credentials of an API
	// call, when the refresh was for such a call; nil otherwise.
	Rejected error
}

// Error describes the failure on one line, without any secret, e.g.
// "AWS authentication refresh timed out after 3 minutes; login command:
// aws sso login --profile dev".
func (e RefreshError) Error() string {
	msg := wording.Describe(e.Err).Line()
	if !strings.HasPrefix(msg, "AWS ") {
		msg = fmt.Sprintf("AWS credentials for profile %q are not available: %s", e.Profile, msg)
	}
	if e.Rejected != nil {
		msg += " (after AWS rejected the credentials: " + creds.Redact(e.Rejected.Error()) + ")"
	}
	return msg
}

// Unwrap returns Err and, when set, Rejected.
func (e RefreshError) Unwrap() []error {
	if e.Rejected != nil {
		return []error{e.Err, e.Rejected}
	}
	return []error{e.Err}
}

// As lets errors.As fill in a RefreshError value as well as a pointer.
func (e *RefreshError) As(target any) bool {
	if t, ok := target.(*RefreshError); ok {
		*t = *e
		return true
	}
	return false
}

// RetryableError reports false: the AWS SDK's retryer must not retry a call
// whose credentials could not be refreshed (a refresh is bounded, and a
// retry would at best meet the cooldown).
func (e RefreshError) RetryableError() bool { return false }

// CommandOutput returns the redacted end of the failed login or export
// command's error output, "" when there is none.
func (e RefreshError) CommandOutput() string {
	return strings.Join(wording.Describe(e.Err).Output, "\n")
}
