package runcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"
)

// OutputMode selects what Run does with the command's output.
type OutputMode int

const (
	// Stream copies the command's stdout and stderr, as they arrive, to
	// Options.Stderr (for login commands: the user must see an SSO URL or
	// code at once). Result.Stdout stays nil; Result.StderrTail keeps the
	// last Options.StderrTail bytes of the combined output.
	Stream OutputMode = iota
	// Capture collects stdout into Result.Stdout, at most Options.MaxStdout
	// bytes (more is ErrOutputTooLarge), and keeps the last Options.StderrTail
	// bytes of stderr in Result.StderrTail, also copying stderr live to
	// Options.Stderr when that is non-nil.
	Capture
)

// Defaults for the zero values of the corresponding Options fields.
const (
	DefaultGrace      = 2 * time.Second
	DefaultMaxStdout  = 1 << 20  // 1 MiB
	DefaultStderrTail = 64 << 10 // 64 KiB
)

// Internal delays of the clean-up. They bound how long Run can take after the
// deadline: Grace + killWait + drainWait + abandonWait in the worst case.
const (
	// killWait: how long to wait for the shell to be reaped after SIGKILL
	// (a process in uninterruptible sleep is abandoned after this).
	killWait = time.Second
	// drainWait: how long to keep reading output pipes after the group is
	// gone, for a process outside the group that still holds them open.
	drainWait = 100 * time.Millisecond
	// abandonWait: how long to wait for the pipe readers after closing the
	// pipes; only a blocked write to Options.Stderr can take longer.
	abandonWait = 100 * time.Millisecond
	// readChunk is the size of each read from an output pipe.
	readChunk = 32 << 10
)

// Options describes one run. The zero value of each field is usable, except
// Command, which must not be empty.
type Options struct {
	// Command is the shell command line, run as `/bin/sh -c Command` (Windows:
	// `%ComSpec% /d /s /c "Command"`).
	Command string
	// Env is the full environment of the command; nil means os.Environ().
	Env []string
	// Dir is the working directory; empty means the current one.
	Dir string
	// Timeout is the deadline for the whole run, from the start of Run;
	// zero or negative means no deadline of its own (the context's still
	// applies).
	Timeout time.Duration
	// Grace is the time between SIGTERM and SIGKILL to the command's process
	// group; zero means DefaultGrace, negative means SIGKILL at once.
	Grace time.Duration
	// Interactive makes the command's stdin this process's os.Stdin; when
	// that is the terminal of which this process is in the foreground, the
	// command's process group gets the terminal's foreground for the run (so
	// it can prompt and Ctrl+C reaches it) and Run takes it back, with the
	// terminal's modes, afterwards. Otherwise stdin is os.DevNull and (on
	// Unix) the command runs in a new session without a controlling
	// terminal, so a prompt fails at once instead of waiting for input.
	Interactive bool
	// Mode selects streaming or capturing of output.
	Mode OutputMode
	// Stderr receives the output in Stream mode (nil discards it) and a live
	// copy of stderr in Capture mode when non-nil. Each chunk read from the
	// command is written at once. Write errors are ignored (and stop the
	// copying); a Write that blocks is abandoned when Run returns.
	Stderr io.Writer
	// MaxStdout caps captured stdout in Capture mode; zero or negative means
	// DefaultMaxStdout.
	MaxStdout int64
	// StderrTail is how many trailing bytes of stderr (Stream: of the
	// combined output) to keep; zero means DefaultStderrTail, negative none.
	StderrTail int
	// Started, when non-nil, is called with the shell's process ID as soon as
	// it has started (on Unix this is also its process group ID). It must
	// not block.
	Started func(pid int)
}

// Result is what was collected from a run. Run returns it, non-nil, together
// with any error.
type Result struct {
	// Stdout is the captured standard output (Capture mode only). With
	// ErrOutputTooLarge it holds the first MaxStdout bytes.
	Stdout []byte
	// StderrTail is the last Options.StderrTail bytes of stderr (Capture) or
	// of the combined output (Stream).
	StderrTail []byte
	// Elapsed is the wall time Run took.
	Elapsed time.Duration
}

