//go:build unix

package ssologin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

// TestAuthCodeNoAnswer: when ctx ends first, the listener is closed and
// the browser launcher's process is gone when Login returns.
func TestAuthCodeNoAnswer(t *testing.T) {
	startSim(t, simaws.Options{})
	pidFile := filepath.Join(t.TempDir(), "pid")
	urls := make(chan string, 1)
	opts := authCodeOptions(nil)
	opts.browser = func(u string) string {
		urls <- u
		// A launcher that never returns, as a browser run in the foreground.
		return "echo $$ > " + pidFile + "; exec sleep 600"
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-urls
		for { // cancel once the launcher runs
			if _, err := os.Stat(pidFile); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	var out syncBuffer
	opts.Output = &out
	_, err := Login(ctx, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	data, _ := os.ReadFile(pidFile)
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if pid <= 0 {
		t.Fatalf("pid file %q", data)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the browser launcher (pid %d) is still there after Login returned", pid)
	}
	assertClosed(t, redirectPort(t, shownURL(out.String())))
}
