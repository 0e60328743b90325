package cli

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// Run is awsfresh as a program: Main with this process's standard streams,
// stopped by its signals. It returns the exit code.
//
// SIGINT, SIGTERM, SIGHUP (the terminal closed) and SIGQUIT all end the
// command the same way: its context is canceled, so a login or export
// command it runs has its process group stopped (SIGTERM, then SIGKILL after
// the grace period) before awsfresh exits with 128 + the signal's number
// (130 for Ctrl+C, 129 for SIGHUP). A second signal exits at once, after
// SIGKILL to those groups. exec hands signals over to its program once that
// runs.
func Run(args []string) int {
	ctx, sh := notifySignals(context.Background())
	defer sh.stop()
	return run(ctx, args, IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, sh)
}

// stopSignals are the signals that stop awsfresh.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// interruption is the cause of the command's context when a signal stops it.
type interruption struct{ sig syscall.Signal }

func (i interruption) Error() string { return i.sig.String() + " signal received" }

// exitCode is how a shell reports a process that a signal ended.
func (i interruption) exitCode() int { return 128 + int(i.sig) }

// signalHandler turns stop signals into the cancellation of one context.
type signalHandler struct {
	ch        chan os.Signal
	done      chan struct{}
	handedOff atomic.Bool
}

func notifySignals(parent context.Context) (context.Context, *signalHandler) {
	ctx, cancel := context.WithCancelCause(parent)
	h := &signalHandler{ch: make(chan os.Signal, 4), done: make(chan struct{})}
	signal.Notify(h.ch, stopSignals...)
	go func() {
		first := true
		for {
			select {
			case <-h.done:
				return
			case s := <-h.ch:
				sig, _ := s.(syscall.Signal)
				switch {
				case h.handedOff.Load():
					// exec's program gets it; awsfresh follows the program.
				case first:
					first = false
					cancel(interruption{sig})
				default:
					// The user does not want to wait for the clean-up.
					killCommandGroups()
					os.Exit(interruption{sig}.exitCode())
				}
			}
		}
	}()
	return ctx, h
}

func (h *signalHandler) stop() {
	signal.Stop(h.ch)
	close(h.done)
}

// handOff leaves signals to someone else (exec forwards them to its
// program): from now on they neither cancel nor exit. Safe on nil.
func (h *signalHandler) handOff() {
	if h != nil {
		h.handedOff.Store(true)
	}
}

// signalExit returns the exit code for an interrupted command: 128 + the
// number of the signal that stopped it, or code when no signal did.
func signalExit(ctx context.Context, code int) int {
	var i interruption
	if code == exitInterrupted && errors.As(context.Cause(ctx), &i) {
		return i.exitCode()
	}
	return code
}
