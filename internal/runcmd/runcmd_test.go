package runcmd_test

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/runcmd"
)

func TestMain(m *testing.M) {
	// The terminal tests re-run this binary as a helper on a pseudo-terminal.
	if ttyHelperMain() {
		return
	}
	os.Exit(m.Run())
}

func TestErrorTypes(t *testing.T) {
	sentinels := []error{runcmd.ErrTimeout, runcmd.ErrInterrupted, runcmd.ErrNotFound,
		runcmd.ErrNotExecutable, runcmd.ErrOutputTooLarge}
	tests := []struct {
		name string
		err  error
		is   []error // sentinels it must match; it must match no other
		text string
	}{
		{"exit 1", &runcmd.ExitError{Code: 1, StderrTail: []byte("secret-ish output")}, nil, "exit status 1"},
		{"timeout", &runcmd.TimeoutError{Timeout: 3 * time.Minute}, []error{runcmd.ErrTimeout}, "timed out after 3m0s"},
		{"sigkill", &runcmd.SignalError{Signal: syscall.SIGKILL}, nil, "signal: killed"},
		{"sigint", &runcmd.SignalError{Signal: os.Interrupt}, []error{runcmd.ErrInterrupted}, "signal: interrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.text {
				t.Errorf("Error() = %q, want %q", got, tt.text)
			}
			for _, s := range sentinels {
				want := false
				for _, w := range tt.is {
					want = want || w == s
				}
				if got := errors.Is(tt.err, s); got != want {
					t.Errorf("errors.Is(%v, %q) = %v, want %v", tt.err, s, got, want)
				}
			}
		})
	}
}

func TestEmptyCommand(t *testing.T) {
	started := false
	res, err := runcmd.Run(context.Background(), runcmd.Options{Command: " \t\n", Started: func(int) { started = true }})
	if !errors.Is(err, runcmd.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if res == nil || started {
		t.Fatalf("res = %v, started = %v; want a Result and no process", res, started)
	}
}

func TestContextDoneBeforeStart(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	tests := []struct {
		name  string
		ctx   context.Context
		want  error
		cause error
	}{
		{"canceled", canceled, runcmd.ErrInterrupted, context.Canceled},
		{"deadline", expired, runcmd.ErrTimeout, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := false
			res, err := runcmd.Run(tt.ctx, runcmd.Options{Command: "exit 0", Started: func(int) { started = true }})
			if !errors.Is(err, tt.want) || !errors.Is(err, tt.cause) {
				t.Fatalf("err = %v, want %v and %v", err, tt.want, tt.cause)
			}
			if res == nil || started {
				t.Fatalf("res = %v, started = %v; want a Result and no process", res, started)
			}
		})
	}
}

func TestInvalidDir(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/file"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir + "/missing", file} {
		_, err := runcmd.Run(context.Background(), runcmd.Options{Command: "exit 0", Dir: d})
		if err == nil || errors.Is(err, runcmd.ErrNotFound) {
			t.Errorf("Dir %s: err = %v, want a working-directory error that is not ErrNotFound", d, err)
		}
	}
}
