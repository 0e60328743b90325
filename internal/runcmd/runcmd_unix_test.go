//go:build unix

package runcmd_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/runcmd"
)

// Timing of the fault matrix. Grace is long enough to tell "SIGTERM was
// enough" (well under timeout+grace) from "needed SIGKILL" (at least
// timeout+grace) on a loaded machine.
const (
	tmo   = 500 * time.Millisecond
	grace = time.Second
	slack = 1500 * time.Millisecond
)

// liveGroupMembers lists the processes of group pgid that are not zombies
// (nobody may reap orphans in a container, so zombies can linger), as
// "pid stat args" lines; empty when the group is gone.
func liveGroupMembers(t *testing.T, pgid int) string {
	t.Helper()
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return ""
	}
	out, err := exec.Command("ps", "-A", "-o", "pid=", "-o", "pgid=", "-o", "stat=", "-o", "args=").Output()
	if err != nil {
		return "kill(-pgid, 0) succeeded and ps failed: " + err.Error()
	}
	var live []string
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) >= 3 && f[1] == strconv.Itoa(pgid) && !strings.HasPrefix(f[2], "Z") {
			live = append(live, strings.TrimSpace(line))
		}
	}
	return strings.Join(live, "\n")
}

// assertGroupGone fails unless no process of group pgid is running within
// 200ms (the kernel needs a moment to finish off SIGKILLed processes).
func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	if pgid <= 1 {
		t.Fatalf("bad process group %d", pgid)
	}
	limit := time.Now().Add(200 * time.Millisecond)
	for {
		live := liveGroupMembers(t, pgid)
		if live == "" {
			return
		}
		if time.Now().After(limit) {
			syscall.Kill(-pgid, syscall.SIGKILL)
			t.Fatalf("processes of group %d survived Run:\n%s", pgid, live)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type fault struct {
	name    string
	command string
	stream  bool          // Stream mode; default Capture
	timeout time.Duration // 0: tmo; negative: none
	ctx     func() (context.Context, context.CancelFunc)
	want    error // errors.Is target; nil means success
	min     time.Duration
	max     time.Duration
	check   func(t *testing.T, res *runcmd.Result, err error, stream string)
}

func TestFaultMatrix(t *testing.T) {
	dir := t.TempDir()
	notExec := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\necho hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// armed starts a background child that ignores SIGTERM and holds stdout,
	// waits until it has set up its trap, then runs then.
	armed := func(name, then string) string {
		f := filepath.Join(dir, "armed-"+name)
		return "(trap '' TERM; : > " + f + "; exec sleep 600) & while [ ! -e " + f + " ]; do sleep 0.01; done; " + then
	}
	wantTimeout := func(d time.Duration) func(*testing.T, *runcmd.Result, error, string) {
		return func(t *testing.T, _ *runcmd.Result, err error, _ string) {
			var te *runcmd.TimeoutError
			if !errors.As(err, &te) || te.Timeout != d {
				t.Errorf("err = %#v, want *TimeoutError{Timeout: %v}", err, d)
			}
		}
	}
	wantExit := func(code int, tail string) func(*testing.T, *runcmd.Result, error, string) {
		return func(t *testing.T, res *runcmd.Result, err error, _ string) {
			var ee *runcmd.ExitError
			if !errors.As(err, &ee) || ee.Code != code {
				t.Fatalf("err = %#v, want *ExitError{Code: %d}", err, code)
			}
			if !strings.Contains(string(ee.StderrTail), tail) || !strings.Contains(string(res.StderrTail), tail) {
				t.Errorf("stderr tail %q / %q, want it to contain %q", ee.StderrTail, res.StderrTail, tail)
			}
		}
	}
	wantSignal := func(sig syscall.Signal) func(*testing.T, *runcmd.Result, error, string) {
		return func(t *testing.T, _ *runcmd.Result, err error, _ string) {
			var se *runcmd.SignalError
			if !errors.As(err, &se) || se.Signal != sig {
				t.Errorf("err = %#v, want *SignalError{Signal: %v}", err, sig)
			}
		}
	}
	wantStdout := func(s string) func(*testing.T, *runcmd.Result, error, string) {
		return func(t *testing.T, res *runcmd.Result, _ error, _ string) {
			if string(res.Stdout) != s {
				t.Errorf("Stdout = %q, want %q", res.Stdout, s)
			}
		}
	}
	wantTooLarge := func(t *testing.T, res *runcmd.Result, _ error, _ string) {
		if len(res.Stdout) != runcmd.DefaultMaxStdout {
			t.Errorf("len(Stdout) = %d, want the first %d bytes", len(res.Stdout), runcmd.DefaultMaxStdout)
		}
	}
	withCancelAfter := func(d time.Duration) func() (context.Context, context.CancelFunc) {
		return func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(d, cancel)
			return ctx, cancel
		}
	}
	withDeadline := func(d time.Duration) func() (context.Context, context.CancelFunc) {
		return func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), d) }
	}

	tests := []fault{
		{name: "sleeps forever", command: "sleep 600",
			want: runcmd.ErrTimeout, min: tmo, max: tmo + grace, check: wantTimeout(tmo)},
		{name: "grandchild holds stdout", command: "(sleep 600) & sleep 600",
			want: runcmd.ErrTimeout, min: tmo, max: tmo + grace},
		{name: "grandchild ignores TERM and holds stdout", command: armed("g", "sleep 600"),
			want: runcmd.ErrTimeout, min: tmo + grace, max: tmo + grace + slack},
		{name: "ignores TERM", command: "trap '' TERM; sleep 600",
			want: runcmd.ErrTimeout, min: tmo + grace, max: tmo + grace + slack},
		{name: "stopped, with TERM handler", command: "trap 'exit 7' TERM; kill -STOP $$; sleep 600",
			// Without SIGCONT the handler could not run before SIGKILL.
			want: runcmd.ErrTimeout, min: tmo, max: tmo + grace},
		{name: "stream: grandchild holds output", command: "echo visible; (sleep 600) & sleep 600", stream: true,
			want: runcmd.ErrTimeout, min: tmo, max: tmo + grace,
			check: func(t *testing.T, res *runcmd.Result, _ error, stream string) {
				if stream != "visible\n" || string(res.StderrTail) != "visible\n" || res.Stdout != nil {
					t.Errorf("streamed %q, tail %q, stdout %q; want %q, %q, nil", stream, res.StderrTail, res.Stdout, "visible\n", "visible\n")
				}
			}},
		{name: "exits 3 after stderr", command: "echo boom >&2; exit 3",
			want: nil, max: slack, check: wantExit(3, "boom")},
		{name: "prints 50 MiB", command: "head -c 52428800 /dev/zero", timeout: 10 * time.Second,
			want: runcmd.ErrOutputTooLarge, max: slack, check: wantTooLarge},
		{name: "yes forever", command: "yes", timeout: 10 * time.Second,
			want: runcmd.ErrOutputTooLarge, max: slack, check: wantTooLarge},
		{name: "floods stdout ignoring TERM", command: "trap '' TERM; yes", timeout: 10 * time.Second,
			// Killed at once: no waiting for the grace period.
			want: runcmd.ErrOutputTooLarge, max: grace - 100*time.Millisecond, check: wantTooLarge},
		{name: "missing command", command: "awsfresh-test-no-such-command --x",
			want: runcmd.ErrNotFound, max: slack, check: wantExit(127, "not found")},
		{name: "non-executable file", command: notExec,
			want: runcmd.ErrNotExecutable, max: slack, check: wantExit(126, "")},
		{name: "ctx canceled mid-run", command: "sleep 600", timeout: -1, ctx: withCancelAfter(300 * time.Millisecond),
			want: runcmd.ErrInterrupted, min: 300 * time.Millisecond, max: 300*time.Millisecond + grace,
			check: func(t *testing.T, _ *runcmd.Result, err error, _ string) {
				if !errors.Is(err, context.Canceled) || errors.Is(err, runcmd.ErrTimeout) || err.Error() != "interrupted" {
					t.Errorf("err = %v, want interrupted wrapping context.Canceled", err)
				}
			}},
		{name: "ctx deadline", command: "sleep 600", timeout: -1, ctx: withDeadline(300 * time.Millisecond),
			want: runcmd.ErrTimeout, min: 300 * time.Millisecond, max: 300*time.Millisecond + grace,
			check: func(t *testing.T, _ *runcmd.Result, err error, _ string) {
				var te *runcmd.TimeoutError
				if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) ||
					te.Timeout < 250*time.Millisecond || te.Timeout > 300*time.Millisecond {
					t.Errorf("err = %#v, want *TimeoutError{~300ms} wrapping DeadlineExceeded", err)
				}
			}},
		{name: "ctx deadline before Timeout", command: "sleep 600", timeout: 10 * time.Second, ctx: withDeadline(300 * time.Millisecond),
			want: runcmd.ErrTimeout, min: 300 * time.Millisecond, max: 300*time.Millisecond + grace},
		{name: "leftover child holds stdout", command: `echo '{"a":1}'; (sleep 600) &`, timeout: 10 * time.Second,
			want: nil, max: grace, check: wantStdout("{\"a\":1}\n")},
		{name: "leftover child ignores TERM", command: "echo ok; " + armed("l", ":"), timeout: 10 * time.Second,
			want: nil, min: grace, max: grace + slack, check: wantStdout("ok\n")},
		{name: "killed by own SIGKILL", command: "echo partial; kill -9 $$",
			want: nil, max: slack, check: wantSignal(syscall.SIGKILL)},
		{name: "killed by own SIGTERM", command: "kill -TERM $$",
			want: nil, max: slack, check: wantSignal(syscall.SIGTERM)},
		{name: "success", command: "printf 'a\\nb'", want: nil, max: slack, check: wantStdout("a\nb")},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			timeout := tt.timeout
			switch {
			case timeout == 0:
				timeout = tmo
			case timeout < 0:
				timeout = 0
			}
			mode := runcmd.Capture
			if tt.stream {
				mode = runcmd.Stream
			}
			var pgid atomic.Int64
			stream := newSyncBuffer("")
			res, err := runcmd.Run(ctx, runcmd.Options{
				Command: tt.command,
				Timeout: timeout,
				Grace:   grace,
				Mode:    mode,
				Stderr:  stream,
				Started: func(pid int) { pgid.Store(int64(pid)) },
			})
			if res == nil {
				t.Fatal("nil Result")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if tt.want == nil && tt.check == nil && err != nil {
				t.Errorf("err = %v, want nil", err)
			}
			if res.Elapsed < tt.min || res.Elapsed > tt.max {
				t.Errorf("Elapsed = %v, want within [%v, %v]", res.Elapsed, tt.min, tt.max)
			}
			if tt.check != nil {
				tt.check(t, res, err, stream.String())
			}
			if err != nil && strings.ContainsAny(err.Error(), "\n") {
				t.Errorf("error text %q spans lines", err)
			}
			assertGroupGone(t, int(pgid.Load()))
		})
	}
}

