package engine

import (
	"errors"
	"fmt"
	"time"
)

// ErrNoLoginCommand is wrapped by errors returned when credentials need a
// login but no login command is configured.
var ErrNoLoginCommand = errors.New("no login command configured")

// ErrNested is returned when a refresh is asked for from inside a command
// that awsfresh itself is running (the login command invoked awsfresh).
var ErrNested = errors.New("awsfresh was started by its own login or export command; refusing to run the login command again")

// LoginError is returned when the login command failed: it timed out,
// exited non-zero, was killed, was interrupted, or could not be started.
// Err is the runcmd error; match it with errors.Is(err, runcmd.ErrTimeout)
// and the like.
type LoginError struct {
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

// StillInvalidError is returned when the login command succeeded but the
// credentials are still missing, expired or rejected afterwards. It is
// final: the engine does not try again (a loop would follow).
type StillInvalidError struct {
	Profile string
	Err     error // why the credentials are not valid
}

func (e *StillInvalidError) Error() string {
	return fmt.Sprintf("login finished but the credentials for profile %q are still not valid: %v", e.Profile, e.Err)
}

func (e *StillInvalidError) Unwrap() error { return e.Err }

// CooldownError is returned instead of running the login command again
// too soon after a failure.
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

// Ago is how long ago the last login failed.
func (e *CooldownError) Ago() time.Duration { return e.Now.Sub(e.LastFailure) }

// Left is how long until the login command may run again automatically.
func (e *CooldownError) Left() time.Duration { return e.Until.Sub(e.Now) }

// DiagnosedError is an AWS error whose cause is known and is not fixed by
// a login: a permissions problem, a wrong clock, a network failure.
type DiagnosedError struct {
	Kind Kind
	// Identity is the ARN the credentials belong to, when verified.
	Identity string
	Err      error
}

func (e *DiagnosedError) Error() string { return e.Kind.Advice(e.Identity) + ": " + e.Err.Error() }

func (e *DiagnosedError) Unwrap() error { return e.Err }
