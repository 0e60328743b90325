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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

// TestConverseSurvivesExpiry makes 8 concurrent Converse calls at each of
// 40 steps of a clock that the simulated AWS, the Provider and its engine
// share, 5 seconds apart: role credentials live 60 seconds and expire three
// times, the SSO session ends once with no way to renew it silently, and
// right after the login AWS rejects the credentials in use before their
// time. Every call must succeed and the login command must run exactly once,
// with the Provider as the clients' Credentials and with it behind the
// aws.CredentialsCache that config.WithCredentialsProvider wraps it in
// (given to WithRefreshRetry, which invalidates it on a rejection).
func TestConverseSurvivesExpiry(t *testing.T) {
	for _, tt := range []struct {
		name  string
		outer bool
	}{{"Provider as Credentials", false}, {"behind an aws.CredentialsCache", true}} {
		t.Run(tt.name, func(t *testing.T) {
			// Within the 5 minutes of signing skew AWS accepts: the SDK
			// signs with the real time.
			clk := newClock(time.Now())
			env := newSimEnv(t, simaws.Options{RoleCredentialLifetime: time.Minute, SSOTokenLifetime: 150 * time.Second, Clock: clk.Now})
			env.ssoLogin(t)
			env.sim.RevokeRefreshTokens()          // the session's end needs a real login
			env.sim.SetSSOTokenLifetime(time.Hour) // and the login's session outlives the run

			p, rec := newSimProviderWith(t, providerConfig{
				Options: Options{LoginCommand: env.loginCommand(), Timeout: 20 * time.Second},
				policy:  engine.Policy{Advisory: 20 * time.Second, Mandatory: 10 * time.Second},
				now:     clk.Now,
			})
			ctx := context.Background()
			cfg, err := p.Config(ctx)
			if tt.outer {
				cfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(testRegion), config.WithCredentialsProvider(p))
				if _, ok := cfg.Credentials.(*aws.CredentialsCache); !ok {
					t.Fatalf("config.WithCredentialsProvider did not wrap the Provider in an aws.CredentialsCache: %T", cfg.Credentials)
				}
				cfg.APIOptions = append(cfg.APIOptions, WithRefreshRetry(p, cfg.Credentials))
			}
			if err != nil {
				t.Fatal(err)
			}
			client := bedrockruntime.NewFromConfig(cfg)

			const workers, steps = 8, 40
			var (
				mu     sync.Mutex
				errs   []error
				forced bool
			)
			for range steps {
				if !forced && env.sim.Count(simaws.OpSSOLogin) > 0 {
					env.sim.ExpireCredentials()
					forced = true
				}
				var wg sync.WaitGroup
				for range workers {
					wg.Go(func() {
						if err := converse(ctx, client, "hello"); err != nil {
							mu.Lock()
							errs = append(errs, err)
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				clk.Advance(5 * time.Second)
			}
			t.Logf("%v; events %v", env.sim, rec.list())

			for i, err := range errs {
				if i < 5 {
					t.Errorf("call failed: %v", err)
				}
			}
			if len(errs) > 0 {
				t.Fatalf("%d of %d calls failed", len(errs), workers*steps)
			}
			if n := env.sim.Count(simaws.OpSSOLogin); n != 1 {
				t.Errorf("the login command ran %d times, want exactly 1 (one SSO session end)", n)
			}
			if n := rec.count(RefreshStarted); n != 1 {
				t.Errorf("%d RefreshStarted events, want 1", n)
			}
			if !forced {
				t.Fatal("the run ended before the login: the rejection was never forced")
			}
			issued := env.sim.Count(simaws.OpGetRoleCredentials)
			if issued < 5 {
				t.Errorf("GetRoleCredentials was called %d times, want at least 5 (first, renewals, after the login, after the rejection)", issued)
			}
			if retried := env.sim.Count(simaws.OpConverse) - workers*steps; retried < 1 {
				t.Errorf("no call was retried after the forced rejection (Converse requests: %d)", env.sim.Count(simaws.OpConverse))
			}
			rejected := rec.count(CredentialsRejected)
			switch {
			case !tt.outer && rejected != 1:
				// The Provider renews ahead of expiry: only the forced
				// rejection, of all 8 calls at once, is one event.
				t.Errorf("%d CredentialsRejected events, want 1 (one rejection of %d calls)", rejected, workers)
			case tt.outer && (rejected < 1 || rejected > issued):
				// The outer cache keeps credentials until AWS rejects them:
				// one event per rejected set, never one per call.
				t.Errorf("%d CredentialsRejected events for %d sets of credentials", rejected, issued)
			}
		})
	}
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

	start := time.Now()
	err := converse(ctx, client, "hello")
	took := time.Since(start)
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
	if took < time.Second {
		t.Errorf("the call took %v, less than the 1 s timeout", took)
	}
	if n := rec.count(RefreshTimedOut); n != 1 {
		t.Errorf("%d RefreshTimedOut events, want 1: %v", n, rec.list())
	}
	if n := env.sim.Count(simaws.OpConverse); n != 0 {
		t.Errorf("%d Converse requests were sent without credentials", n)
	}

	err = converse(ctx, client, "hello again")
	var cool *engine.CooldownError
	if !errors.As(err, &cool) {
		t.Fatalf("second call: want *engine.CooldownError, got %v", err)
	}
	if !strings.Contains(err.Error(), "AWS authentication refresh failed") || !strings.Contains(err.Error(), "not retrying for another") {
		t.Errorf("second call: message lacks the cooldown wording: %v", err)
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