func TestStreamShowsOutputAtOnce(t *testing.T) {
	const url = "https://device.sso.example.test/?user_code=ABCD-EFGH"
	w := newSyncBuffer("then enter the code")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type ret struct {
		res *runcmd.Result
		err error
	}
	done := make(chan ret, 1)
	go func() {
		// Two separate writes, then a wait: a buffering implementation would
		// show nothing until the command ends.
		res, err := runcmd.Run(ctx, runcmd.Options{
			Command: "printf 'Open %s\\n' '" + url + "' >&2; echo 'then enter the code'; sleep 600",
			Mode:    runcmd.Stream, Stderr: w, Timeout: 20 * time.Second, Grace: grace,
		})
		done <- ret{res, err}
	}()
	select {
	case <-w.arrived:
	case r := <-done:
		t.Fatalf("Run returned before the URL was streamed: %v", r.err)
	case <-time.After(5 * time.Second):
		t.Fatal("URL not streamed within 5s while the command runs")
	}
	cancel()
	r := <-done
	if !errors.Is(r.err, runcmd.ErrInterrupted) {
		t.Errorf("err = %v, want ErrInterrupted", r.err)
	}
	if !strings.Contains(w.String(), "then enter the code") || !strings.Contains(string(r.res.StderrTail), url) {
		t.Errorf("stream %q / tail %q lacks stdout or stderr text", w.String(), r.res.StderrTail)
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("RUNCMD_TEST_INHERITED", "from-parent")
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"nil inherits", nil, "from-parent|"},
		{"explicit replaces", []string{"RUNCMD_TEST_SET=given", "PATH=" + os.Getenv("PATH")}, "|given"},
		{"empty is empty", []string{}, "|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := runcmd.Run(context.Background(), runcmd.Options{
				Command: `printf '%s|%s' "$RUNCMD_TEST_INHERITED" "$RUNCMD_TEST_SET"`,
				Env:     tt.env, Mode: runcmd.Capture, Timeout: 10 * time.Second,
			})
			if err != nil || string(res.Stdout) != tt.want {
				t.Errorf("got %q, %v; want %q", res.Stdout, err, tt.want)
			}
		})
	}
}

