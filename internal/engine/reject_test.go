package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/simaws"
	"github.com/awsfresh/awsfresh/internal/source"
)

// TestRejectRenewsSilently: a rejected key is forgotten; a source that
// already has a different one serves it without a login.
func TestRejectRenewsSilently(t *testing.T) {
	t.Parallel()
	clk := newClock()
	login, log := newLogin(t)
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	e, rec := newEngine(t, engine.Options{Source: src, Login: login, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	used := res.Credentials
	res, err = e.Reject(t.Context(), used, &smithy.GenericAPIError{Code: "ExpiredTokenException", Message: "The security token included in the request is expired"})
	assertResultClean(t, res, err)
	if err != nil {
		t.Fatal(err)
	}
	if res.FromCache || res.Credentials.AccessKeyID == used.AccessKeyID || src.Calls() != 2 {
		t.Errorf("Reject: FromCache=%v, same key=%v, source calls=%d; want new credentials from the source",
			res.FromCache, res.Credentials.AccessKeyID == used.AccessKeyID, src.Calls())
	}
	if n := loginRuns(t, log); n != 0 {
		t.Errorf("login ran %d times though the source had new credentials", n)
	}
	if rec.count(engine.EventRejected) != 1 {
		t.Errorf("%d rejected events, want 1", rec.count(engine.EventRejected))
	}
	// The new key is cached; the rejected one is not served again.
	res, err = e.Credentials(t.Context())
	if err != nil || !res.FromCache || res.Credentials.AccessKeyID == used.AccessKeyID {
		t.Errorf("after Reject: err=%v FromCache=%v rejectedKeyServed=%v", err, res.FromCache, res.Credentials.AccessKeyID == used.AccessKeyID)
	}
}

// TestRejectDoesNotServeRejectedKey: when the source hands back the very
// key AWS just rejected (a stale CLI cache, an SDK cache that still
// believes its expiry), the engine must not return it again: that makes
// the caller loop. It should verify it (doc.go: "STS verification when ...
// a caller reports a rejection") and run the login when STS rejects it.
func TestRejectDoesNotServeRejectedKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		old  func(clk *fakeClock) creds.Credentials
	}{
		{"known expiry", func(clk *fakeClock) creds.Credentials { return tempCreds(1, clk.Now().Add(time.Hour)) }},
		{"unknown expiry", func(*fakeClock) creds.Credentials { return longTermCreds(1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			login, log := newLogin(t)
			old := tt.old(clk)
			fresh := tempCreds(2, clk.Now().Add(time.Hour))
			src := &fakeSource{fn: func(int) (creds.Credentials, error) {
				if loginRuns(t, log) == 0 {
					return old, nil
				}
				return fresh, nil
			}}
			// AWS accepts the old key until the test says it no longer does.
			var refused atomic.Bool
			verifier := &fakeVerifier{fn: func(c creds.Credentials) (string, error) {
				if c.AccessKeyID == old.AccessKeyID && refused.Load() {
					return "", errExpired()
				}
				return testARN, nil
			}}
			e, _ := newEngine(t, engine.Options{Source: src, Login: login, Verifier: verifier, Now: clk.Now})
			if _, err := e.Credentials(t.Context()); err != nil {
				t.Fatal(err)
			}
			refused.Store(true)
			res, err := e.Reject(t.Context(), old, errExpired())
			assertResultClean(t, res, err)
			if err == nil && res.Credentials.AccessKeyID == old.AccessKeyID {
				t.Fatal("Engine.Reject returned the very key the caller reported rejected")
			}
			if err != nil {
				t.Fatalf("Reject: %v", err)
			}
			if !res.LoginRan || loginRuns(t, log) != 1 {
				t.Errorf("LoginRan=%v runs=%d; want the login to run once", res.LoginRan, loginRuns(t, log))
			}
			wantCreds(t, res.Credentials, fresh)
		})
	}
}

// startSim starts a simulated AWS and points the SDK (and the default
// STS verifier) at it. It uses t.Setenv: callers must not be parallel.
func startSim(t *testing.T) *simaws.Server {
	t.Helper()
	sim := simaws.New(simaws.Options{})
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	t.Setenv("AWS_ENDPOINT_URL", "")
	for _, kv := range sim.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_REGION", "us-east-1")
	return sim
}

// converse calls Bedrock's Converse on the simulation with c.
func converse(ctx context.Context, sim *simaws.Server, c creds.Credentials) error {
	client := bedrockruntime.New(bedrockruntime.Options{
		Region:           "us-east-1",
		Credentials:      credentials.StaticCredentialsProvider{Value: c.AWS("test")},
		BaseEndpoint:     aws.String(sim.URL()),
		RetryMaxAttempts: 1,
	})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := client.Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId: aws.String("anthropic.claude-test-v1:0"),
		Messages: []brtypes.Message{{
			Role:    brtypes.ConversationRoleUser,
			Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "hello"}},
		}},
	})
	return err
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func secretsOf(c creds.Credentials) []string {
	return []string{c.AccessKeyID, c.SecretAccessKey, c.SessionToken}
}

