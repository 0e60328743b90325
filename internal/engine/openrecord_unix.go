//go:build unix

package engine

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

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