// TestStdin replaces os.Stdin by a pipe that never reaches EOF unless closed:
// a non-interactive command must see /dev/null (cat returns at once), an
// interactive one must read the pipe.
func TestStdin(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	saved := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = saved }()

	res, err := runcmd.Run(context.Background(), runcmd.Options{Command: "cat", Mode: runcmd.Capture, Timeout: 5 * time.Second, Grace: grace})
	if err != nil || len(res.Stdout) != 0 || res.Elapsed > slack {
		t.Fatalf("non-interactive cat: %q, %v after %v; want no output, no error, at once", res.Stdout, err, res.Elapsed)
	}
	res, err = runcmd.Run(context.Background(), runcmd.Options{Command: "read x", Timeout: 5 * time.Second})
	if ee := new(runcmd.ExitError); !errors.As(err, &ee) {
		t.Fatalf("non-interactive read: %v, want a non-zero exit (EOF)", err)
	}
	if res.Elapsed > slack {
		t.Errorf("non-interactive read took %v", res.Elapsed)
	}

	if _, err := w.WriteString("typed\n"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	res, err = runcmd.Run(context.Background(), runcmd.Options{
		Command: "cat", Interactive: true, Mode: runcmd.Capture, Timeout: 5 * time.Second,
	})
	if err != nil || string(res.Stdout) != "typed\n" {
		t.Fatalf("interactive cat: %q, %v; want %q", res.Stdout, err, "typed\n")
	}
}

