package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
)

func TestLoginRunsOnceWhenExpired(t *testing.T) {
	t.Parallel()
	clk := newClock()
	login, log := newLogin(t)
	src := &fakeSource{fn: loginGated(log, func(n int) creds.Credentials { return tempCreds(n, clk.Now().Add(time.Hour)) })}
	e, rec := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})

	res, err := e.Credentials(t.Context())
	assertResultClean(t, res, err)
	if err != nil {
		t.Fatal(err)
	}
	if !res.LoginRan || loginRuns(t, log) != 1 {
		t.Errorf("LoginRan=%v, runs=%d; want true, 1", res.LoginRan, loginRuns(t, log))
	}
	if src.Calls() != 2 {
		t.Errorf("source calls = %d, want 2 (before and after the login)", src.Calls())
	}
	wantCreds(t, res.Credentials, tempCreds(2, clk.Now().Add(time.Hour)))
	if rec.count(engine.EventLoginStarted) != 1 || rec.count(engine.EventLoginFinished) != 1 || rec.count(engine.EventLoginFailed) != 0 {
		t.Errorf("events: started %d, finished %d, failed %d; want 1, 1, 0",
			rec.count(engine.EventLoginStarted), rec.count(engine.EventLoginFinished), rec.count(engine.EventLoginFailed))
	}

	res, err = e.Credentials(t.Context())
	if err != nil || !res.FromCache || res.LoginRan || loginRuns(t, log) != 1 {
		t.Errorf("second call: err=%v FromCache=%v LoginRan=%v runs=%d; want the cache, no login", err, res.FromCache, res.LoginRan, loginRuns(t, log))
	}
}

// callConcurrently has n goroutines call Credentials, spread over
// engines, and once all of them wait — each engine's first caller for its
// flight (the one of the engine whose login runs, or the file lock), the
// others in that flight — calls release to let the login finish.
func callConcurrently(t *testing.T, engines []*engine.Engine, n int, release func()) ([]engine.Result, []error) {
	t.Helper()
	joined := make(chan struct{}, n)
	for _, e := range engines {
		engine.OnFlightJoin(e, func() { joined <- struct{}{} })
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	results := make([]engine.Result, n)
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			results[i], errs[i] = engines[i%len(engines)].Credentials(ctx)
		})
	}
	for range n - len(engines) {
		<-joined
	}
	release()
	wg.Wait()
	return results, errs
}

// concurrentLogin is callConcurrently, checking every caller got
// credentials.
func concurrentLogin(t *testing.T, engines []*engine.Engine, n int, release func()) {
	t.Helper()
	results, errs := callConcurrently(t, engines, n, release)
	for i := range n {
		assertResultClean(t, results[i], errs[i])
		if errs[i] != nil {
			t.Errorf("caller %d: %v", i, errs[i])
			continue
		}
		if results[i].Credentials.Empty() {
			t.Errorf("caller %d: no credentials", i)
		}
	}
}

func TestLoginOnceConcurrentCallers(t *testing.T) {
	t.Parallel()
	login, log := newLogin(t)
	release := gateLogin(t, login) // all callers arrive while the login runs
	src := &fakeSource{fn: loginGated(log, func(n int) creds.Credentials { return tempCreds(n, time.Now().Add(time.Hour)) })}
	e, rec := newEngine(t, engine.Options{Source: src, Login: login})
	concurrentLogin(t, []*engine.Engine{e}, 10, release)
	if n := loginRuns(t, log); n != 1 {
		t.Errorf("10 concurrent callers on one Engine: login ran %d times, want 1", n)
	}
	if n := rec.count(engine.EventLoginStarted); n != 1 {
		t.Errorf("%d login-started events, want 1", n)
	}
}

