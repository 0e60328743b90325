//go:build unix

package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// notOwn says why a cache directory or file found on disk is not the
// user's: another user (root included) owns it. Nil when it is theirs.
func notOwn(fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return nil
	}
	return fmt.Errorf("it belongs to another user (uid %d), not to you", st.Uid)
}

// othersCanWrite reports whether the group or others may write fi.
func othersCanWrite(fi fs.FileInfo) bool { return fi.Mode().Perm()&0o022 != 0 }

// openRecord opens a cache record for reading: never through a symbolic
// link (one planted in the directory could point anywhere), and never
// waiting for a writer (a FIFO). A link is reported as errNotOwnRecord.
func openRecord(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%w: %s is a symbolic link", errUntrustedCache, path)
	}
	return f, err
}
