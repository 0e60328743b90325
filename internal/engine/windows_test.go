package engine_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

func errNetwork() error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
}

// TestAdvisoryWindow: with 20 minutes left the cache serves; with 12 left
// Credentials retrieves again.
func TestAdvisoryWindow(t *testing.T) {
	t.Parallel()
	clk := newClock()
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	login, log := newLogin(t)
	e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	if _, err := e.Credentials(t.Context()); err != nil {
		t.Fatal(err)
	}
	first := tempCreds(1, clk.Now().Add(time.Hour))

	clk.Advance(40 * time.Minute) // 20 minutes left
	res, err := e.Credentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !res.FromCache || src.Calls() != 1 {
		t.Errorf("20 min left: FromCache=%v, source calls=%d; want true, 1", res.FromCache, src.Calls())
	}
	wantCreds(t, res.Credentials, first)

	clk.Advance(8 * time.Minute) // 12 minutes left
	res, err = e.Credentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.FromCache || src.Calls() != 2 {
		t.Errorf("12 min left: FromCache=%v, source calls=%d; want false, 2", res.FromCache, src.Calls())
	}
	wantCreds(t, res.Credentials, tempCreds(2, clk.Now().Add(time.Hour)))
	if n := loginRuns(t, log); n != 0 {
		t.Errorf("login ran %d times; a silent renewal was possible", n)
	}
}

// TestAdvisoryFailureServesCurrent: inside the advisory window but outside
// the mandatory one, a failed renewal serves the current credentials with
// a warning; inside the mandatory window it is an error.
func TestAdvisoryFailureServesCurrent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   func() error
		login bool
	}{
		{"network error", errNetwork, true},
		{"unparsable output", func() error { return errors.New("export command printed garbage") }, true},
		{"login expired, no login command", errExpired, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			src := &fakeSource{fn: func(n int) (creds.Credentials, error) {
				if n == 1 {
					return tempCreds(1, clk.Now().Add(time.Hour)), nil
				}
				return creds.Credentials{}, tt.err()
			}}
			opts := engine.Options{Source: src, Now: clk.Now}
			log := ""
			if tt.login {
				opts.Login, log = newLogin(t)
			}
			e, rec := newEngine(t, opts)
			if _, err := e.Credentials(t.Context()); err != nil {
				t.Fatal(err)
			}
			first := tempCreds(1, clk.Now().Add(time.Hour))

			clk.Advance(48 * time.Minute) // 12 minutes left
			res, err := e.Credentials(t.Context())
			assertResultClean(t, res, err)
			if err != nil {
				t.Fatalf("12 min left, renewal failing: %v; want the current credentials with a warning", err)
			}
			wantCreds(t, res.Credentials, first)
			if len(res.Warnings) == 0 || rec.count(engine.EventRenewFailed) == 0 {
				t.Errorf("served inside the advisory window without a warning (Warnings=%q)", res.Warnings)
			}
			if src.Calls() != 2 {
				t.Errorf("source calls = %d, want 2 (renewal attempted)", src.Calls())
			}

			clk.Advance(4 * time.Minute) // 8 minutes left
			res, err = e.Credentials(t.Context())
			assertResultClean(t, res, err)
			if err == nil {
				t.Errorf("8 min left, renewal failing: served %v; a failure must not be served from cache inside the mandatory window", res.Credentials)
			}
			if !res.Credentials.Empty() {
				t.Errorf("error returned with credentials %v", res.Credentials)
			}
			if tt.login {
				if n := loginRuns(t, log); n != 0 {
					t.Errorf("login ran %d times for an error a login cannot fix", n)
				}
			}
		})
	}
}

// TestMandatoryWindowRefresh: Refresh(false) with 12 minutes left does
// nothing; with 8 left it runs the login when the source cannot renew.
func TestMandatoryWindowRefresh(t *testing.T) {
	t.Parallel()
	clk := newClock()
	login, log := newLogin(t)
	gated := loginGated(log, func(n int) creds.Credentials { return tempCreds(n, clk.Now().Add(time.Hour)) })
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) {
		if n == 1 {
			return tempCreds(1, clk.Now().Add(time.Hour)), nil
		}
		return gated(n)
	}}
	e, rec := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	if _, err := e.Credentials(t.Context()); err != nil {
		t.Fatal(err)
	}
	first := tempCreds(1, clk.Now().Add(time.Hour))

	clk.Advance(48 * time.Minute) // 12 minutes left
	res, err := e.Refresh(t.Context(), false)
	assertResultClean(t, res, err)
	if err != nil {
		t.Fatal(err)
	}
	wantCreds(t, res.Credentials, first)
	if n := loginRuns(t, log); n != 0 || res.LoginRan {
		t.Errorf("Refresh(false) with 12 min left ran the login (%d runs, LoginRan=%v)", n, res.LoginRan)
	}

	// Renew never runs the login, even inside the mandatory window.
	clk.Advance(4 * time.Minute) // 8 minutes left
	res, err = e.Renew(t.Context())
	assertResultClean(t, res, err)
	if err == nil {
		t.Errorf("Renew with 8 min left and an expired login: got %v, want an error", res.Credentials)
	}
	if n := loginRuns(t, log); n != 0 {
		t.Errorf("Renew ran the login command %d times", n)
	}

	res, err = e.Refresh(t.Context(), false)
	assertResultClean(t, res, err)
	if err != nil {
		t.Fatalf("Refresh(false) with 8 min left: %v", err)
	}
	if n := loginRuns(t, log); n != 1 || !res.LoginRan {
		t.Errorf("Refresh(false) with 8 min left: %d login runs, LoginRan=%v; want 1, true", n, res.LoginRan)
	}
	if res.Credentials.AccessKeyID == first.AccessKeyID {
		t.Errorf("Refresh returned the old credentials")
	}
	if rec.count(engine.EventLoginStarted) != 1 || rec.count(engine.EventLoginFinished) != 1 {
		t.Errorf("events: %d login started, %d finished; want 1, 1", rec.count(engine.EventLoginStarted), rec.count(engine.EventLoginFinished))
	}
	// The new credentials are cached.
	got, err := e.Credentials(t.Context())
	if err != nil || !got.FromCache {
		t.Fatalf("after refresh: err=%v FromCache=%v", err, got.FromCache)
	}
	wantCreds(t, got.Credentials, res.Credentials)
}