func TestLoginOnceAcrossEngines(t *testing.T) {
	t.Parallel()
	login, log := newLogin(t)
	release := gateLogin(t, login)
	dir := filepath.Join(t.TempDir(), "cache")
	var engines []*engine.Engine
	for range 3 {
		src := &fakeSource{fn: loginGated(log, func(n int) creds.Credentials { return tempCreds(n, time.Now().Add(time.Hour)) })}
		e, _ := newEngine(t, engine.Options{Source: src, Login: login, CacheDir: dir})
		engines = append(engines, e)
	}
	concurrentLogin(t, engines, 12, release)
	if n := loginRuns(t, log); n != 1 {
		t.Errorf("12 callers on 3 Engines sharing a cache directory: login ran %d times, want 1", n)
	}
}

func TestStillInvalidThenCooldown(t *testing.T) {
	t.Parallel()
	clk := newClock()
	login, log := newLogin(t)
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }}
	e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})

	res, err := e.Credentials(t.Context())
	assertResultClean(t, res, err)
	var still *engine.StillInvalidError
	if !errors.As(err, &still) {
		t.Fatalf("err = %v (%T), want *StillInvalidError", err, err)
	}
	if still.Profile != "test" {
		t.Errorf("StillInvalidError.Profile = %q", still.Profile)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "ExpiredToken" {
		t.Errorf("StillInvalidError does not wrap the source's error")
	}
	if n := loginRuns(t, log); n != 1 {
		t.Errorf("login ran %d times, want 1 (no retry loop)", n)
	}
	if src.Calls() != 2 {
		t.Errorf("source calls = %d, want 2", src.Calls())
	}

	// Immediately after: cooldown, but the silent re-read still happens.
	res, err = e.Credentials(t.Context())
	assertResultClean(t, res, err)
	var cd *engine.CooldownError
	if !errors.As(err, &cd) {
		t.Fatalf("second call: err = %v (%T), want *CooldownError", err, err)
	}
	if cd.Left() != 10*time.Second || cd.Failures != 1 || cd.Ago() != 0 || cd.Profile != "test" {
		t.Errorf("CooldownError: Left %v, Failures %d, Ago %v, Profile %q; want 10s, 1, 0, test", cd.Left(), cd.Failures, cd.Ago(), cd.Profile)
	}
	if cd.LastError == "" {
		t.Errorf("CooldownError.LastError is empty")
	}
	if n := loginRuns(t, log); n != 1 {
		t.Errorf("login ran during the cooldown (%d runs)", n)
	}
	if src.Calls() != 3 {
		t.Errorf("source calls = %d, want 3: re-reading is allowed during a cooldown", src.Calls())
	}
	if st := e.Status(); st.Cooldown == nil || !st.Cooldown.Active || st.Cooldown.Failures != 1 {
		t.Errorf("Status().Cooldown = %+v, want active with 1 failure", st.Cooldown)
	}

	// Refresh without force is held back too.
	if _, err := e.Refresh(t.Context(), false); !errors.As(err, &cd) {
		t.Errorf("Refresh(false) during cooldown: %v, want *CooldownError", err)
	}

	// Force bypasses the cooldown.
	res, err = e.Refresh(t.Context(), true)
	assertResultClean(t, res, err)
	if !errors.As(err, &still) {
		t.Errorf("forced refresh: err = %v (%T), want *StillInvalidError", err, err)
	}
	if n := loginRuns(t, log); n != 2 {
		t.Errorf("forced refresh: login runs = %d, want 2", n)
	}
	_, err = e.Credentials(t.Context())
	if !errors.As(err, &cd) || cd.Failures != 2 || cd.Left() != 30*time.Second {
		t.Errorf("after the second failure: %v; want *CooldownError with 2 failures and 30s left", err)
	}
}

