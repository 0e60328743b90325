//go:build unix

package awsfresh

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/creds"
)

// deadlineCtx is a context whose deadline passes when the test says so.
type deadlineCtx struct {
	context.Context
	done chan struct{}
}

func (c deadlineCtx) Done() <-chan struct{} { return c.done }

func (c deadlineCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// TestRetrieveGivesUpDuringLogin: a caller whose own deadline passes while
// the login command runs says that it gave up waiting for the login, not
// that AWS could not be reached; the login goes on and serves later calls.
func TestRetrieveGivesUpDuringLogin(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "release")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	src := &fakeSource{lifetime: time.Hour, err: &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired"}}
	p, rec := newFakeProviderWith(t, src, providerConfig{Options: Options{
		LoginCommand: "read line < " + creds.ShellQuote(fifo), // runs until the test writes a line
		Timeout:      time.Minute,
	}})
	started := make(chan struct{}, 1)
	rec.setHook(func(ev Event) {
		if ev.Kind == RefreshStarted {
			started <- struct{}{}
		}
	})

	ctx := deadlineCtx{Context: context.Background(), done: make(chan struct{})}
	gaveUp := make(chan error, 1)
	go func() {
		_, err := p.Retrieve(ctx)
		gaveUp <- err
	}()
	<-started
	close(ctx.done) // the caller's deadline passes while the login runs
	err := <-gaveUp
	var re *RefreshError
	if !errors.As(err, &re) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want a *RefreshError matching context.DeadlineExceeded, got %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "gave up waiting") || !strings.Contains(msg, "login command") ||
		strings.Contains(msg, "could not reach AWS") || strings.Contains(msg, "network") {
		t.Errorf("the message does not say the caller gave up during the login: %v", msg)
	}

	// The login finishes for the callers still waiting, and later ones.
	src.set(func(s *fakeSource) { s.err = nil })
	if err := os.WriteFile(fifo, []byte("done\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Retrieve(context.Background()); err != nil {
		t.Errorf("after the login: %v", err)
	}
	if n := rec.count(RefreshStarted); n != 1 {
		t.Errorf("the login command ran %d times, want 1", n)
	}
}
