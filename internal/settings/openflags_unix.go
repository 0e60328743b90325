//go:build unix

package settings

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// openFlags: never wait for a writer (FIFO) or a terminal, and never make
// a terminal the controlling one.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY

// checkOwner accepts a project's .claude folder or settings file only when
// it belongs to the user (or root) and nobody else can write it. A group
// may write it only when the group is the user's private one (same name
// as the user, their primary group), as with a umask of 002 on systems
// that give each user a group of their own.
func checkOwner(fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Geteuid(); int(st.Uid) != uid && st.Uid != 0 {
		return fmt.Errorf("it belongs to another user (%s), not to you", userName(st.Uid))
	}
	perm := fi.Mode().Perm()
	switch {
	case perm&0o002 != 0:
		return fmt.Errorf("anyone can write it (mode %04o)", perm)
	case perm&0o020 != 0 && !privateGroup(st.Gid):
		return fmt.Errorf("its group (%s) can write it (mode %04o)", groupName(st.Gid), perm)
	}
	return nil
}

func privateGroup(gid uint32) bool {
	if int(gid) != os.Getegid() {
		return false
	}
	u, err := user.Current()
	if err != nil {
		return false
	}
	g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10))
	return err == nil && g.Name == u.Username
}

func userName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return "uid " + id
}

func groupName(gid uint32) string {
	id := strconv.FormatUint(uint64(gid), 10)
	if g, err := user.LookupGroupId(id); err == nil {
		return g.Name
	}
	return "gid " + id
}