// TestCooldownBackoff walks the SPEC's backoff: 10s, 30s, 1m, 2m, 5m, 5m.
func TestCooldownBackoff(t *testing.T) {
	t.Parallel()
	clk := newClock()
	login, log := newLogin(t)
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }}
	e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})

	var still *engine.StillInvalidError
	var cd *engine.CooldownError
	if _, err := e.Credentials(t.Context()); !errors.As(err, &still) {
		t.Fatalf("first call: %v, want *StillInvalidError", err)
	}
	for i, want := range []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute} {
		_, err := e.Credentials(t.Context())
		if !errors.As(err, &cd) {
			t.Fatalf("after failure %d: err = %v, want *CooldownError", i+1, err)
		}
		if cd.Left() != want || cd.Failures != i+1 {
			t.Errorf("after failure %d: Left %v, Failures %d; want %v, %d", i+1, cd.Left(), cd.Failures, want, i+1)
		}
		clk.Advance(want - time.Second)
		_, err = e.Credentials(t.Context())
		if !errors.As(err, &cd) || cd.Left() != time.Second {
			t.Errorf("after failure %d, 1s before the end of the cooldown: %v, want *CooldownError with 1s left", i+1, err)
		}
		if n := loginRuns(t, log); n != i+1 {
			t.Fatalf("after failure %d: login ran %d times during the cooldown", i+1, n)
		}
		clk.Advance(time.Second)
		if _, err := e.Credentials(t.Context()); !errors.As(err, &still) {
			t.Fatalf("after failure %d, cooldown over: %v, want the login to run and *StillInvalidError", i+1, err)
		}
		if n := loginRuns(t, log); n != i+2 {
			t.Fatalf("after failure %d, cooldown over: login runs = %d, want %d", i+1, n, i+2)
		}
	}
}

// TestCooldownAfterLoginFailure: a login command that fails starts the
// cooldown too, and a success ends it.
func TestCooldownAfterLoginFailure(t *testing.T) {
	t.Parallel()
	clk := newClock()
	dir := t.TempDir()
	fixed := filepath.Join(dir, "fixed")
	done := filepath.Join(dir, "done")
	log := filepath.Join(dir, "logins")
	login := &engine.Login{
		// Fails (exit 3) until the file "fixed" exists; then logs in.
		Command: "echo x >> " + shellQuote(log) + "; test -e " + shellQuote(fixed) + " || exit 3; touch " + shellQuote(done),
		Timeout: 10 * time.Second,
		Output:  io.Discard,
	}
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) {
		if !fileExists(done) {
			return creds.Credentials{}, errExpired()
		}
		return tempCreds(n, clk.Now().Add(time.Hour)), nil
	}}
	e, rec := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	assertResultClean(t, res, err)
	var le *engine.LoginError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v (%T), want *LoginError", err, err)
	}
	var exit *runcmd.ExitError
	if !errors.As(err, &exit) || exit.Code != 3 {
		t.Errorf("LoginError does not wrap the exit status 3: %v", err)
	}
	if le.LastCause == nil {
		t.Errorf("LoginError.LastCause is nil; want the source's error")
	}
	if rec.count(engine.EventLoginFailed) != 1 {
		t.Errorf("%d login-failed events, want 1", rec.count(engine.EventLoginFailed))
	}
	var cd *engine.CooldownError
	if _, err := e.Credentials(t.Context()); !errors.As(err, &cd) || cd.Left() != 10*time.Second {
		t.Fatalf("after a failed login: %v, want *CooldownError with 10s left", err)
	}

	touch(t, fixed)
	clk.Advance(10 * time.Second)
	res, err = e.Credentials(t.Context())
	if err != nil || !res.LoginRan {
		t.Fatalf("after the cooldown, with a working login: err=%v LoginRan=%v", err, res.LoginRan)
	}
	if st := e.Status(); st.Cooldown != nil {
		t.Errorf("cooldown kept after a successful login: %+v", st.Cooldown)
	}
}

