package engine_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
)

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want engine.Kind
	}{
		{"nil", nil, engine.KindUnknown},
		{"ExpiredToken", apiErr("ExpiredToken", "The security token included in the request is expired"), engine.KindLoginExpired},
		{"ExpiredTokenException", apiErr("ExpiredTokenException", "The security token included in the request is expired"), engine.KindLoginExpired},
		{"InvalidClientTokenId", apiErr("InvalidClientTokenId", "The security token included in the request is invalid."), engine.KindLoginExpired},
		{"UnrecognizedClientException", apiErr("UnrecognizedClientException", "The security token included in the request is invalid."), engine.KindLoginExpired},
		{"UnauthorizedException", apiErr("UnauthorizedException", "Session token not found or invalid"), engine.KindLoginExpired},
		{"InvalidGrantException", apiErr("InvalidGrantException", "invalid_grant"), engine.KindLoginExpired},
		{"AccessDenied", apiErr("AccessDenied", "User: arn:aws:iam::111122223333:user/x is not authorized to perform: sts:AssumeRole"), engine.KindAccessDenied},
		{"AccessDeniedException", apiErr("AccessDeniedException", "not authorized to perform: bedrock:InvokeModel"), engine.KindAccessDenied},
		{"RequestExpired", apiErr("RequestExpired", "Request has expired."), engine.KindClockSkew},
		{"RequestTimeTooSkewed", apiErr("RequestTimeTooSkewed", "The difference between the request time and the current time is too large."), engine.KindClockSkew},
		{"SignatureDoesNotMatch, signature expired", apiErr("SignatureDoesNotMatch",
			"Signature expired: 20240101T000000Z is now earlier than 20240101T001500Z (20240101T002000Z - 5 min.)"), engine.KindClockSkew},
		{"InvalidSignatureException, signature expired", apiErr("InvalidSignatureException",
			"Signature expired: 20240101T000000Z is now earlier than 20240101T001500Z (20240101T002000Z - 5 min.)"), engine.KindClockSkew},
		{"SignatureDoesNotMatch, signature not yet current", apiErr("SignatureDoesNotMatch",
			"Signature not yet current: 20240101T002000Z is still later than 20240101T001500Z (20240101T001000Z + 5 min.)"), engine.KindClockSkew},
		{"net.OpError", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, engine.KindNetwork},
		{"net.DNSError", &net.DNSError{Err: "no such host", Name: "sts.amazonaws.com", IsNotFound: true}, engine.KindNetwork},
		{"timeout net.Error", fmt.Errorf("send request: %w", timeoutErr{}), engine.KindNetwork},
		{"context.DeadlineExceeded", context.DeadlineExceeded, engine.KindNetwork},
		{"wrapped DeadlineExceeded", fmt.Errorf("operation error STS: GetCallerIdentity: %w", context.DeadlineExceeded), engine.KindNetwork},
		{"SharedConfigProfileNotExistError", config.SharedConfigProfileNotExistError{}, engine.KindNoCredentials},
		{"wrapped SharedConfigProfileNotExistError", fmt.Errorf("load config: %w", config.SharedConfigProfileNotExistError{Profile: "dev"}), engine.KindNoCredentials},
		{"HTTP 401", &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 401}}, Err: errors.New("unauthorized")}, engine.KindLoginExpired},
		{"plain error", errors.New("something else"), engine.KindUnknown},
		{"ThrottlingException", apiErr("ThrottlingException", "Rate exceeded"), engine.KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := engine.Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
			if tt.err == nil {
				return
			}
			// Wrapping, as the SDK's operation errors do, changes nothing.
			wrapped := fmt.Errorf("operation error Bedrock Runtime: Converse: %w", tt.err)
			if got := engine.Classify(wrapped); got != tt.want {
				t.Errorf("Classify(wrapped %v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestKindRejectedAndAdvice(t *testing.T) {
	t.Parallel()
	kinds := []engine.Kind{engine.KindUnknown, engine.KindLoginExpired, engine.KindClockSkew, engine.KindAccessDenied, engine.KindNetwork, engine.KindNoCredentials}
	seen := map[string]bool{}
	for _, k := range kinds {
		want := k == engine.KindLoginExpired || k == engine.KindNoCredentials
		if k.Rejected() != want {
			t.Errorf("%v.Rejected() = %v, want %v", k, k.Rejected(), want)
		}
		s := k.String()
		if s == "" || seen[s] {
			t.Errorf("Kind %d String() = %q: empty or duplicate", int(k), s)
		}
		seen[s] = true
		if k.Advice("") == "" {
			t.Errorf("%v has no advice", k)
		}
	}
	const arn = "arn:aws:iam::111122223333:user/alice"
	if a := engine.KindAccessDenied.Advice(arn); !strings.Contains(a, arn) {
		t.Errorf("access-denied advice %q does not name the identity", a)
	}
}

func TestErrorsUnwrapAndNoSecrets(t *testing.T) {
	t.Parallel()
	cause := apiErr("ExpiredToken", "expired")
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	errs := []error{
		&engine.LoginError{Command: "aws sso login", Err: cause, StderrTail: "aws_secret_access_key=tEsTsEcReT000"},
		&engine.StillInvalidError{Profile: "p", Err: cause},
		&engine.DiagnosedError{Kind: engine.KindAccessDenied, Identity: "arn:aws:iam::1:user/x", Err: cause},
	}
	for _, err := range errs {
		if !errors.Is(err, cause) {
			t.Errorf("%T does not unwrap to its cause", err)
		}
		assertNoSecret(t, fmt.Sprintf("%T", err), err.Error())
	}
	cd := &engine.CooldownError{Profile: "p", LastFailure: now, Until: now.Add(time.Minute), Now: now.Add(15 * time.Second), Failures: 2}
	if cd.Left() != 45*time.Second || cd.Ago() != 15*time.Second {
		t.Errorf("CooldownError Left %v Ago %v; want 45s, 15s", cd.Left(), cd.Ago())
	}
	if !strings.Contains(cd.Error(), "45s") {
		t.Errorf("CooldownError message %q does not say how long is left", cd.Error())
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	clk := newClock()
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, Now: clk.Now})
	if st := e.Status(); st.Credentials != nil || st.Cooldown != nil || st.Profile != "test" || st.Source != "fake source" {
		t.Errorf("Status before any call: %+v", st)
	}
	if _, err := e.Credentials(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		advance time.Duration
		state   string
	}{
		{0, "valid"},
		{44 * time.Minute, "valid"},         // 16 min left
		{2 * time.Minute, "renew soon"},     // 14 min left
		{5 * time.Minute, "refresh needed"}, // 9 min left
		{10 * time.Minute, "expired"},
	} {
		clk.Advance(step.advance)
		st := e.Status()
		if st.Credentials == nil {
			t.Fatalf("Status has no credentials")
		}
		if st.Credentials.State != step.state {
			t.Errorf("%v left: State = %q, want %q", st.Credentials.Expiration.Sub(clk.Now()), st.Credentials.State, step.state)
		}
		if !st.Credentials.Temporary || st.CacheFile == "" {
			t.Errorf("Status: Temporary=%v CacheFile=%q", st.Credentials.Temporary, st.CacheFile)
		}
		assertNoSecret(t, "Status", fmt.Sprintf("%+v %+v", st, *st.Credentials))
	}
}

// TestRejectsCredentials: the rejections of a signed request, on any
// service, are a subset of what Classify calls an expired login; the SSO
// token errors and a request refused for its time are not among them.
func TestRejectsCredentials(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{apiErr("ExpiredToken", "The security token included in the request is expired"), true},
		{apiErr("ExpiredTokenException", "The security token included in the request is expired"), true},
		{apiErr("InvalidClientTokenId", "The security token included in the request is invalid."), true},
		{fmt.Errorf("operation error: %w", apiErr("UnrecognizedClientException", "")), true},
		{apiErr("ExpiredTokenException", "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z"), false},
		{apiErr("UnauthorizedException", "Session token not found or invalid"), false},
		{apiErr("InvalidGrantException", ""), false},
		{apiErr("RequestExpired", "Request has expired."), false},
		{apiErr("AccessDeniedException", ""), false},
		{errors.New("ExpiredTokenException"), false},
	} {
		got := engine.RejectsCredentials(tt.err)
		if got != tt.want {
			t.Errorf("RejectsCredentials(%v) = %v, want %v", tt.err, got, tt.want)
		}
		if got && engine.Classify(tt.err) != engine.KindLoginExpired {
			t.Errorf("RejectsCredentials(%v) but Classify says %v", tt.err, engine.Classify(tt.err))
		}
	}
}

