//go:build unix

package settings

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Settings files that are not regular files fail at once, whatever they
// are: a FIFO with no writer, an endless device, a huge file.
func TestSettingsFileMustBeSmallRegularFile(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		want  error
	}{
		{"fifo", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skip(err)
			}
		}, ErrNotRegular},
		{"/dev/zero", func(t *testing.T, path string) { symlink(t, "/dev/zero", path) }, ErrNotRegular},
		{"/dev/null", func(t *testing.T, path string) { symlink(t, "/dev/null", path) }, ErrNotRegular},
		{"directory", func(t *testing.T, path string) { mustMkdir(t, path) }, ErrNotRegular},
		{"over 1 MiB", func(t *testing.T, path string) {
			big := `{"env": {"X": "` + strings.Repeat("a", MaxFileSize) + `"}}`
			if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
				t.Fatal(err)
			}
		}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLayout(t)
			mustMkdir(t, filepath.Dir(l.proj()))
			tt.setup(t, l.proj())
			done := make(chan error, 1)
			go func() { done <- loadBrokenErr(l.opts()) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				t.Fatal("Load blocked on the settings file")
			}
			var fe *FileError
			if !errors.As(err, &fe) || !errors.Is(err, tt.want) || fe.Path != l.proj() {
				t.Fatalf("err = %v, want a *FileError for %s wrapping %v", err, l.proj(), tt.want)
			}
			if !strings.HasPrefix(err.Error(), "settings: cannot read "+l.proj()+": ") {
				t.Errorf("err = %q", err)
			}
			// The same checks guard trust.
			if _, err := newStore(t).TrustFile(l.proj()); !errors.Is(err, tt.want) {
				t.Errorf("TrustFile = %v, want %v", err, tt.want)
			}
		})
	}
	// Exactly 1 MiB is fine.
	l := newLayout(t)
	content := `{"env": {"X": "`
	content += strings.Repeat("a", MaxFileSize-len(content)-4) + `"}}`
	writeFile(t, l.proj(), content)
	if s := mustLoad(t, l.opts()); len(s.Env["X"].Value) == 0 {
		t.Errorf("a file of exactly %d bytes was not used", len(content))
	}
}
