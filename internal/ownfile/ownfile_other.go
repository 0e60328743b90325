//go:build !unix

package ownfile

import "io/fs"

// NotOwn accepts everything where POSIX ownership does not exist.
func NotOwn(fs.FileInfo, bool) error { return nil }

// OthersCanWrite: the mode bits other systems report say nothing of who
// may write.
func OthersCanWrite(fs.FileInfo, bool) error { return nil }
