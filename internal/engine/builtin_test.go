package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
)

// builtinLogin is a built-in login that "signs in" by letting the source
// succeed, or blocks until its ctx ends when block is set.
type builtinLogin struct {
	runs   atomic.Int32
	done   atomic.Bool
	block  bool
	output strings.Builder
}

func (b *builtinLogin) run(ctx context.Context, out io.Writer) error {
	b.runs.Add(1)
	fmt.Fprintln(out, "open https://device.example/?user_code=ABCD-EFGH")
	if b.block {
		<-ctx.Done()
		return fmt.Errorf("waiting for the sign-in: %w", ctx.Err())
	}
	b.done.Store(true)
	return nil
}

func TestBuiltinLoginRunsInsteadOfTheCommand(t *testing.T) {
	t.Parallel()
	clk := newClock()
	b := &builtinLogin{}
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) {
		if !b.done.Load() {
			return creds.Credentials{}, errExpired()
		}
		return tempCreds(n, clk.Now().Add(time.Hour)), nil
	}}
	login := &engine.Login{Command: "awsfresh login --profile test", Builtin: b.run, Timeout: time.Minute, Output: &b.output}
	e, rec := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	if err != nil || !res.LoginRan || b.runs.Load() != 1 {
		t.Fatalf("err=%v LoginRan=%v runs=%d", err, res.LoginRan, b.runs.Load())
	}
	if !strings.Contains(b.output.String(), "user_code=ABCD-EFGH") {
		t.Errorf("the login's output did not reach Login.Output: %q", b.output.String())
	}
	if rec.count(engine.EventLoginStarted) != 1 || rec.count(engine.EventLoginFinished) != 1 {
		t.Errorf("events: started %d, finished %d", rec.count(engine.EventLoginStarted), rec.count(engine.EventLoginFinished))
	}
	// Background renewal never runs it.
	b.done.Store(false)
	clk.Advance(2 * time.Hour)
	if _, err := e.Renew(t.Context()); err == nil || b.runs.Load() != 1 {
		t.Errorf("Renew: err=%v runs=%d; want an error and no login", err, b.runs.Load())
	}
}

func TestBuiltinLoginBoundedLikeACommand(t *testing.T) {
	t.Parallel()
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }}

	b := &builtinLogin{block: true}
	login := &engine.Login{Command: "awsfresh login --profile test", Builtin: b.run, Timeout: 50 * time.Millisecond, Output: io.Discard}
	e, _ := newEngine(t, engine.Options{Source: src, Login: login})
	_, err := e.Refresh(t.Context(), false)
	var le *engine.LoginError
	var te *runcmd.TimeoutError
	if !errors.As(err, &le) || le.Command != "awsfresh login --profile test" || !errors.As(err, &te) || te.Timeout < 50*time.Millisecond || te.Timeout > time.Second {
		t.Fatalf("err = %v; want a LoginError with a 50ms runcmd.TimeoutError", err)
	}
	// A failed login holds the next one back, as a command's does.
	var cool *engine.CooldownError
	if _, err := e.Refresh(t.Context(), false); !errors.As(err, &cool) || b.runs.Load() != 1 {
		t.Errorf("second refresh: %v, runs %d; want the cooldown", err, b.runs.Load())
	}

	b2 := &builtinLogin{block: true}
	login2 := &engine.Login{Command: "awsfresh login", Builtin: b2.run, Timeout: time.Minute, Output: io.Discard}
	e2, _ := newEngine(t, engine.Options{Source: src, Login: login2})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for b2.runs.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if err := e2.Login(ctx); !errors.Is(err, runcmd.ErrInterrupted) || !errors.As(err, &le) {
		t.Errorf("Login canceled: %v; want a LoginError matching runcmd.ErrInterrupted", err)
	}
}
