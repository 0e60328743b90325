//go:build !unix

package engine

import (
	"io/fs"
	"os"
)

// notOwn accepts everything where POSIX ownership does not exist; Windows
// ACLs are not inspected (the user's cache directory is private there).
func notOwn(fs.FileInfo) error { return nil }

// othersCanWrite: the mode bits other systems report say nothing of who
// may write.
func othersCanWrite(fs.FileInfo) bool { return false }

func openRecord(path string) (*os.File, error) { return os.Open(path) }