func TestDir(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := runcmd.Run(context.Background(), runcmd.Options{Command: "pwd -P", Dir: dir, Mode: runcmd.Capture})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != dir {
		t.Errorf("pwd = %q, %v; want %q", res.Stdout, err, dir)
	}
}

func TestCaptureStderrTail(t *testing.T) {
	echo := newSyncBuffer("")
	res, err := runcmd.Run(context.Background(), runcmd.Options{
		Command:    "head -c 300000 /dev/zero | tr '\\0' a >&2; echo END >&2; echo out",
		Mode:       runcmd.Capture,
		Stderr:     echo,
		StderrTail: 1000,
		Timeout:    10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat("a", 996) + "END\n"
	if string(res.StderrTail) != want {
		t.Errorf("StderrTail has %d bytes ending %q, want %d bytes ending %q",
			len(res.StderrTail), res.StderrTail[max(0, len(res.StderrTail)-8):], len(want), "aaaaEND\n")
	}
	if n := len(echo.String()); n != 300004 {
		t.Errorf("live copy of stderr has %d bytes, want 300004", n)
	}
	if string(res.Stdout) != "out\n" {
		t.Errorf("Stdout = %q, want %q", res.Stdout, "out\n")
	}

	res, err = runcmd.Run(context.Background(), runcmd.Options{Command: "echo x >&2", StderrTail: -1, Mode: runcmd.Capture})
	if err != nil || res.StderrTail != nil {
		t.Errorf("StderrTail -1: got %q, %v; want nothing kept", res.StderrTail, err)
	}
}

func TestStreamCombinedTail(t *testing.T) {
	w := newSyncBuffer("")
	res, err := runcmd.Run(context.Background(), runcmd.Options{
		Command: "echo one; echo two >&2; echo three; exit 4",
		Mode:    runcmd.Stream, Stderr: w, StderrTail: 10, Timeout: 10 * time.Second,
	})
	var ee *runcmd.ExitError
	if !errors.As(err, &ee) || ee.Code != 4 {
		t.Fatalf("err = %v, want exit status 4", err)
	}
	if w.String() != "one\ntwo\nthree\n" {
		t.Errorf("streamed %q", w.String())
	}
	if string(res.StderrTail) != "two\nthree\n" || string(ee.StderrTail) != "two\nthree\n" || res.Stdout != nil {
		t.Errorf("tail %q, exit tail %q, stdout %q", res.StderrTail, ee.StderrTail, res.Stdout)
	}
}

func TestMaxStdoutBoundary(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want error
	}{{1000, nil}, {1001, runcmd.ErrOutputTooLarge}} {
		res, err := runcmd.Run(context.Background(), runcmd.Options{
			Command: "head -c " + strconv.Itoa(tt.n) + " /dev/zero", Mode: runcmd.Capture, MaxStdout: 1000,
			Timeout: 10 * time.Second,
		})
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || len(res.Stdout) != 1000 {
			t.Errorf("%d bytes with MaxStdout 1000: %d captured, err %v; want 1000, %v", tt.n, len(res.Stdout), err, tt.want)
		}
	}
}

func TestErrorTextNeverHasOutput(t *testing.T) {
	const secret = "SeCrEtToKeN"
	for _, cmd := range []string{
		"echo " + secret + "; echo " + secret + " >&2; exit 1",
		"echo " + secret + " >&2; sleep 600",
		"echo " + secret + " >&2; kill -9 $$",
		"echo " + secret + " >&2; yes " + secret,
	} {
		res, err := runcmd.Run(context.Background(), runcmd.Options{Command: cmd, Mode: runcmd.Capture, Timeout: tmo, Grace: grace})
		if err == nil {
			t.Errorf("%q: no error", cmd)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "echo") {
			t.Errorf("%q: error text %q includes output or the command", cmd, err)
		}
		if !bytes.Contains(res.StderrTail, []byte(secret)) {
			t.Errorf("%q: stderr tail %q lacks the output", cmd, res.StderrTail)
		}
	}
}

func TestNegativeGraceKillsAtOnce(t *testing.T) {
	var pgid atomic.Int64
	res, err := runcmd.Run(context.Background(), runcmd.Options{
		Command: "trap '' TERM; sleep 600", Timeout: 300 * time.Millisecond, Grace: -1,
		Started: func(pid int) { pgid.Store(int64(pid)) },
	})
	if !errors.Is(err, runcmd.ErrTimeout) || res.Elapsed > 300*time.Millisecond+700*time.Millisecond {
		t.Errorf("err %v after %v; want timeout soon after 300ms", err, res.Elapsed)
	}
	assertGroupGone(t, int(pgid.Load()))
}

// TestEscapedProcessHoldingPipe: a process that left the group (setsid) and
// keeps stdout open is not ours to kill, but must not keep Run waiting, and
// Run must not leave pipe readers behind.
func TestEscapedProcessHoldingPipe(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid command")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	before := runtime.NumGoroutine()
	res, err := runcmd.Run(context.Background(), runcmd.Options{
		Command: `setsid sh -c 'echo $$ > "$1"; exec sleep 30' sh "$PIDFILE" & ` +
			`while [ ! -s "$PIDFILE" ]; do sleep 0.01; done; echo done`,
		Env:     append(os.Environ(), "PIDFILE="+pidFile),
		Mode:    runcmd.Capture,
		Timeout: 10 * time.Second, Grace: grace,
	})
	if b, rerr := os.ReadFile(pidFile); rerr == nil {
		if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid > 1 {
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
		}
	}
	if err != nil || string(res.Stdout) != "done\n" {
		t.Fatalf("got %q, %v; want %q, nil", res.Stdout, err, "done\n")
	}
	if res.Elapsed > slack {
		t.Errorf("Run took %v with an escaped process holding stdout", res.Elapsed)
	}
	// A command that ends on its own keeps its daemons (a login may open
	// the user's browser in a session of its own).
	if pid := readPIDFile(t, pidFile); !processAlive(pid) {
		t.Errorf("the daemon %d of a command that exited on its own was stopped", pid)
	}
	deadline := time.Now().Add(time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Run, %d before", n, before)
	}
}

// TestCutOffStopsEscapedDaemons: processes that left the group (setsid,
// with or without a double fork) and ignore SIGTERM are stopped with it when
// the run is cut off.
func TestCutOffStopsEscapedDaemons(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("processes that leave the group are found through /proc")
	}
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid command")
	}
	// daemon starts a process in a session of its own that ignores SIGTERM
	// and writes its pid to the file named by its argument.
	const daemon = `setsid sh -c 'trap "" TERM; echo $$ > "$1.tmp"; mv "$1.tmp" "$1"; exec sleep 600' sh`
	tests := []struct {
		name    string
		command string
		daemons int
	}{
		{name: "setsid child", command: daemon + ` "$D1" & sleep 600`, daemons: 1},
		{name: "double fork", command: `(` + daemon + ` "$D1" &); sleep 600`, daemons: 1},
		{name: "two daemons, shell exits on TERM", daemons: 2,
			command: daemon + ` "$D1" & ` + daemon + ` "$D2" & trap 'exit 5' TERM; while :; do sleep 0.05; done`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			files := []string{filepath.Join(dir, "d1"), filepath.Join(dir, "d2")}[:tt.daemons]
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				// Cut the run off only once the daemons run, so the test
				// cannot pass by stopping them before they escaped.
				defer cancel()
				for _, f := range files {
					waitForFile(f)
				}
			}()
			var pgid atomic.Int64
			_, err := runcmd.Run(ctx, runcmd.Options{
				Command: tt.command,
				Env:     append(os.Environ(), "D1="+filepath.Join(dir, "d1"), "D2="+filepath.Join(dir, "d2")),
				Grace:   grace,
				Started: func(pid int) { pgid.Store(int64(pid)) },
			})
			if !errors.Is(err, runcmd.ErrInterrupted) {
				t.Errorf("err = %v, want interrupted", err)
			}
			assertGroupGone(t, int(pgid.Load()))
			for _, f := range files {
				pid := readPIDFile(t, f)
				if processAlive(pid) {
					syscall.Kill(pid, syscall.SIGKILL)
					t.Errorf("daemon %d outlived the run", pid)
				}
			}
		})
	}
}