// TestScaledWindows: credentials that live 10 seconds are fresh right
// after issue; their windows shrink in proportion (advisory 5 s, mandatory
// 3.33 s).
func TestScaledWindows(t *testing.T) {
	t.Parallel()
	clk := newClock()
	login, log := newLogin(t)
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) {
		c := tempCreds(n, clk.Now().Add(10*time.Second))
		c.IssuedAt = clk.Now()
		return c, nil
	}}
	e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	if err != nil {
		t.Fatalf("10-second credentials just issued: %v", err)
	}
	if res.LoginRan || src.Calls() != 1 {
		t.Errorf("just issued: LoginRan=%v, source calls=%d; want false, 1", res.LoginRan, src.Calls())
	}
	for _, call := range []func() (engine.Result, error){
		func() (engine.Result, error) { return e.Credentials(t.Context()) },
		func() (engine.Result, error) { return e.Refresh(t.Context(), false) },
	} {
		res, err := call()
		if err != nil {
			t.Fatal(err)
		}
		if !res.FromCache || src.Calls() != 1 {
			t.Errorf("right after issue: FromCache=%v, source calls=%d; want true, 1", res.FromCache, src.Calls())
		}
	}

	clk.Advance(6 * time.Second) // 4 s left: inside the scaled advisory window (5 s), outside the mandatory (3.33 s)
	res, err = e.Refresh(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.FromCache || src.Calls() != 1 {
		t.Errorf("4 s left, Refresh: FromCache=%v, source calls=%d; want true, 1", res.FromCache, src.Calls())
	}
	res, err = e.Credentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.FromCache || src.Calls() != 2 {
		t.Errorf("4 s left, Credentials: FromCache=%v, source calls=%d; want false, 2", res.FromCache, src.Calls())
	}
	if n := loginRuns(t, log); n != 0 {
		t.Errorf("login ran %d times for short-lived credentials that renew silently", n)
	}
}

// TestShortLivedWithoutIssueTime: credentials whose issue time is unknown
// keep the full windows, so 10-second credentials are never good enough.
func TestShortLivedWithoutIssueTime(t *testing.T) {
	t.Parallel()
	clk := newClock()
	login, log := newLogin(t)
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(10*time.Second)), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	assertResultClean(t, res, err)
	var still *engine.StillInvalidError
	if !errors.As(err, &still) {
		t.Fatalf("err = %v (%T), want *StillInvalidError", err, err)
	}
	if n := loginRuns(t, log); n != 1 {
		t.Errorf("login ran %d times, want exactly 1 (no loop)", n)
	}
	if src.Calls() != 2 {
		t.Errorf("source calls = %d, want 2 (before and after the login)", src.Calls())
	}
}

func TestCustomWindows(t *testing.T) {
	t.Parallel()
	clk := newClock()
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, Now: clk.Now, Policy: engine.Policy{Advisory: 30 * time.Minute, Mandatory: 20 * time.Minute}})
	if _, err := e.Credentials(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(35 * time.Minute) // 25 minutes left
	if res, err := e.Refresh(t.Context(), false); err != nil || !res.FromCache {
		t.Errorf("Refresh with 25 min left, mandatory 20: err=%v FromCache=%v; want cache", err, res.FromCache)
	}
	if res, err := e.Credentials(t.Context()); err != nil || res.FromCache || src.Calls() != 2 {
		t.Errorf("Credentials with 25 min left, advisory 30: err=%v FromCache=%v calls=%d; want a retrieval", err, res.FromCache, src.Calls())
	}
}

func TestRetrievedAlreadyExpired(t *testing.T) {
	t.Parallel()
	clk := newClock()
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(-time.Minute)), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	assertResultClean(t, res, err)
	if err == nil {
		t.Fatalf("expired credentials served: %v", res.Credentials)
	}
}
