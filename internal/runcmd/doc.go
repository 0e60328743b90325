// Package runcmd runs one shell command line with a hard deadline, so that
// running it can never hang the caller.
//
// It owns: starting `sh -c` (Windows: `cmd /C`) in a process group of its
// own, stdin handling (/dev/null unless interactive), collecting or streaming
// the command's output with bounded memory (output.go), the deadline and
// cancellation (SIGTERM to the whole group, SIGKILL after a grace period),
// cleaning up every process the command left behind in its group,
// abandoning output pipes that a stray process keeps open, and classifying
// the outcome into typed errors (timeout, interrupted, not found, not
// executable, output too large, exit status, signal).
//
// What is left running, by platform:
//
//   - Linux: every run marks its command's environment with a variable of
//     its own (AWSFRESH_RUN_<random>=1), which whatever the command starts
//     inherits. When a run is cut off (deadline, cancellation, too much
//     output), the processes carrying the marker are stopped with the group,
//     wherever they went: a daemon that called setsid, a double fork.
//     A process that clears its environment or makes itself undumpable
//     cannot be found this way. The shell also gets SIGKILL from the kernel
//     if this process dies without stopping it (a parent-death signal), so
//     even a SIGKILLed caller does not leave the login itself running; its
//     other group members are not covered by that.
//   - macOS and the BSDs: the group is stopped; processes that left it are
//     not found (no /proc), and there is no parent-death signal.
//   - Windows: a job object holds every process the command starts.
//
// A command that ends on its own keeps what it started outside its group: a
// login may open the user's browser in a session of its own.
//
// Linux's child subreaper (PR_SET_CHILD_SUBREAPER) is deliberately not used:
// it is a property of the whole process, and Run also runs inside other
// programs (the library) and next to `awsfresh exec`'s program, whose
// orphans would be adopted and, since os/exec waits for each child by its
// own, never reaped; and being the parent of an adopted process does not
// tell which run (of several at once) it came from. The marker does.
//
// It must not: know anything about AWS or credentials, retry or loop, print
// anything itself, or put captured output into an error message (output is
// returned in [Result] and [ExitError] for the caller to show or redact).
package runcmd
