//go:build unix

package runcmd

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// Exit statuses with which POSIX shells report a command they could not find
// or could not execute.
const (
	codeNotFound      = 127
	codeNotExecutable = 126
)

// defaultShell returns /bin/sh, or the first sh on PATH where there is none.
func defaultShell() string {
	const sh = "/bin/sh"
	if _, err := os.Stat(sh); err != nil {
		if p, err := exec.LookPath("sh"); err == nil {
			return p
		}
	}
	return sh
}

func shellCommand(shell, command string) *exec.Cmd {
	return exec.Command(shell, "-c", command)
}

// group is the command's process group. Its ID is the shell's PID. Once
// the run is cut off it also stands for the processes that left the group
// (a daemon in a session of its own) but carry the run's marker.
type group struct {
	pgid   int
	shell  string
	marker string // the run's environment entry; "" where not marked
	cut    bool   // cut off: escaped processes are stopped with the group

	// Set when the terminal on stdin was handed to the command's group.
	tty      int // file descriptor; -1 when not handed over
	ttyState *term.State
	ownPgrp  int
}

// newGroup arranges for the command to start in a process group of its own:
// a new session without a controlling terminal when not interactive (a prompt
// on /dev/tty then fails at once), else a new group in our session that gets
// the terminal's foreground when we have it.
func newGroup(cmd *exec.Cmd, o *Options, shell string) *group {
	g := &group{tty: -1, shell: shell, marker: markEnv(cmd)}
	attr := &syscall.SysProcAttr{}
	setParentDeathSignal(attr)
	if !o.Interactive {
		attr.Setsid = true
	} else {
		attr.Setpgid = true
		if fd, pgrp, ok := foregroundTerminal(); ok {
			attr.Foreground = true
			attr.Ctty = fd
			g.tty = fd
			g.ownPgrp = pgrp
			g.ttyState, _ = term.GetState(fd)
		}
	}
	cmd.SysProcAttr = attr
	return g
}

// foregroundTerminal returns os.Stdin's descriptor and our process group
// when stdin is a terminal and our process group is its foreground group.
func foregroundTerminal() (fd, pgrp int, ok bool) {
	fd = int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return -1, 0, false
	}
	pgrp, err := unix.Getpgid(0)
	if err != nil {
		return -1, 0, false
	}
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || fg != pgrp {
		return -1, 0, false
	}
	return fd, pgrp, true
}

func (g *group) started(p *os.Process) { g.pgid = p.Pid }

// signal sends sig to every process in the group. The guard keeps a bogus ID
// from ever becoming kill(0) or kill(-1).
func (g *group) signal(sig syscall.Signal) error {
	if g.pgid <= 1 {
		return syscall.ESRCH
	}
	return syscall.Kill(-g.pgid, sig)
}

// cutOff widens the group to the processes that escaped it: from now on
// terminate, kill and alive include them. A command that ends on its own
// keeps its daemons (a browser a login opened); one cut off at its
// deadline leaves nothing.
func (g *group) cutOff() { g.cut = true }

// terminate asks the group to exit: SIGTERM, and SIGCONT so that stopped
// members (e.g. after SIGTTIN or Ctrl+Z) act on it.
func (g *group) terminate() {
	g.signal(syscall.SIGTERM)
	g.signal(syscall.SIGCONT)
	for _, pid := range g.escaped() {
		syscall.Kill(pid, syscall.SIGTERM)
		syscall.Kill(pid, syscall.SIGCONT)
	}
}

func (g *group) kill() {
	g.signal(syscall.SIGKILL)
	for _, pid := range g.escaped() {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// alive reports whether any process of the group is still running. Zombies
// do not count: where nobody reaps orphans (PID 1 in some containers) killed
// members would otherwise look alive forever.
func (g *group) alive() bool {
	if len(g.escaped()) > 0 {
		return true
	}
	if err := g.signal(0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	return hasLiveMember(g.pgid)
}

// escaped returns the live processes outside the group that carry the
// run's marker, once the run is cut off; never this process.
func (g *group) escaped() []int {
	if !g.cut {
		return nil
	}
	pids := escaped(g.marker)
	self := os.Getpid()
	return slices.DeleteFunc(pids, func(pid int) bool { return pid <= 1 || pid == self })
}

// release gives the terminal back to our process group, with the modes it
// had before the run, if it was handed to the command. It does not take the
// terminal from a live group other than the command's (the user's shell may
// have taken it over).
func (g *group) release() {
	if g.tty < 0 {
		return
	}
	fd := g.tty
	g.tty = -1
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil {
		return
	}
	if fg != g.ownPgrp {
		if fg != g.pgid && fg > 1 && syscall.Kill(-fg, 0) == nil {
			return
		}
		if reclaimForeground(g.shell, fd, g.ownPgrp) != nil {
			return
		}
		if fg, err = unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil || fg != g.ownPgrp {
			return
		}
	}
	if g.ttyState != nil {
		// We are in the foreground again, so this cannot stop us (SIGTTOU).
		term.Restore(fd, g.ttyState)
	}
}

// reclaimForeground makes pgrp the terminal's foreground group. A process
// outside the foreground group that calls tcsetpgrp gets SIGTTOU, which by
// default stops it, unless SIGTTOU is blocked; os/exec's Foreground attribute
// does exactly that with signals blocked, in a short-lived child that joins
// pgrp, so no process-wide signal disposition has to change.
func reclaimForeground(shell string, fd, pgrp int) error {
	c := exec.Command(shell, "-c", ":")
	c.Env = []string{}
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgrp, Foreground: true, Ctty: fd}
	return c.Run()
}

// exitStatus returns the shell's exit code, or the signal that killed it.
func exitStatus(ps *os.ProcessState) (code int, sig os.Signal) {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return -1, ws.Signal()
	}
	return ps.ExitCode(), nil
}
