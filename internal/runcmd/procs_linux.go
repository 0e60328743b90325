package runcmd

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"slices"
	"syscall"

	"github.com/awsfresh/awsfresh/internal/procfs"
)

// hasLiveMember reports whether a process that is not a zombie has process
// group pgid. When /proc cannot be read it answers true, which only makes
// the caller wait for the grace period.
func hasLiveMember(pgid int) bool {
	alive, known := procfs.GroupAlive(pgid)
	return alive || !known
}

// markerPrefix starts the name of the variable that marks every process a
// run starts; the rest of the name is random, so that nested and
// concurrent runs each find their own.
const markerPrefix = "AWSFRESH_RUN_"

// markEnv gives the command a variable of its own (inherited by whatever it
// starts, unless a process clears its environment) and returns it, so that
// processes that left the group can be found in /proc.
func markEnv(cmd *exec.Cmd) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails on Linux
	marker := markerPrefix + hex.EncodeToString(b[:]) + "=1"
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(slices.Clip(env), marker)
	return marker
}

// escaped returns the live processes that carry marker, wherever they are:
// what the command started and what those started in turn, including
// daemons that moved to a session of their own.
func escaped(marker string) []int {
	if marker == "" {
		return nil
	}
	pids, _ := procfs.WithEnv(marker)
	return pids
}

// setParentDeathSignal makes the kernel SIGKILL the shell (or the program
// it replaced itself with) when this process dies without stopping it, for
// example of SIGKILL. Only that one process gets the signal, and the kernel
// sends it when the thread that started the shell ends; Go ends a thread
// only when a goroutine that locked it exits without unlocking it, which
// nothing here does.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
