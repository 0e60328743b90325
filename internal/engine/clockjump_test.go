package engine_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

// TestClockJumpPastExpiry: the clock jumps two hours forward, past the
// expiry of cached one-hour credentials (a laptop waking from sleep). No
// entry point serves the cached credentials afterwards: each re-reads the
// source, and serves the new credentials.
func TestClockJumpPastExpiry(t *testing.T) {
	t.Parallel()
	calls := []struct {
		name string
		call func(ctx context.Context, e *engine.Engine) (engine.Result, error)
	}{
		{"Credentials", func(ctx context.Context, e *engine.Engine) (engine.Result, error) { return e.Credentials(ctx) }},
		{"Refresh", func(ctx context.Context, e *engine.Engine) (engine.Result, error) { return e.Refresh(ctx, false) }},
		{"Renew", func(ctx context.Context, e *engine.Engine) (engine.Result, error) { return e.Renew(ctx) }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
			login, log := newLogin(t)
			e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})

			res, err := c.call(t.Context(), e)
			assertResultClean(t, res, err)
			if err != nil {
				t.Fatal(err)
			}
			first := res.Credentials
			if res, err = c.call(t.Context(), e); err != nil || !res.FromCache || src.Calls() != 1 {
				t.Fatalf("second call before the jump: err=%v FromCache=%v calls=%d; want served from cache", err, res.FromCache, src.Calls())
			}

			clk.Advance(2 * time.Hour)
			if _, ok := e.Cached(); ok {
				t.Errorf("Cached reports the expired credentials as valid after the jump")
			}
			res, err = c.call(t.Context(), e)
			assertResultClean(t, res, err)
			if err != nil {
				t.Fatalf("after the jump: %v", err)
			}
			if res.FromCache || src.Calls() != 2 {
				t.Errorf("after the jump: FromCache=%v, source calls=%d; want a re-read", res.FromCache, src.Calls())
			}
			if res.Credentials.AccessKeyID == first.AccessKeyID || !res.Credentials.Expiration.After(clk.Now()) {
				t.Errorf("after the jump served %v (expires %s, now %s); want the new credentials",
					res.Credentials, res.Credentials.Expiration, clk.Now())
			}
			wantCreds(t, res.Credentials, tempCreds(2, clk.Now().Add(time.Hour)))
			if n := loginRuns(t, log); n != 0 {
				t.Errorf("login ran %d times; the source renewed silently", n)
			}
		})
	}
}

// TestClockJumpSourceFails: after the jump past expiry the source cannot
// renew (the network is down): the expired cached credentials are never
// served, the error says why, and no login runs for a network failure.
func TestClockJumpSourceFails(t *testing.T) {
	t.Parallel()
	clk := newClock()
	var down bool
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) {
		if down {
			return creds.Credentials{}, errNetwork()
		}
		return tempCreds(n, clk.Now().Add(time.Hour)), nil
	}}
	login, log := newLogin(t)
	e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	if _, err := e.Credentials(t.Context()); err != nil {
		t.Fatal(err)
	}
	down = true
	clk.Advance(2 * time.Hour)
	for _, call := range []func() (engine.Result, error){
		func() (engine.Result, error) { return e.Credentials(t.Context()) },
		func() (engine.Result, error) { return e.Renew(t.Context()) },
		func() (engine.Result, error) { return e.Refresh(t.Context(), false) },
	} {
		res, err := call()
		assertResultClean(t, res, err)
		if err == nil {
			t.Errorf("served %v (expired %s) while the source is down", res.Credentials, res.Credentials.Expiration)
		} else if engine.Classify(err) != engine.KindNetwork {
			t.Errorf("error %q is not classified as a network failure", err)
		}
	}
	if n := loginRuns(t, log); n != 0 {
		t.Errorf("login ran %d times for a network failure", n)
	}
}

// TestClockJumpOtherProcess: a second engine (another process) sharing the
// cache directory, whose clock is two hours ahead, does not take the first
// one's credentials from the cache; unknown-expiry credentials are
// re-read and re-verified as well.
func TestClockJumpOtherProcess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		make     func(n int, now time.Time) creds.Credentials
		verifies int // verifier calls for the two retrievals
	}{
		{"temporary", func(n int, now time.Time) creds.Credentials { return tempCreds(n, now.Add(time.Hour)) }, 0},
		{"unknown expiry", func(n int, _ time.Time) creds.Credentials { return longTermCreds(n) }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "cache")
			clkA, clkB := newClock(), newClock()
			clkB.Advance(2 * time.Hour)
			srcA := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tt.make(1, clkA.Now()), nil }}
			srcB := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tt.make(2, clkB.Now()), nil }}
			v := &fakeVerifier{}
			a, _ := newEngine(t, engine.Options{Source: srcA, CacheDir: dir, Now: clkA.Now, Verifier: v})
			b, _ := newEngine(t, engine.Options{Source: srcB, CacheDir: dir, Now: clkB.Now, Verifier: v})
			if _, err := a.Credentials(t.Context()); err != nil {
				t.Fatal(err)
			}
			res, err := b.Credentials(t.Context())
			assertResultClean(t, res, err)
			if err != nil {
				t.Fatal(err)
			}
			if res.FromCache || srcB.Calls() != 1 || res.Credentials.AccessKeyID != tt.make(2, clkB.Now()).AccessKeyID {
				t.Errorf("engine two hours ahead: FromCache=%v, source calls=%d, key %s; want its own re-read",
					res.FromCache, srcB.Calls(), res.Credentials.MaskedKeyID())
			}
			if v.Calls() != tt.verifies {
				t.Errorf("verifier calls %d, want %d", v.Calls(), tt.verifies)
			}
		})
	}
}
