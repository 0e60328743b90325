package engine

import (
	"errors"
	"fmt"
)

// errFlightPanicked is what the callers waiting for a flight get when its
// function panicked (the panic itself goes on in the flight's goroutine).
var errFlightPanicked = errors.New("engine: the refresh panicked")

// WaitError is returned when a caller's context ended while it waited for
// a refresh that runs on without it: another caller's, another process's,
// or a login command that is still running. It unwraps to the context's
// error.
type WaitError struct {
	Profile string
	// Login is set when a login command was running.
	Login bool
	Err   error
}

func (e *WaitError) Error() string {
	what := "another refresh"
	if e.Login {
		what = "a login command"
	}
	return fmt.Sprintf("gave up waiting for the credentials of profile %q while %s runs (it goes on, bounded by its timeout): %v", e.Profile, what, e.Err)
}

func (e *WaitError) Unwrap() error { return e.Err }
