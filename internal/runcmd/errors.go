package runcmd

import (
	"errors"
	"os"
	"strconv"
	"time"
)

// Sentinel errors. Every error returned by [Run] matches at most one of them
// with [errors.Is]; a plain non-zero exit status matches none.
var (
	// ErrTimeout: Options.Timeout elapsed or the context's deadline was
	// exceeded. The error is a *TimeoutError.
	ErrTimeout = errors.New("timed out")
	// ErrInterrupted: the context was canceled (for example on Ctrl+C), or
	// the command died of SIGINT (Ctrl+C typed while it had the terminal).
	ErrInterrupted = errors.New("interrupted")
	// ErrNotFound: the shell reported "command not found" (exit status 127;
	// 9009 from cmd.exe), or the shell itself could not be found, or the
	// command line is empty.
	ErrNotFound = errors.New("command not found")
	// ErrNotExecutable: the shell reported the command is not executable
	// (exit status 126, e.g. permission denied), or the shell itself is not.
	ErrNotExecutable = errors.New("not executable")
	// ErrOutputTooLarge: in Capture mode the command wrote more than
	// Options.MaxStdout bytes to stdout. The process group was killed at once.
	ErrOutputTooLarge = errors.New("output too large")
)

// ExitError reports that the command exited on its own with a non-zero status.
// It matches [ErrNotFound] for the shell's "command not found" status and
// [ErrNotExecutable] for its "not executable" status.
type ExitError struct {
	Code       int    // exit status
	StderrTail []byte // same bytes as Result.StderrTail; never part of Error()
}

func (e *ExitError) Error() string {
	s := "exit status " + strconv.Itoa(e.Code)
	switch e.Code {
	case codeNotFound:
		s += ": " + ErrNotFound.Error()
	case codeNotExecutable:
		s += ": " + ErrNotExecutable.Error()
	}
	return s
}

// Is reports whether the exit status is the shell's way of saying
// [ErrNotFound] or [ErrNotExecutable].
func (e *ExitError) Is(target error) bool {
	return (target == ErrNotFound && e.Code == codeNotFound) ||
		(target == ErrNotExecutable && e.Code == codeNotExecutable)
}

// SignalError reports that the command's shell process was killed by a signal
// that Run did not send (for example `kill -9 $$`, the OOM killer, or Ctrl+C
// typed while an interactive command had the terminal). A SIGINT matches
// [ErrInterrupted].
type SignalError struct {
	Signal os.Signal
}

func (e *SignalError) Error() string { return "signal: " + e.Signal.String() }

// Is reports whether the signal was an interrupt (SIGINT).
func (e *SignalError) Is(target error) bool {
	return target == ErrInterrupted && e.Signal == os.Interrupt
}

// TimeoutError reports that the run was cut off at its deadline. It matches
// [ErrTimeout], and also [context.DeadlineExceeded] when the context's
// deadline (not Options.Timeout) was the one that fired.
type TimeoutError struct {
	// Timeout is the deadline that applied, measured from the start of Run:
	// Options.Timeout, or the time the context had left (rounded to a
	// millisecond) when that was shorter.
	Timeout time.Duration
	cause   error
}

func (e *TimeoutError) Error() string {
	return ErrTimeout.Error() + " after " + e.Timeout.String()
}

// Is reports whether target is [ErrTimeout].
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Unwrap returns the context's error when the context's deadline fired, else nil.
func (e *TimeoutError) Unwrap() error { return e.cause }

// sentinelError is a sentinel with a cause: Error() is the sentinel's text
// alone, and both match with errors.Is.
type sentinelError struct {
	sentinel error
	cause    error
}

func (e *sentinelError) Error() string   { return e.sentinel.Error() }
func (e *sentinelError) Unwrap() []error { return []error{e.sentinel, e.cause} }