// TestRejectWithSimulatedAWS runs real SDK errors from a simulated Bedrock
// through Reject, with the default (STS) verifier.
func TestRejectWithSimulatedAWS(t *testing.T) {
	sim := startSim(t)

	t.Run("access denied", func(t *testing.T) {
		id, secret := sim.CreateUser("alice")
		used := creds.Credentials{AccessKeyID: id, SecretAccessKey: secret}
		if err := converse(t.Context(), sim, used); err != nil {
			t.Fatalf("Converse before the deny: %v", err)
		}
		sim.Deny(simaws.OpConverse, "*")
		t.Cleanup(func() { sim.Allow(simaws.OpConverse, "*") })
		awsErr := converse(t.Context(), sim, used)
		if apiCode(awsErr) != "AccessDeniedException" {
			t.Fatalf("Converse after the deny: %v, want AccessDeniedException", awsErr)
		}

		login, log := newLogin(t)
		src := &fakeSource{fn: func(int) (creds.Credentials, error) { return used, nil }}
		e, err := engine.New(engine.Options{Profile: "sim", Source: src, Login: login, CacheDir: t.TempDir(),
			OnEvent: (&recorder{t: t}).on})
		if err != nil {
			t.Fatal(err)
		}
		before := sim.Count(simaws.OpGetCallerIdentity)
		res, err := e.Reject(t.Context(), used, awsErr)
		assertResultClean(t, res, err, secretsOf(used)...)
		var de *engine.DiagnosedError
		if !errors.As(err, &de) || de.Kind != engine.KindAccessDenied {
			t.Fatalf("Reject: err = %v (%T), want *DiagnosedError of kind access denied", err, err)
		}
		if want := "arn:aws:iam::" + sim.AccountID() + ":user/alice"; de.Identity != want {
			t.Errorf("Identity = %q, want %q", de.Identity, want)
		}
		if !strings.Contains(de.Error(), de.Identity) {
			t.Errorf("DiagnosedError does not name the identity: %q", de.Error())
		}
		if sim.Count(simaws.OpGetCallerIdentity) != before+1 {
			t.Errorf("GetCallerIdentity calls: %d, want 1", sim.Count(simaws.OpGetCallerIdentity)-before)
		}
		if n := loginRuns(t, log); n != 0 || src.Calls() != 0 {
			t.Errorf("login runs %d, source calls %d; a permissions problem must refresh nothing", n, src.Calls())
		}
	})

	t.Run("clock skew", func(t *testing.T) {
		id, secret := sim.CreateUser("bob")
		used := creds.Credentials{AccessKeyID: id, SecretAccessKey: secret}
		sim.SetClockSkew(20 * time.Minute)
		t.Cleanup(func() { sim.SetClockSkew(0) })
		awsErr := converse(t.Context(), sim, used)
		if awsErr == nil || engine.Classify(awsErr) != engine.KindClockSkew {
			t.Fatalf("Converse with a 20-minute skew: %v (kind %v), want a clock-skew error", awsErr, engine.Classify(awsErr))
		}

		login, log := newLogin(t)
		src := &fakeSource{fn: func(int) (creds.Credentials, error) { return used, nil }}
		e, err := engine.New(engine.Options{Profile: "sim", Source: src, Login: login, CacheDir: t.TempDir(),
			OnEvent: (&recorder{t: t}).on})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Reject(t.Context(), used, awsErr)
		assertResultClean(t, res, err, secretsOf(used)...)
		var de *engine.DiagnosedError
		if !errors.As(err, &de) || de.Kind != engine.KindClockSkew {
			t.Fatalf("Reject: err = %v (%T), want *DiagnosedError of kind clock skew", err, err)
		}

		// The default verifier meets the same skew when the expiry is
		// unknown: diagnosed, no login.
		res, err = e.Credentials(t.Context())
		assertResultClean(t, res, err, secretsOf(used)...)
		if !errors.As(err, &de) || de.Kind != engine.KindClockSkew {
			t.Errorf("Credentials: err = %v (%T), want *DiagnosedError of kind clock skew", err, err)
		}
		if n := loginRuns(t, log); n != 0 {
			t.Errorf("login ran %d times for a clock problem", n)
		}
	})

	t.Run("expired token", func(t *testing.T) {
		id, secret := sim.CreateUser("carol")
		user := creds.Credentials{AccessKeyID: id, SecretAccessKey: secret}
		mint := func() (creds.Credentials, error) {
			out, err := source.STSClient(user, "us-east-1").GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
			if err != nil {
				return creds.Credentials{}, err
			}
			return creds.Credentials{
				AccessKeyID:     aws.ToString(out.Credentials.AccessKeyId),
				SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
				SessionToken:    aws.ToString(out.Credentials.SessionToken),
				Expiration:      aws.ToTime(out.Credentials.Expiration),
			}, nil
		}
		login, log := newLogin(t)
		// First the session of before; once it is rejected the source
		// fails until the login ran, then mints a new session.
		src := &fakeSource{fn: func(n int) (creds.Credentials, error) {
			if n > 1 && loginRuns(t, log) == 0 {
				return creds.Credentials{}, errExpired()
			}
			return mint()
		}}
		rec := &recorder{t: t}
		e, err := engine.New(engine.Options{Profile: "sim", Source: src, Login: login, CacheDir: t.TempDir(), OnEvent: rec.on})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Credentials(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		used := res.Credentials
		if err := converse(t.Context(), sim, used); err != nil {
			t.Fatalf("Converse with fresh credentials: %v", err)
		}
		sim.ExpireCredentials()
		awsErr := converse(t.Context(), sim, used)
		if apiCode(awsErr) != "ExpiredTokenException" {
			t.Fatalf("Converse after expiry: %v, want ExpiredTokenException", awsErr)
		}

		res, err = e.Reject(t.Context(), used, awsErr)
		assertResultClean(t, res, err, append(secretsOf(used), secretsOf(user)...)...)
		assertResultClean(t, res, err, secretsOf(res.Credentials)...)
		if err != nil {
			t.Fatalf("Reject: %v", err)
		}
		if !res.LoginRan || loginRuns(t, log) != 1 {
			t.Errorf("LoginRan=%v, runs=%d; want the login to run once", res.LoginRan, loginRuns(t, log))
		}
		if res.Credentials.AccessKeyID == used.AccessKeyID {
			t.Fatalf("Reject returned the rejected key")
		}
		if err := converse(t.Context(), sim, res.Credentials); err != nil {
			t.Errorf("Converse with the refreshed credentials: %v", err)
		}
		if rec.count(engine.EventRejected) != 1 {
			t.Errorf("%d rejected events, want 1", rec.count(engine.EventRejected))
		}
	})
}

// TestRejectDiagnosesWithoutRefreshing: errors that are not about the
// credentials refresh nothing.
func TestRejectDiagnosesWithoutRefreshing(t *testing.T) {
	t.Parallel()
	plain := errors.New("ValidationException: model not found")
	for _, tt := range []struct {
		name string
		err  error
		kind engine.Kind // KindUnknown: the error comes back as it is
	}{
		{"network", errNetwork(), engine.KindNetwork},
		{"clock", &smithy.GenericAPIError{Code: "RequestTimeTooSkewed", Message: "skewed"}, engine.KindClockSkew},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}, engine.KindAccessDenied},
		{"other", plain, engine.KindUnknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			login, log := newLogin(t)
			src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, time.Now().Add(time.Hour)), nil }}
			ver := &fakeVerifier{}
			e, _ := newEngine(t, engine.Options{Source: src, Login: login, Verifier: ver})
			res, err := e.Reject(t.Context(), tempCreds(1, time.Now().Add(time.Hour)), tt.err)
			assertResultClean(t, res, err)
			if !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.err)
			}
			var de *engine.DiagnosedError
			switch {
			case tt.kind == engine.KindUnknown && errors.As(err, &de):
				t.Errorf("unknown error diagnosed as %v", de.Kind)
			case tt.kind != engine.KindUnknown && (!errors.As(err, &de) || de.Kind != tt.kind):
				t.Errorf("err = %v (%T), want *DiagnosedError of kind %v", err, err, tt.kind)
			}
			if tt.kind == engine.KindAccessDenied && (de == nil || de.Identity != testARN || ver.Calls() != 1) {
				t.Errorf("access denied: identity not looked up (verifier calls %d)", ver.Calls())
			}
			if n := loginRuns(t, log); n != 0 || src.Calls() != 0 {
				t.Errorf("login runs %d, source calls %d; want nothing refreshed", n, src.Calls())
			}
		})
	}
}
