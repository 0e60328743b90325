//go:build unix && !linux

package runcmd

import (
	"os/exec"
	"syscall"
)

// hasLiveMember is only called once kill(-pgid, 0) succeeded. Without a
// portable way to tell zombies apart, every member counts as alive; the
// caller then waits at most the grace period.
func hasLiveMember(pgid int) bool { return true }

// Without /proc there is no way to find a process by its environment, so
// runs are not marked and processes that left the group are not found.
func markEnv(*exec.Cmd) string { return "" }

func escaped(string) []int { return nil }

// macOS has no parent-death signal; FreeBSD's (procctl) is not used.
func setParentDeathSignal(*syscall.SysProcAttr) {}