// Run runs opts.Command with the shell and waits for it, for its deadline, or
// for ctx to be done, whichever comes first.
//
// The command runs in a process group of its own. At the deadline (Timeout or
// ctx's deadline) or when ctx is canceled, the whole group gets SIGTERM (and
// SIGCONT, so stopped processes can act on it), then SIGKILL after Grace;
// once the shell has exited, any process still in its group is stopped the
// same way, so the command leaves nothing behind in its group. Output pipes
// held open by a process outside the group are abandoned, so Run returns
// promptly in every case: after at most about Timeout + Grace.
//
// The error is nil when the shell exited with status 0 (and, in Capture mode,
// stdout fit in MaxStdout). Otherwise it is a *TimeoutError, an error matching
// ErrInterrupted, ErrOutputTooLarge or ErrNotFound/ErrNotExecutable (start
// failures), an *ExitError or a *SignalError. The Result is never nil.
func Run(ctx context.Context, opts Options) (*Result, error) {
	return run(ctx, opts, defaultShell())
}

func run(ctx context.Context, opts Options, shell string) (*Result, error) {
	start := time.Now()
	res := &Result{}
	done := func(err error) (*Result, error) {
		res.Elapsed = time.Since(start)
		return res, err
	}

	o, err := opts.normalized()
	if err != nil {
		return done(err)
	}
	if ctx.Err() != nil {
		return done(contextError(ctx, start))
	}
	if o.Dir != "" {
		if fi, err := os.Stat(o.Dir); err != nil {
			return done(fmt.Errorf("working directory: %w", err))
		} else if !fi.IsDir() {
			return done(fmt.Errorf("working directory %s: not a directory", o.Dir))
		}
	}

	cmd := shellCommand(shell, o.Command)
	cmd.Env = o.Env
	cmd.Dir = o.Dir
	if o.Interactive {
		cmd.Stdin = os.Stdin
	} // else nil: os/exec connects os.DevNull.

	out, err := newOutput(cmd, &o)
	if err != nil {
		return done(fmt.Errorf("output pipe: %w", err))
	}
	g := newGroup(cmd, &o, shell)
	err = cmd.Start()
	out.closeWriteEnds()
	if err != nil {
		g.release()
		out.closeReadEnds()
		return done(startError(err))
	}
	g.started(cmd.Process)
	if o.Started != nil {
		o.Started(cmd.Process.Pid)
	}
	out.start()

	waitc := make(chan error, 1)
	go func() { waitc <- cmd.Wait() }()

	cause, waitErr := supervise(ctx, start, &o, g, out, waitc)
	g.release()

	// Take whatever is still in the pipes; then abandon them, so that a
	// process outside the group holding them open cannot keep us here.
	if !out.wait(drainWait) {
		out.closeReadEnds()
		out.wait(abandonWait)
	}
	out.closeReadEnds()
	res.Stdout, res.StderrTail = out.snapshot()

	switch {
	case cause != nil:
		return done(cause)
	case out.overflowed():
		return done(tooLarge(o.MaxStdout))
	}
	return done(exitError(cmd, waitErr, res.StderrTail))
}

