//go:build unix

package ownfile

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// NotOwn says why fi is not the user's: another user owns it (root too,
// unless allowRoot). Nil when it is theirs.
func NotOwn(fi fs.FileInfo, allowRoot bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() || allowRoot && st.Uid == 0 {
		return nil
	}
	return fmt.Errorf("it belongs to another user (%s), not to you", userName(st.Uid))
}

// OthersCanWrite says who else may write fi: anyone, or its group. A
// group that is the user's private one (named as the user, their primary
// group, as systems with a umask of 002 give each user) counts as the
// user when allowPrivateGroup is set. Nil when nobody else may.
func OthersCanWrite(fi fs.FileInfo, allowPrivateGroup bool) error {
	perm := fi.Mode().Perm()
	switch {
	case perm&0o002 != 0:
		return fmt.Errorf("anyone can write it (mode %04o)", perm)
	case perm&0o020 == 0:
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || allowPrivateGroup && privateGroup(st.Gid) {
		return nil
	}
	return fmt.Errorf("its group (%s) can write it (mode %04o)", groupName(st.Gid), perm)
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
