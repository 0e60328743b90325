package awsfresh

import (
	"fmt"
	"strings"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/wording"
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
	msg := describe(e.Err)
	if !strings.HasPrefix(msg, "AWS ") {
		msg = fmt.Sprintf("AWS credentials for profile %q are not available: %s", e.Profile, msg)
	}
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

// describe words err as the awsfresh command does (package wording), on
// one line: the lines joined with "; ", without the "Error: " prefix and
// the periods at their ends.
func describe(err error) string {
	lines := wording.Describe(err).Lines
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(l), "Error: "), ".")
	}
	return strings.Join(lines, "; ")
}
