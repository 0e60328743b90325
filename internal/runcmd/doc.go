// Package runcmd runs one shell command line with a hard deadline, so that
// running it can never hang the caller.
//
// It owns: starting `sh -c` (Windows: `cmd /C`) in a process group of its
// own, stdin handling (/dev/null unless interactive), collecting or streaming
// the command's output with bounded memory, the deadline and cancellation
// (SIGTERM to the whole group, SIGKILL after a grace period), cleaning up
// every process the command left behind in its group, abandoning output pipes
// that a stray process keeps open, and classifying the outcome into typed
// errors (timeout, interrupted, not found, not executable, output too large,
// exit status, signal).
//
// It must not: know anything about AWS or credentials, retry or loop, print
// anything itself, or put captured output into an error message (output is
// returned in [Result] and [ExitError] for the caller to show or redact).
package runcmd