func TestCooldownAcrossEnginesAndCommands(t *testing.T) {
	t.Parallel()
	clk := newClock()
	dir := filepath.Join(t.TempDir(), "cache")
	failing := func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }
	loginA, logA := newLogin(t)
	loginB, logB := newLogin(t)

	eA, _ := newEngine(t, engine.Options{Source: &fakeSource{fn: failing}, Login: loginA, CacheDir: dir, Now: clk.Now})
	var still *engine.StillInvalidError
	if _, err := eA.Credentials(t.Context()); !errors.As(err, &still) {
		t.Fatalf("first engine: %v, want *StillInvalidError", err)
	}

	// Another Engine (another process) with the same command respects the
	// cooldown recorded on disk.
	eA2, _ := newEngine(t, engine.Options{Source: &fakeSource{fn: failing}, Login: loginA, CacheDir: dir, Now: clk.Now})
	var cd *engine.CooldownError
	if _, err := eA2.Credentials(t.Context()); !errors.As(err, &cd) {
		t.Errorf("new Engine, same command: %v, want *CooldownError", err)
	}
	if n := loginRuns(t, logA); n != 1 {
		t.Errorf("command A ran %d times, want 1", n)
	}

	// A different login command (the user fixed the configuration) is not
	// held back.
	eB, _ := newEngine(t, engine.Options{Source: &fakeSource{fn: failing}, Login: loginB, CacheDir: dir, Now: clk.Now})
	if _, err := eB.Credentials(t.Context()); !errors.As(err, &still) {
		t.Errorf("new command: %v, want it to run and *StillInvalidError", err)
	}
	if n := loginRuns(t, logB); n != 1 {
		t.Errorf("command B ran %d times, want 1", n)
	}
}

func TestLoginTimeout(t *testing.T) {
	t.Parallel()
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }}
	login := &engine.Login{Command: "sleep 30", Timeout: 300 * time.Millisecond, Output: io.Discard}
	e, rec := newEngine(t, engine.Options{Source: src, Login: login})
	start := time.Now()
	res, err := e.Credentials(t.Context())
	elapsed := time.Since(start)
	assertResultClean(t, res, err)
	var le *engine.LoginError
	if !errors.As(err, &le) || !errors.Is(err, runcmd.ErrTimeout) {
		t.Fatalf("err = %v (%T), want *LoginError matching runcmd.ErrTimeout", err, err)
	}
	if le.Command != login.Command {
		t.Errorf("LoginError.Command = %q", le.Command)
	}
	if elapsed > 4*time.Second {
		t.Errorf("returned after %v; the 300ms deadline plus the 2s grace allows ~2.5s", elapsed)
	}
	if rec.count(engine.EventLoginFailed) != 1 {
		t.Errorf("%d login-failed events, want 1", rec.count(engine.EventLoginFailed))
	}
	var cd *engine.CooldownError
	if _, err := e.Credentials(t.Context()); !errors.As(err, &cd) {
		t.Errorf("after a timed-out login: %v, want *CooldownError", err)
	}
}

// TestLoginInterruptedNoCooldown: a login cut short by the caller (Ctrl+C)
// is not a failure of the command: no cooldown follows.
func TestLoginInterruptedNoCooldown(t *testing.T) {
	t.Parallel()
	clk := newClock()
	login, log := newLogin(t)
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }}
	started := loginSignal(t, login)
	e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	for i := 1; i <= 2; i++ {
		ctx, cancel := context.WithCancel(t.Context())
		go func() { // cancel once the login is running, as Ctrl+C would
			<-started
			cancel()
		}()
		res, err := e.Credentials(ctx)
		cancel()
		assertResultClean(t, res, err)
		var cd *engine.CooldownError
		if errors.As(err, &cd) {
			t.Fatalf("call %d: cooldown after an interrupted login: %v", i, err)
		}
		if !errors.Is(err, runcmd.ErrInterrupted) && !errors.Is(err, context.Canceled) {
			t.Errorf("call %d: err = %v, want an interruption", i, err)
		}
		if n := loginRuns(t, log); n != i {
			t.Errorf("call %d: login runs = %d, want %d", i, n, i)
		}
	}
}

func TestNestedNeverRunsLogin(t *testing.T) {
	t.Parallel()
	login, log := newLogin(t)
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }}
	e, _ := newEngine(t, engine.Options{Source: src, Login: login, Nested: true})
	for name, call := range map[string]func() (engine.Result, error){
		"Credentials":    func() (engine.Result, error) { return e.Credentials(t.Context()) },
		"Refresh":        func() (engine.Result, error) { return e.Refresh(t.Context(), false) },
		"Refresh(force)": func() (engine.Result, error) { return e.Refresh(t.Context(), true) },
		"Reject": func() (engine.Result, error) {
			return e.Reject(t.Context(), tempCreds(1, time.Now().Add(time.Hour)), errExpired())
		},
	} {
		res, err := call()
		assertResultClean(t, res, err)
		if !errors.Is(err, engine.ErrNested) {
			t.Errorf("%s: err = %v, want ErrNested", name, err)
		}
		assertWellFormed(t, name, err)
	}
	if n := loginRuns(t, log); n != 0 {
		t.Errorf("nested engine ran the login %d times", n)
	}
}

