package settings

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/awsfresh/awsfresh/internal/ownfile"
)

// MaxFileSize is the largest settings file awsfresh reads. Claude Code's
// settings are a few kilobytes; anything bigger is not a settings file.
const MaxFileSize = 1 << 20

// Why a settings file cannot be read, wrapped in a *FileError.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("larger than 1048576 bytes (1 MiB)")
)

// readSettingsFile reads a settings file without ever blocking on it or
// reading without bound: it is opened non-blocking (a FIFO with no
// writer, a terminal behind /dev/stdin), the open file must be a regular
// file of at most MaxFileSize (not /dev/zero), and no more than that is
// read even if it grows meanwhile. It also returns the open file's
// information, for the ownership check.
func readSettingsFile(path string) ([]byte, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fi, fmt.Errorf("%w (it is %s)", ErrNotRegular, fileKind(fi.Mode()))
	}
	if fi.Size() > MaxFileSize {
		return nil, fi, ErrTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fi, err
	}
	if len(data) > MaxFileSize {
		return nil, fi, ErrTooLarge
	}
	return data, fi, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// IgnoredError says why a project's .claude folder or settings file was
// left out: someone else owns it, or others can write it, so it may not
// be the project's. It is a warning, not a failure.
type IgnoredError struct {
	Path string
	Err  error // the reason
}

func (e *IgnoredError) Error() string {
	return fmt.Sprintf("settings: ignoring %s: %v", e.Path, e.Err)
}

func (e *IgnoredError) Unwrap() error { return e.Err }

// checkOwner accepts a project's .claude folder or settings file only when
// it belongs to the user (or root) and nobody else can write it; a group
// may, when it is the user's private one (umask 002 systems).
func checkOwner(fi fs.FileInfo) error {
	if err := ownfile.NotOwn(fi, true); err != nil {
		return err
	}
	return ownfile.OthersCanWrite(fi, true)
}

// checkDir checks a project's .claude folder (see checkOwner).
func checkDir(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return nil // gone: nothing to read from it either
	}
	if err := checkOwner(fi); err != nil {
		return &IgnoredError{Path: path, Err: err}
	}
	return nil
}