// TestSentinelsMatchTheirErrors: each error type matches its sentinel and
// no other, wherever it is wrapped.
func TestSentinelsMatchTheirErrors(t *testing.T) {
	t.Parallel()
	all := []error{engine.ErrLoginTimeout, engine.ErrLoginFailed, engine.ErrCooldown, engine.ErrStillInvalid,
		engine.ErrNoLoginCommand, engine.ErrAccessDenied, engine.ErrClockSkew}
	for _, tt := range []struct {
		err  error
		want error // nil: none
	}{
		{&engine.LoginError{Err: &runcmd.TimeoutError{}}, engine.ErrLoginTimeout},
		{&engine.LoginError{Err: &runcmd.ExitError{Code: 1}}, engine.ErrLoginFailed},
		{&engine.LoginError{Err: &runcmd.ExitError{Code: 127}}, engine.ErrLoginFailed},
		{&engine.LoginError{Err: &runcmd.SignalError{Signal: syscall.SIGINT}}, nil},
		{&engine.CooldownError{}, engine.ErrCooldown},
		{&engine.StillInvalidError{Err: errors.New("x")}, engine.ErrStillInvalid},
		{fmt.Errorf("%w for profile: %w", engine.ErrNoLoginCommand, errors.New("x")), engine.ErrNoLoginCommand},
		{&engine.DiagnosedError{Kind: engine.KindAccessDenied, Err: errors.New("x")}, engine.ErrAccessDenied},
		{&engine.DiagnosedError{Kind: engine.KindClockSkew, Err: errors.New("x")}, engine.ErrClockSkew},
		{&engine.DiagnosedError{Kind: engine.KindNetwork, Err: errors.New("x")}, nil},
	} {
		wrapped := fmt.Errorf("outer: %w", tt.err)
		for _, s := range all {
			if got := errors.Is(wrapped, s); got != (s == tt.want) {
				t.Errorf("errors.Is(%v, %v) = %v", tt.err, s, got)
			}
		}
	}
}
