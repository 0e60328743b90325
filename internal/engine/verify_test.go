package engine_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

// TestUnknownExpiryVerifiedAndRechecked: credentials without an expiry are
// verified once, served from cache until the recheck interval, then re-read
// and verified again.
func TestUnknownExpiryVerifiedAndRechecked(t *testing.T) {
	t.Parallel()
	for _, recheck := range []time.Duration{0, time.Minute} {
		interval := recheck
		if interval == 0 {
			interval = engine.DefaultRecheckInterval
		}
		t.Run(interval.String(), func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			src := &fakeSource{fn: func(int) (creds.Credentials, error) { return longTermCreds(1), nil }}
			ver := &fakeVerifier{}
			login, log := newLogin(t)
			e, _ := newEngine(t, engine.Options{Source: src, Verifier: ver, Login: login, Now: clk.Now, Policy: engine.Policy{Recheck: recheck}})

			res, err := e.Credentials(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if ver.Calls() != 1 || src.Calls() != 1 || res.Identity != testARN {
				t.Errorf("first call: verifier %d, source %d, identity %q; want 1, 1, %q", ver.Calls(), src.Calls(), res.Identity, testARN)
			}
			wantCreds(t, res.Credentials, longTermCreds(1))

			clk.Advance(interval - time.Second)
			res, err = e.Credentials(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if !res.FromCache || ver.Calls() != 1 || src.Calls() != 1 {
				t.Errorf("before the recheck interval: FromCache=%v verifier %d source %d; want true, 1, 1", res.FromCache, ver.Calls(), src.Calls())
			}
			if res.Identity != testARN {
				t.Errorf("cached identity = %q, want %q", res.Identity, testARN)
			}

			clk.Advance(time.Second)
			res, err = e.Credentials(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if res.FromCache || src.Calls() != 2 || ver.Calls() != 2 {
				t.Errorf("at the recheck interval: FromCache=%v source %d verifier %d; want false, 2, 2", res.FromCache, src.Calls(), ver.Calls())
			}
			if n := loginRuns(t, log); n != 0 {
				t.Errorf("login ran %d times", n)
			}
		})
	}
}

func TestUnknownExpiryClockBackwards(t *testing.T) {
	t.Parallel()
	clk := newClock()
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return longTermCreds(1), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, Now: clk.Now})
	if _, err := e.Credentials(t.Context()); err != nil {
		t.Fatal(err)
	}
	clk.Advance(-time.Hour)
	res, err := e.Credentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.FromCache || src.Calls() != 2 {
		t.Errorf("clock went back an hour: FromCache=%v source calls=%d; want a re-read", res.FromCache, src.Calls())
	}
}

func TestUnknownExpiryVerifierNetworkError(t *testing.T) {
	t.Parallel()
	clk := newClock()
	src := &fakeSource{fn: func(int) (creds.Credentials, error) { return longTermCreds(1), nil }}
	ver := &fakeVerifier{fn: func(creds.Credentials) (string, error) { return "", errNetwork() }}
	login, log := newLogin(t)
	e, rec := newEngine(t, engine.Options{Source: src, Verifier: ver, Login: login, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	assertResultClean(t, res, err)
	if err != nil {
		t.Fatalf("verifier unreachable: %v; want the credentials, unverified, with a warning", err)
	}
	wantCreds(t, res.Credentials, longTermCreds(1))
	if len(res.Warnings) == 0 || rec.count(engine.EventWarning) == 0 {
		t.Errorf("no warning about the failed verification (Warnings=%q)", res.Warnings)
	}
	if res.Identity != "" {
		t.Errorf("Identity = %q for unverified credentials", res.Identity)
	}
	if n := loginRuns(t, log); n != 0 {
		t.Errorf("login ran %d times because of a network error", n)
	}
}

// TestUnknownExpiryVerifierRejects: STS says the credentials expired, so
// the login runs once and the new ones are verified.
func TestUnknownExpiryVerifierRejects(t *testing.T) {
	t.Parallel()
	clk := newClock()
	login, log := newLogin(t)
	src := &fakeSource{fn: func(int) (creds.Credentials, error) {
		if loginRuns(t, log) == 0 {
			return longTermCreds(1), nil
		}
		return longTermCreds(2), nil
	}}
	ver := &fakeVerifier{fn: func(c creds.Credentials) (string, error) {
		if c.AccessKeyID == longTermCreds(1).AccessKeyID {
			return "", &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired"}
		}
		return testARN, nil
	}}
	e, _ := newEngine(t, engine.Options{Source: src, Verifier: ver, Login: login, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	assertResultClean(t, res, err)
	if err != nil {
		t.Fatal(err)
	}
	if !res.LoginRan || loginRuns(t, log) != 1 {
		t.Errorf("LoginRan=%v, runs=%d; want true, 1", res.LoginRan, loginRuns(t, log))
	}
	wantCreds(t, res.Credentials, longTermCreds(2))
	if res.Identity != testARN || ver.Calls() != 2 {
		t.Errorf("Identity %q, verifier calls %d; want %q, 2", res.Identity, ver.Calls(), testARN)
	}
}

// TestUnknownExpiryVerifierDiagnosed: STS answers with a clock or
// permission problem: a *DiagnosedError, and no login.
func TestUnknownExpiryVerifierDiagnosed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		kind engine.Kind
	}{
		{"clock skew", &smithy.GenericAPIError{Code: "SignatureDoesNotMatch", Message: "Signature expired: 20310304T050607Z is now earlier than 20310304T052107Z (20310304T052607Z - 5 min.)"}, engine.KindClockSkew},
		{"access denied", &smithy.GenericAPIError{Code: "AccessDenied", Message: "explicit deny in a service control policy"}, engine.KindAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := &fakeSource{fn: func(int) (creds.Credentials, error) { return longTermCreds(1), nil }}
			ver := &fakeVerifier{fn: func(creds.Credentials) (string, error) { return "", tt.err }}
			login, log := newLogin(t)
			e, _ := newEngine(t, engine.Options{Source: src, Verifier: ver, Login: login, Now: newClock().Now})
			res, err := e.Credentials(t.Context())
			assertResultClean(t, res, err)
			var de *engine.DiagnosedError
			if !errors.As(err, &de) || de.Kind != tt.kind {
				t.Fatalf("err = %v (%T), want *DiagnosedError of kind %v", err, err, tt.kind)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("DiagnosedError does not wrap the AWS error")
			}
			if n := loginRuns(t, log); n != 0 {
				t.Errorf("login ran %d times; it cannot fix %v", n, tt.kind)
			}
		})
	}
}
