package runcmd

import "github.com/awsfresh/awsfresh/internal/procfs"

// hasLiveMember reports whether a process that is not a zombie has process
// group pgid. When /proc cannot be read it answers true, which only makes
// the caller wait for the grace period.
func hasLiveMember(pgid int) bool {
	alive, known := procfs.GroupAlive(pgid)
	return alive || !known
}