// readPIDFile reads a pid written by a command.
func readPIDFile(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Fatalf("bad pid %q in %s", b, path)
	}
	return pid
}

// waitForFile waits up to 10 s for a file to appear.
func waitForFile(path string) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// processAlive reports whether pid runs and is not a zombie, waiting up to
// 200ms for a killed process to finish.
func processAlive(pid int) bool {
	limit := time.Now().Add(200 * time.Millisecond)
	for {
		out, _ := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
		st := strings.TrimSpace(string(out))
		if st == "" || strings.HasPrefix(st, "Z") {
			return false
		}
		if time.Now().After(limit) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func BenchmarkRunTrue(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		if _, err := runcmd.Run(ctx, runcmd.Options{Command: "true", Mode: runcmd.Capture, Timeout: 10 * time.Second}); err != nil {
			b.Fatal(err)
		}
	}
}

// syncBuffer is a goroutine-safe bytes buffer that can tell when some text
// has arrived.
type syncBuffer struct {
	mu      sync.Mutex
	b       strings.Builder
	want    string
	arrived chan struct{}
}

func newSyncBuffer(want string) *syncBuffer {
	return &syncBuffer{want: want, arrived: make(chan struct{})}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	had := s.want != "" && strings.Contains(s.b.String(), s.want)
	s.b.Write(p)
	if !had && s.want != "" && strings.Contains(s.b.String(), s.want) {
		close(s.arrived)
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
