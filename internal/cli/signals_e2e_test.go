//go:build unix

package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitForFile waits (up to 30 s) for a command to create a file.
func waitForFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitExit waits for awsfresh to exit, bounded by a minute, and returns its
// exit code (128+N when a signal N killed it).
func waitExit(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatal("awsfresh did not exit within a minute")
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// TestStopSignalsStopTheLogin: closing the terminal (SIGHUP), SIGQUIT and
// SIGTERM stop awsfresh as Ctrl+C does: the login's whole group is stopped
// first (SIGKILL after the grace when it ignores SIGTERM), then awsfresh
// exits 128+N with the interrupted message.
func TestStopSignalsStopTheLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sig  syscall.Signal
		code int
		trap string // what the login ignores
	}{
		{syscall.SIGHUP, 129, ""},
		{syscall.SIGQUIT, 131, ""},
		{syscall.SIGTERM, 143, ""},
		{syscall.SIGHUP, 129, "trap '' TERM HUP;"},
		{syscall.SIGQUIT, 131, "trap '' TERM QUIT;"},
	}
	for _, tt := range tests {
		name := tt.sig.String()
		if tt.trap != "" {
			name += ", login ignores SIGTERM"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			pidFile := filepath.Join(s.home, "pid")
			childFile := filepath.Join(s.home, "child")
			// The shell and a child of its own, both in the login's group.
			script := tt.trap + " sleep 1000 & echo $! > " + childFile + "; echo $$ > " + pidFile + "; wait"
			cmd, _, stderr := s.start("refresh", "--command", script)
			pgid := readPID(t, pidFile, 30*time.Second)
			child := readPID(t, childFile, time.Second)
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			if code := waitExit(t, cmd); code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr.String(), "AWS authentication refresh interrupted.") {
				t.Errorf("stderr lacks the interrupted message:\n%s", stderr)
			}
			assertGroupGone(t, pgid)
			if !processGone(child) {
				t.Errorf("the login's child %d outlived awsfresh", child)
			}
		})
	}
}

// TestSecondSignalExitsAtOnce: while awsfresh waits out the grace period of
// a login that ignores SIGTERM, a second signal makes it exit at once with
// that signal's status, and the login's group is killed, not left behind.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	pidFile := filepath.Join(s.home, "pid")
	termFile := filepath.Join(s.home, "got-term")
	// The shell notes SIGTERM and carries on; its child ignores SIGTERM.
	script := "trap 'touch " + termFile + "' TERM; (trap '' TERM; exec sleep 1000) & echo $$ > " + pidFile +
		"; while :; do sleep 0.05; done"
	cmd, _, stderr := s.start("refresh", "--timeout", "10m", "--command", script)
	pgid := readPID(t, pidFile, 30*time.Second)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, termFile) // awsfresh is stopping the login: the grace runs
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// 143, not 130: awsfresh exited on the second signal, not after the
	// grace on the first.
	if code := waitExit(t, cmd); code != 143 {
		t.Errorf("exit %d, want 143 (the second signal's)\n%s", code, stderr)
	}
	assertGroupGone(t, pgid)
}

// TestLoginDaemonStoppedAtDeadline: a login that starts a daemon in a
// session of its own (setsid) and then hangs leaves nothing running once
// awsfresh gives up on it.
func TestLoginDaemonStoppedAtDeadline(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("processes that leave the login's group are found through /proc on Linux only")
	}
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("no setsid command")
	}
	s := newSandbox(t)
	pidFile := filepath.Join(s.home, "pid")
	daemonFile := filepath.Join(s.home, "daemon")
	script := `echo $$ > ` + pidFile + `; setsid sh -c 'echo $$ > "$1.tmp"; mv "$1.tmp" "$1"; exec sleep 1000' sh ` + daemonFile +
		` & while [ ! -e ` + daemonFile + ` ]; do sleep 0.01; done; echo "daemon started"; sleep 1000`
	// A deadline far beyond the daemon's start, which takes milliseconds.
	r := s.run("refresh", "--timeout", "10s", "--command", script)
	if r.code != 124 {
		t.Errorf("exit %d, want 124\n%s", r.code, r)
	}
	if !strings.Contains(r.stderr, "daemon started") {
		t.Fatalf("the daemon was not running before the deadline, so this test proves nothing:\n%s", r)
	}
	assertGroupGone(t, readPID(t, pidFile, time.Second))
	daemon := readPID(t, daemonFile, time.Second)
	if !processGone(daemon) {
		syscall.Kill(daemon, syscall.SIGKILL)
		t.Errorf("the login's daemon %d (setsid) outlived the deadline", daemon)
	}
}

// processGone reports whether pid has ended (or is a zombie) within a
// second: the kernel takes a moment to finish off a SIGKILLed process.
func processGone(pid int) bool {
	deadline := time.Now().Add(time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
