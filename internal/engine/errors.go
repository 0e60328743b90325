package engine

import (
	"errors"
	"fmt"
	"time"

	"github.com/awsfresh/awsfresh/internal/runcmd"
)

// Sentinels for errors.Is, one per cause a caller may act on. The root
// package re-exports them; the error types below match them, so they match
// wherever such an error is wrapped (a *RefreshError, an event's Err).
var (
	// ErrNoLoginCommand: credentials need a login but no login command is
	// configured.
	ErrNoLoginCommand = errors.New("no login command configured")
	// ErrLoginTimeout: the login command was stopped at its deadline.
	ErrLoginTimeout = errors.New("login command timed out")
	// ErrLoginFailed: the login command failed: it exited with a non-zero
	// status, was killed, could not be started, or printed too much. A
	// login that timed out matches ErrLoginTimeout instead; one that was
	// interrupted matches neither.
	ErrLoginFailed = errors.New("login command failed")
	// ErrCooldown: the login command failed recently and was not run
	// again.
	ErrCooldown = errors.New("login command held back after a recent failure")
	// ErrStillInvalid: the login command succeeded but the credentials are
	// still not valid.
	ErrStillInvalid = errors.New("credentials still not valid after the login")
	// ErrAccessDenied: AWS accepted the credentials but refused the request
	// for lack of a permission; a login does not help.
	ErrAccessDenied = errors.New("access denied")
	// ErrClockSkew: AWS refused the request because the local clock is
	// wrong; a login does not help.
	ErrClockSkew = errors.New("clock skew")
)

// ErrNested is returned when a refresh is asked for from inside a command
// that awsfresh itself is running (the login command invoked awsfresh).
var ErrNested = errors.New("awsfresh was started by its own login or export command; refusing to run the login command again")

// LoginError is returned when the login command failed: it timed out,
// exited non-zero, was killed, was interrupted, or could not be started.
// Err is the runcmd error. It matches ErrLoginTimeout or ErrLoginFailed.
type LoginError struct {
	Profile string
	Command string
	Err     error
	// StderrTail is the redacted end of the command's output.
	StderrTail string
	// LastCause is the error that made the login necessary, if any.
	LastCause error
}

func (e *LoginError) Error() string {
	return fmt.Sprintf("login command %q: %v", e.Command, e.Err)
}

func (e *LoginError) Unwrap() error { return e.Err }

// Is matches ErrLoginTimeout for a timeout and ErrLoginFailed for any
// other failure but an interruption.
func (e *LoginError) Is(target error) bool {
	timedOut := errors.Is(e.Err, runcmd.ErrTimeout)
	switch target {
	case ErrLoginTimeout:
		return timedOut
	case ErrLoginFailed:
		return !timedOut && !errors.Is(e.Err, runcmd.ErrInterrupted)
	}
	return false
}

// StillInvalidError is returned when the login command succeeded but the
// credentials are still missing, expired or rejected afterwards. It is
// final: the engine does not try again (a loop would follow). It matches
// ErrStillInvalid.
type StillInvalidError struct {
	Profile string
	Err     error // why the credentials are not valid
}

func (e *StillInvalidError) Error() string {
	return fmt.Sprintf("login finished but the credentials for profile %q are still not valid: %v", e.Profile, e.Err)
}

func (e *StillInvalidError) Unwrap() error { return e.Err }

// Is matches ErrStillInvalid.
func (e *StillInvalidError) Is(target error) bool { return target == ErrStillInvalid }

// CooldownError is returned instead of running the login command again
// too soon after a failure. It matches ErrCooldown.
type CooldownError struct {
	Profile     string
	LastFailure time.Time
	Until       time.Time
	Failures    int
	LastError   string // redacted summary of the failure
	Now         time.Time
}

func (e *CooldownError) Error() string {
	return fmt.Sprintf("login for profile %q failed %s ago; not retrying for another %s",
		e.Profile, e.Now.Sub(e.LastFailure).Round(time.Second), e.Until.Sub(e.Now).Round(time.Second))
}

// Is matches ErrCooldown.
func (e *CooldownError) Is(target error) bool { return target == ErrCooldown }

// Ago is how long ago the last login failed.
func (e *CooldownError) Ago() time.Duration { return e.Now.Sub(e.LastFailure) }

// Left is how long until the login command may run again automatically.
func (e *CooldownError) Left() time.Duration { return e.Until.Sub(e.Now) }

// DiagnosedError is an AWS error whose cause is known and is not fixed by
// a login: a permissions problem, a wrong clock, a network failure. It
// matches ErrAccessDenied or ErrClockSkew for those kinds.
type DiagnosedError struct {
	Kind Kind
	// Identity is the ARN the credentials belong to, when verified.
	Identity string
	Err      error
}

func (e *DiagnosedError) Error() string { return e.Kind.Advice(e.Identity) + ": " + e.Err.Error() }

func (e *DiagnosedError) Unwrap() error { return e.Err }

// Is matches the sentinel of its kind.
func (e *DiagnosedError) Is(target error) bool {
	return (target == ErrAccessDenied && e.Kind == KindAccessDenied) ||
		(target == ErrClockSkew && e.Kind == KindClockSkew)
}
