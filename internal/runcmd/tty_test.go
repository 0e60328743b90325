//go:build linux || darwin

package runcmd_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/awsfresh/awsfresh/internal/runcmd"
)

// The terminal tests run this test binary again as a helper whose
// controlling terminal is a pseudo-terminal we drive, like a user typing.

const helperEnv = "RUNCMD_TTY_HELPER"

// ttyHelperMain runs the helper when the environment asks for it and reports
// whether it did.
func ttyHelperMain() bool {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return false
	}
	opts := runcmd.Options{Mode: runcmd.Stream, Stderr: os.Stdout, Timeout: 10 * time.Second, Grace: 300 * time.Millisecond}
	switch mode {
	case "prompt":
		opts.Interactive = true
		opts.Command = `printf 'name? '; read line; echo "got:$line"`
	case "ctrlc":
		opts.Interactive = true
		opts.Command = `echo ready; sleep 30`
	case "devtty":
		if f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0); err != nil {
			fmt.Println("helper has no terminal:", err)
		} else {
			f.Close()
		}
		opts.Command = `read x </dev/tty; echo "read status $?"`
	case "stty":
		opts.Interactive = true
		opts.Timeout = 700 * time.Millisecond
		opts.Command = `stty -echo; echo ready; sleep 30`
		fmt.Println("echo before:", ttyEcho())
	default:
		fmt.Println("unknown helper mode", mode)
	}
	res, err := runcmd.Run(context.Background(), opts)
	fmt.Printf("\nRESULT err=%v timeout=%v interrupted=%v elapsed=%v\n",
		err, errors.Is(err, runcmd.ErrTimeout), errors.Is(err, runcmd.ErrInterrupted), res.Elapsed.Round(time.Millisecond))
	fg, ferr := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	fmt.Printf("FOREGROUND ours=%v (%v)\n", ferr == nil && fg == syscall.Getpgrp(), ferr)
	if mode == "stty" {
		fmt.Println("echo after:", ttyEcho())
	}
	fmt.Println("HELPER-DONE")
	return true
}

// ttyEcho reports whether the terminal on stdin echoes input, per stty.
func ttyEcho() bool {
	c := exec.Command("stty", "-a")
	c.Stdin = os.Stdin
	out, _ := c.Output()
	for _, f := range strings.Fields(string(out)) {
		if f == "echo" {
			return true
		}
	}
	return false
}

// startHelper runs the helper in a new session whose controlling terminal is
// a new pseudo-terminal and returns a function that waits for text on it.
func startHelper(t *testing.T, mode string) (master *os.File, waitFor func(string) string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	out := newSyncBuffer("")
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		ptmx.Close()
	})
	return ptmx, func(s string) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("terminal never showed %q; it shows:\n%s", s, out.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		return out.String()
	}
}

// An interactive command gets the terminal's foreground, so it can read a
// typed answer (in a background group the read would stop it with SIGTTIN
// until the deadline), and the terminal comes back to us afterwards.
func TestInteractivePromptOnTerminal(t *testing.T) {
	master, waitFor := startHelper(t, "prompt")
	waitFor("name? ")
	if _, err := master.WriteString("alice\n"); err != nil {
		t.Fatal(err)
	}
	out := waitFor("HELPER-DONE")
	for _, want := range []string{"got:alice", "RESULT err=<nil>", "FOREGROUND ours=true"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal lacks %q:\n%s", want, out)
		}
	}
}

// Ctrl+C typed while an interactive command has the terminal reaches the
// command (not us) and is reported as an interruption.
func TestInteractiveCtrlC(t *testing.T) {
	master, waitFor := startHelper(t, "ctrlc")
	waitFor("ready")
	if _, err := master.Write([]byte{3}); err != nil { // ^C
		t.Fatal(err)
	}
	out := waitFor("HELPER-DONE")
	for _, want := range []string{"signal: interrupt", "interrupted=true", "FOREGROUND ours=true"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal lacks %q:\n%s", want, out)
		}
	}
}

// A non-interactive command has no controlling terminal: a prompt on
// /dev/tty fails at once instead of hanging until the deadline.
func TestNonInteractiveTerminalPromptFailsFast(t *testing.T) {
	_, waitFor := startHelper(t, "devtty")
	out := waitFor("HELPER-DONE")
	if strings.Contains(out, "helper has no terminal") {
		t.Fatalf("test setup: helper has no controlling terminal:\n%s", out)
	}
	if strings.Contains(out, "timeout=true") || !strings.Contains(out, "RESULT") {
		t.Errorf("prompt on /dev/tty did not fail fast:\n%s", out)
	}
	if strings.Contains(out, "read status 0") {
		t.Errorf("read from /dev/tty succeeded:\n%s", out)
	}
}

// A command cut off at its deadline after turning echo off leaves the
// terminal as it was.
func TestInteractiveRestoresTerminalModes(t *testing.T) {
	_, waitFor := startHelper(t, "stty")
	out := waitFor("HELPER-DONE")
	for _, want := range []string{"echo before: true", "timeout=true", "FOREGROUND ours=true", "echo after: true"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal lacks %q:\n%s", want, out)
		}
	}
}
