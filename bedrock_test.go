package awsfresh

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

// TestConverseSurvivesExpiry makes 200 Converse calls from 8 goroutines
// over about ten seconds in which the role credentials (3 s) expire at
// least three times, AWS rejects them once more before their time, and the
// SSO session ends once with no way to renew it silently. Every call must
// succeed; the login command must run exactly once; no call may wait longer
// than the login command plus one second.
func TestConverseSurvivesExpiry(t *testing.T) {
	env := newSimEnv(t, simaws.Options{RoleCredentialLifetime: 3 * time.Second, SSOTokenLifetime: 5 * time.Second})
	env.ssoLogin(t)
	env.sim.RevokeRefreshTokens()          // the session's end needs a real login
	env.sim.SetSSOTokenLifetime(time.Hour) // and the login's session outlives the run

	p, rec := newSimProvider(t, Options{
		LoginCommand:    env.loginCommand(),
		Timeout:         20 * time.Second,
		AdvisoryWindow:  time.Second,
		MandatoryWindow: 500 * time.Millisecond,
	})
	client := bedrockClient(t, p)

	const workers, perWorker = 8, 25
	const spacing = 400 * time.Millisecond
	ctx := context.Background()
	start := time.Now()
	// Once the login has renewed the session, AWS rejects the credentials
	// in use before their expiry, so that calls fail and are retried.
	forced := make(chan struct{})
	go func() {
		defer close(forced)
		deadline := time.Now().Add(30 * time.Second)
		for env.sim.Count(simaws.OpSSOLogin) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(700 * time.Millisecond)
		env.sim.ExpireCredentials()
	}()

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		longest time.Duration
		errs    []error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				at := start.Add(time.Duration(i)*spacing + time.Duration(w)*spacing/workers)
				time.Sleep(time.Until(at))
				t0 := time.Now()
				err := converse(ctx, client, "hello")
				d := time.Since(t0)
				mu.Lock()
				longest = max(longest, d)
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	<-forced
	t.Logf("run took %v; %v", time.Since(start).Round(time.Millisecond), env.sim)

	for i, err := range errs {
		if i < 5 {
			t.Errorf("call failed: %v", err)
		}
	}
	if len(errs) > 0 {
		t.Fatalf("%d of %d calls failed", len(errs), workers*perWorker)
	}
	if n := env.sim.Count(simaws.OpSSOLogin); n != 1 {
		t.Errorf("the login command ran %d times, want exactly 1 (one SSO session end)", n)
	}
	if n := rec.count(RefreshStarted); n != 1 {
		t.Errorf("%d RefreshStarted events, want 1", n)
	}
	var loginTook time.Duration
	for _, ev := range rec.list() {
		if ev.Kind == RefreshFinished {
			loginTook = ev.Elapsed
		}
	}
	if loginTook == 0 {
		t.Fatalf("no RefreshFinished event: %v", rec.list())
	}
	if longest > loginTook+time.Second {
		t.Errorf("the longest call took %v, more than the login command (%v) plus one second", longest, loginTook)
	}
	// Credentials expired at least three times (plus the forced rejection).
	if n := env.sim.Count(simaws.OpGetRoleCredentials); n < 5 {
		t.Errorf("GetRoleCredentials was called %d times, want at least 5 (first, three renewals, after the rejection)", n)
	}
	retried := env.sim.Count(simaws.OpConverse) - workers*perWorker
	if retried < 1 {
		t.Errorf("no call was retried after the forced rejection (Converse requests: %d)", env.sim.Count(simaws.OpConverse))
	}
	if n := rec.count(CredentialsRejected); n < 1 {
		t.Errorf("no CredentialsRejected event after the forced rejection")
	}
	t.Logf("longest call %v, login %v, %d calls retried", longest, loginTook, retried)
}