func TestNoLoginCommand(t *testing.T) {
	t.Parallel()
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }}
	e, _ := newEngine(t, engine.Options{Source: src})
	for _, force := range []bool{false, true} {
		res, err := e.Refresh(t.Context(), force)
		assertResultClean(t, res, err)
		if !errors.Is(err, engine.ErrNoLoginCommand) {
			t.Errorf("Refresh(%v) without a login command: err = %v, want ErrNoLoginCommand", force, err)
		}
		assertWellFormed(t, fmt.Sprintf("Refresh(%v)", force), err)
	}
	_, err := e.Credentials(t.Context())
	var api smithy.APIError
	if !errors.Is(err, engine.ErrNoLoginCommand) || !errors.As(err, &api) {
		t.Errorf("Credentials: err = %v, want ErrNoLoginCommand wrapping the source's error", err)
	}
}

// assertWellFormed fails when err's text shows a formatting mistake, such
// as a nil error given to %w (a forced refresh has no cause).
func assertWellFormed(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && (strings.Contains(err.Error(), "%!") || strings.Contains(err.Error(), "<nil>")) {
		t.Errorf("%s: malformed error text %q", what, err)
	}
}

// TestLoginNotRunForOtherErrors: errors a login cannot fix are returned
// as they are.
func TestLoginNotRunForOtherErrors(t *testing.T) {
	t.Parallel()
	for name, srcErr := range map[string]error{
		"network":       errNetwork(),
		"garbage":       errors.New("export command printed something that is not JSON"),
		"access denied": &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"},
		"clock":         &smithy.GenericAPIError{Code: "RequestTimeTooSkewed", Message: "too skewed"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			login, log := newLogin(t)
			src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, srcErr }}
			e, _ := newEngine(t, engine.Options{Source: src, Login: login})
			res, err := e.Credentials(t.Context())
			assertResultClean(t, res, err)
			if !errors.Is(err, srcErr) {
				t.Errorf("err = %v, want the source's error", err)
			}
			if n := loginRuns(t, log); n != 0 {
				t.Errorf("login ran %d times", n)
			}
		})
	}
}

// TestFailedLoginOnceAcrossEngines: when the login does not help, callers
// waiting for it do not each run it again (no loop across processes).
func TestFailedLoginOnceAcrossEngines(t *testing.T) {
	t.Parallel()
	login, log := newLogin(t)
	release := gateLogin(t, login)
	dir := filepath.Join(t.TempDir(), "cache")
	var engines []*engine.Engine
	for range 3 {
		src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }}
		e, _ := newEngine(t, engine.Options{Source: src, Login: login, CacheDir: dir})
		engines = append(engines, e)
	}
	_, errs := callConcurrently(t, engines, 9, release)
	for i, err := range errs {
		var still *engine.StillInvalidError
		var cd *engine.CooldownError
		if !errors.As(err, &still) && !errors.As(err, &cd) {
			t.Errorf("caller %d: err = %v (%T), want *StillInvalidError or *CooldownError", i, err, err)
		}
	}
	if n := loginRuns(t, log); n != 1 {
		t.Errorf("login ran %d times, want 1", n)
	}
}

