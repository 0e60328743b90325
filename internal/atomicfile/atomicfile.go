// Package atomicfile replaces files atomically: a reader, or a process
// killed in the middle, sees the old complete file or the new one, never a
// mix. The new content is written to a temporary file in the same
// directory (mode 0600, so a secret is never readable by others, even
// briefly), synced to disk, then renamed over the old file. On any error
// the temporary file is removed. It knows nothing of what the files hold.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tempPrefix starts the name of every temporary file Write creates, so
// that RemoveStale can find the ones a killed process left behind.
const tempPrefix = ".tmp-"

// Write replaces the file at path with data, creating missing directories
// with mode 0700. The file gets mode 0600.
func Write(path string, data []byte) error { return WriteMode(path, data, 0o600) }

// WriteMode is Write for a file that is not secret and keeps the mode perm
// (a settings file others may read, say). The temporary file is 0600 until
// its content is complete.
func WriteMode(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes 0600 files; Chmod guards against a umask or a
	// platform that does otherwise.
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}

// RemoveStale deletes temporary files of Write in dir that are older than
// age: a process killed between writing and renaming leaves one behind.
// Younger ones may belong to a Write in progress and are kept. Errors are
// ignored: a leftover file is retried the next time.
func RemoveStale(dir string, age time.Duration) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > age {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
