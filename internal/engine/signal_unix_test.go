//go:build unix

package engine_test

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/awsfresh/awsfresh/internal/engine"
)

// loginSignal makes login tell the test each time it has done its work,
// then wait until it is stopped (or its timeout passes). The returned
// channel receives once per run, at that point.
func loginSignal(t *testing.T, login *engine.Login) <-chan struct{} {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "started")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	login.Command += "; echo started > " + shellQuote(fifo) + "; exec sleep 60"
	ch := make(chan struct{})
	done := make(chan struct{})
	go func() {
		for {
			f, err := os.Open(fifo) // returns once a run opens it to write
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, f)
			f.Close()
			select {
			case ch <- struct{}{}:
			case <-done:
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(done)
		// Wake the reader if it waits in Open.
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	return ch
}

// gateLogin makes each run of login wait, after its work, until the test
// calls release (once per run; release waits for a run to be waiting).
func gateLogin(t *testing.T, login *engine.Login) (release func()) {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "gate")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	login.Command += "; read line < " + shellQuote(fifo)
	return func() {
		if err := os.WriteFile(fifo, []byte("go\n"), 0o600); err != nil {
			t.Error(err)
		}
	}
}