// supervise waits for the shell to exit, for the deadline, for ctx, or for
// stdout to overflow; stops the process group as needed; and finally makes
// sure nothing is left in the group. cause is non-nil when Run cut the
// command off; otherwise waitErr is cmd.Wait's result.
//
// exec.Cmd's Cancel and WaitDelay do part of this for one process: they
// cannot escalate from SIGTERM to SIGKILL for a group, sweep the group after
// the shell exited, kill at once on overflow, or leave pipes that this
// package owns (a blocked Options.Stderr) behind, so they would not replace
// this code.
func supervise(ctx context.Context, start time.Time, o *Options, g *group, out *output, waitc <-chan error) (cause, waitErr error) {
	exited := false
	var deadline <-chan time.Time
	if o.Timeout > 0 {
		t := time.NewTimer(o.Timeout - time.Since(start))
		defer t.Stop()
		deadline = t.C
	}

	select {
	case waitErr = <-waitc:
		exited = true
	case <-deadline:
		cause = &TimeoutError{Timeout: o.Timeout}
	case <-ctx.Done():
		cause = contextError(ctx, start)
	case <-out.tooLarge:
		cause = tooLarge(o.MaxStdout)
	}
	if cause != nil && !errors.Is(cause, ErrOutputTooLarge) {
		// A shell that exited just as the deadline fired has not timed out.
		select {
		case waitErr = <-waitc:
			exited, cause = true, nil
		default:
		}
	}

	if cause != nil {
		g.cutOff()
	}

	var termSent time.Time // when SIGTERM went to the group; zero if never
	killed := false
	terminate := func() {
		if o.Grace <= 0 {
			g.kill()
			killed = true
		} else if termSent.IsZero() {
			g.terminate()
			termSent = time.Now()
		}
	}

	if !exited {
		if errors.Is(cause, ErrOutputTooLarge) {
			g.kill()
			killed = true
		} else {
			terminate()
		}
		if !killed {
			grace := time.NewTimer(o.Grace)
			select {
			case waitErr = <-waitc:
				exited = true
			case <-grace.C:
			}
			grace.Stop()
		}
		if !exited {
			g.kill()
			killed = true
			kw := time.NewTimer(killWait)
			select {
			case waitErr = <-waitc:
				exited = true
			case <-kw.C: // unkillable (uninterruptible sleep): abandon it
			}
			kw.Stop()
		}
	}

	// The shell is gone; stop whatever it left in its group.
	if g.alive() {
		if killed {
			g.kill()
		} else {
			terminate()
			limit := termSent.Add(o.Grace)
			for step := 2 * time.Millisecond; g.alive(); step = min(2*step, 50*time.Millisecond) {
				left := time.Until(limit)
				if left <= 0 {
					g.kill()
					break
				}
				time.Sleep(min(step, left))
			}
		}
	}
	return cause, waitErr
}

func (opts Options) normalized() (Options, error) {
	o := opts
	if strings.TrimSpace(o.Command) == "" {
		return o, fmt.Errorf("%w: empty command line", ErrNotFound)
	}
	if o.Mode != Stream && o.Mode != Capture {
		return o, fmt.Errorf("invalid output mode %d", o.Mode)
	}
	if o.Grace == 0 {
		o.Grace = DefaultGrace
	}
	if o.MaxStdout <= 0 {
		o.MaxStdout = DefaultMaxStdout
	}
	if o.StderrTail == 0 {
		o.StderrTail = DefaultStderrTail
	}
	return o, nil
}

// contextError classifies a done ctx: deadline → *TimeoutError, else
// interrupted.
func contextError(ctx context.Context, start time.Time) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		te := &TimeoutError{cause: err}
		if dl, ok := ctx.Deadline(); ok {
			te.Timeout = max(dl.Sub(start).Round(time.Millisecond), 0)
		}
		return te
	}
	return &sentinelError{sentinel: ErrInterrupted, cause: err}
}

func tooLarge(limit int64) error {
	return fmt.Errorf("%w: stdout exceeded %d bytes", ErrOutputTooLarge, limit)
}

func startError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, exec.ErrNotFound):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %w", ErrNotExecutable, err)
	}
	return fmt.Errorf("cannot start shell: %w", err)
}

// exitError classifies how the shell ended when Run did not cut it off.
func exitError(cmd *exec.Cmd, waitErr error, tail []byte) error {
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) {
		return fmt.Errorf("wait: %w", waitErr)
	}
	if cmd.ProcessState == nil {
		return errors.New("wait: no process state")
	}
	code, sig := exitStatus(cmd.ProcessState)
	switch {
	case sig != nil:
		return &SignalError{Signal: sig}
	case code != 0:
		return &ExitError{Code: code, StderrTail: tail}
	}
	return nil
}
