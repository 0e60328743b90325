//go:build unix

package cli

import (
	"os"
	"syscall"

	"github.com/awsfresh/awsfresh/internal/procfs"
)

// killCommandGroups sends SIGKILL to the process groups that children of
// this process lead: the commands awsfresh runs each lead one. Without
// /proc (macOS, BSD) it finds none; the commands then keep the SIGTERM
// they already had.
func killCommandGroups() {
	kids, _ := procfs.Children(os.Getpid())
	own := syscall.Getpgrp()
	for _, pid := range kids {
		if s, err := procfs.ReadStat(pid); err == nil && s.PGRP == pid && pid != own && pid > 1 {
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
}