// TestLoginTimeout: a login command that hangs is stopped at the deadline,
// the call fails with the engine's timeout error and awsfresh's wording,
// and the next call starts no new login inside the cooldown.
func TestLoginTimeout(t *testing.T) {
	env := newSimEnv(t, simaws.Options{}) // no SSO session: a login is needed
	runs := filepath.Join(t.TempDir(), "runs")
	p, rec := newSimProvider(t, Options{
		LoginCommand: "echo run >> " + creds.ShellQuote(runs) + "; exec sleep 60",
		Timeout:      time.Second,
	})
	client := bedrockClient(t, p)
	ctx := context.Background()

	t0 := time.Now()
	err := converse(ctx, client, "hello")
	took := time.Since(t0)
	if err == nil {
		t.Fatal("the call succeeded without credentials")
	}
	if !errors.Is(err, runcmd.ErrTimeout) {
		t.Errorf("errors.Is(err, runcmd.ErrTimeout) is false for %v", err)
	}
	var loginErr *engine.LoginError
	var refreshErr *RefreshError
	if !errors.As(err, &loginErr) || !errors.As(err, &refreshErr) {
		t.Errorf("want *engine.LoginError and *RefreshError in %v", err)
	}
	if !strings.Contains(err.Error(), "AWS authentication refresh timed out after 1 second") {
		t.Errorf("message lacks the SPEC wording: %v", err)
	}
	if took < time.Second || took > 4*time.Second {
		t.Errorf("the call took %v, want the 1 s timeout (plus the kill grace at most)", took)
	}
	if n := rec.count(RefreshTimedOut); n != 1 {
		t.Errorf("%d RefreshTimedOut events, want 1: %v", n, rec.list())
	}
	if n := env.sim.Count(simaws.OpConverse); n != 0 {
		t.Errorf("%d Converse requests were sent without credentials", n)
	}

	t0 = time.Now()
	err = converse(ctx, client, "hello again")
	took = time.Since(t0)
	var cool *engine.CooldownError
	if !errors.As(err, &cool) {
		t.Fatalf("second call: want *engine.CooldownError, got %v", err)
	}
	if !strings.Contains(err.Error(), "AWS authentication refresh failed") || !strings.Contains(err.Error(), "not retrying for another") {
		t.Errorf("second call: message lacks the cooldown wording: %v", err)
	}
	if took > time.Second {
		t.Errorf("second call took %v inside the cooldown, want it to return at once", took)
	}
	data, _ := os.ReadFile(runs)
	if n := strings.Count(string(data), "run"); n != 1 {
		t.Errorf("the login command ran %d times, want 1", n)
	}
	if n := rec.count(RefreshStarted); n != 1 {
		t.Errorf("%d RefreshStarted events, want 1", n)
	}
}

// TestAccessDeniedPassesThrough: a permissions error reaches the caller as
// the SDK returns it, with no refresh and no retry.
func TestAccessDeniedPassesThrough(t *testing.T) {
	env := newSimEnv(t, simaws.Options{})
	env.ssoLogin(t)
	p, rec := newSimProvider(t, Options{LoginCommand: env.loginCommand()})
	client := bedrockClient(t, p)
	ctx := context.Background()
	if err := converse(ctx, client, "warm up"); err != nil {
		t.Fatal(err)
	}
	env.sim.Deny(simaws.OpConverse, "*")
	before := env.sim.Counts()

	err := converse(ctx, client, "denied")
	var denied *types.AccessDeniedException
	if !errors.As(err, &denied) {
		t.Fatalf("want *types.AccessDeniedException, got %v", err)
	}
	var refreshErr *RefreshError
	if errors.As(err, &refreshErr) {
		t.Errorf("the error was wrapped in a RefreshError: %v", err)
	}
	after := env.sim.Counts()
	for op, want := range map[string]int{
		simaws.OpConverse: 1, simaws.OpSSOLogin: 0, simaws.OpGetRoleCredentials: 0,
		simaws.OpGetCallerIdentity: 0, simaws.OpCreateToken: 0,
	} {
		if got := after[op] - before[op]; got != want {
			t.Errorf("%s requests: %d, want %d", op, got, want)
		}
	}
	for _, ev := range rec.list() {
		if ev.Kind == CredentialsRejected || ev.Kind == RefreshStarted {
			t.Errorf("unexpected event %v", ev.Kind)
		}
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() != "AccessDeniedException" {
		t.Errorf("error code %q", api.ErrorCode())
	}
}