// TestLoginOutputRedacted: secrets the login command prints do not reach
// the error, its stderr tail, the events or the cooldown record.
func TestLoginOutputRedacted(t *testing.T) {
	t.Parallel()
	clk := newClock()
	leak := tempCreds(7, time.Time{})
	// The secrets are in a script, not on the command line (which the
	// engine may show).
	script := filepath.Join(t.TempDir(), "login.sh")
	body := "echo 'aws_secret_access_key=" + leak.SecretAccessKey + "' >&2\necho " + leak.SessionToken +
		"\necho " + leak.AccessKeyID + " >&2\nexit 2\n"
	if err := os.WriteFile(script, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	login := &engine.Login{Command: "sh " + shellQuote(script), Timeout: 10 * time.Second, Output: io.Discard}
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return creds.Credentials{}, errExpired() }}
	e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	var le *engine.LoginError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v (%T), want *LoginError", err, err)
	}
	assertResultClean(t, res, err)
	assertNoSecret(t, "LoginError.StderrTail", le.StderrTail)
	if le.StderrTail == "" {
		t.Errorf("LoginError.StderrTail is empty; want the redacted output")
	}
	_, err = e.Credentials(t.Context())
	var cd *engine.CooldownError
	if !errors.As(err, &cd) {
		t.Fatalf("err = %v, want *CooldownError", err)
	}
	assertNoSecret(t, "CooldownError.LastError", cd.LastError)
	if st := e.Status(); st.Cooldown != nil {
		assertNoSecret(t, "Status().Cooldown.LastError", st.Cooldown.LastError)
	}
}

// TestSharedFlightCancellation: a caller whose context is still live must
// not get another caller's cancellation just because they shared a flight.
func TestSharedFlightCancellation(t *testing.T) {
	t.Parallel()
	login, log := newLogin(t)
	started := loginSignal(t, login)
	src := &fakeSource{fn: loginGated(log, func(n int) creds.Credentials { return tempCreds(n, time.Now().Add(time.Hour)) })}
	e, _ := newEngine(t, engine.Options{Source: src, Login: login})
	joined := make(chan struct{}, 1)
	engine.OnFlightJoin(e, func() { joined <- struct{}{} })

	ctxA, cancelA := context.WithCancel(t.Context())
	defer cancelA()
	errA := make(chan error, 1)
	go func() {
		_, err := e.Credentials(ctxA)
		errA <- err
	}()
	<-started // A's login is running (and waits until it is stopped)
	errB := make(chan error, 1)
	go func() {
		_, err := e.Credentials(t.Context())
		errB <- err
	}()
	<-joined // B waits for A's flight
	cancelA()
	if err := <-errA; err == nil {
		t.Logf("A finished despite its cancellation")
	}
	err := <-errB
	if err != nil && (errors.Is(err, runcmd.ErrInterrupted) || errors.Is(err, context.Canceled)) {
		t.Fatalf("caller B (live context) got caller A's cancellation through the shared flight: %v", err)
	}
	if err != nil {
		t.Errorf("caller B: %v", err)
	}
}

// TestFailedRefreshNeverServesCache: a forced refresh, or a refresh after
// a rejection, whose login fails is an error, even with credentials in the
// cache that have not expired.
func TestFailedRefreshNeverServesCache(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		call func(e *engine.Engine, used creds.Credentials) (engine.Result, error)
	}{
		{"Refresh(force)", func(e *engine.Engine, _ creds.Credentials) (engine.Result, error) {
			return e.Refresh(t.Context(), true)
		}},
		{"Reject", func(e *engine.Engine, used creds.Credentials) (engine.Result, error) {
			return e.Reject(t.Context(), used, &smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			log := filepath.Join(t.TempDir(), "logins")
			login := &engine.Login{Command: "echo x >> " + shellQuote(log) + "; exit 1", Timeout: 10 * time.Second, Output: io.Discard}
			src := &fakeSource{fn: func(n int) (creds.Credentials, error) {
				if n == 1 {
					return tempCreds(1, clk.Now().Add(time.Hour)), nil
				}
				return creds.Credentials{}, errExpired()
			}}
			e, _ := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
			first, err := e.Credentials(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			res, err := tt.call(e, first.Credentials)
			assertResultClean(t, res, err)
			var le *engine.LoginError
			if !errors.As(err, &le) {
				t.Errorf("err = %v (%T), want *LoginError", err, err)
			}
			if !res.Credentials.Empty() {
				t.Errorf("served %v after a failed refresh", res.Credentials)
			}
			if n := loginRuns(t, log); n != 1 {
				t.Errorf("login ran %d times, want 1", n)
			}
		})
	}
}
