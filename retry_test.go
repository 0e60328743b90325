package awsfresh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/runcmd"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func isConverse(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/converse") }

// TestRefreshRetry runs one call per case through real SDK clients against
// the simulation, after something made AWS refuse it.
func TestRefreshRetry(t *testing.T) {
	always := func(resp func() *http.Response) func(*http.Request) *http.Response {
		return func(r *http.Request) *http.Response {
			if isConverse(r) {
				return resp()
			}
			return nil
		}
	}
	once := func(resp func() *http.Response) func(*injector) {
		return func(inj *injector) {
			inj.set(func(r *http.Request) *http.Response {
				if !isConverse(r) {
					return nil
				}
				inj.set(nil)
				return resp()
			})
		}
	}
	tests := []struct {
		name    string
		sts     bool // call STS GetCallerIdentity instead of Bedrock Converse
		breakIt func(t *testing.T, env *simEnv, key string, inj *injector)
		// wantCode is the error code the call must fail with; "" for success.
		wantCode     string
		wantSent     int // requests of the operation that reached the simulation
		wantInjected int
		wantRejected int // CredentialsRejected events
	}{
		{name: "Bedrock ExpiredTokenException", breakIt: func(t *testing.T, env *simEnv, _ string, _ *injector) { env.sim.ExpireCredentials() },
			wantSent: 2, wantRejected: 1},
		{name: "Bedrock UnrecognizedClientException", breakIt: func(t *testing.T, env *simEnv, key string, _ *injector) { env.sim.Revoke(key) },
			wantSent: 2, wantRejected: 1},
		{name: "STS ExpiredToken", sts: true, breakIt: func(t *testing.T, env *simEnv, _ string, _ *injector) { env.sim.ExpireCredentials() },
			wantSent: 2, wantRejected: 1},
		{name: "STS InvalidClientTokenId", sts: true, breakIt: func(t *testing.T, env *simEnv, key string, _ *injector) { env.sim.Revoke(key) },
			wantSent: 2, wantRejected: 1},
		{name: "RequestExpired with the clock right", breakIt: func(t *testing.T, _ *simEnv, _ string, inj *injector) {
			once(func() *http.Response {
				return awsJSONError(http.StatusBadRequest, "RequestExpired", "Request has expired.", time.Now())
			})(inj)
		}, wantSent: 1, wantInjected: 1, wantRejected: 1},
		{name: "RequestExpired with the clock 10 minutes off", breakIt: func(t *testing.T, _ *simEnv, _ string, inj *injector) {
			once(func() *http.Response {
				return awsJSONError(http.StatusBadRequest, "RequestExpired", "Request has expired.", time.Now().Add(10*time.Minute))
			})(inj)
		}, wantCode: "RequestExpired", wantSent: 0, wantInjected: 1},
		{name: "RequestExpired without a Date header", breakIt: func(t *testing.T, _ *simEnv, _ string, inj *injector) {
			once(func() *http.Response {
				resp := awsJSONError(http.StatusBadRequest, "RequestExpired", "Request has expired.", time.Now())
				resp.Header.Del("Date")
				return resp
			})(inj)
		}, wantCode: "RequestExpired", wantSent: 0, wantInjected: 1},
		{name: "ExpiredToken with a signature expired message is the clock", breakIt: func(t *testing.T, _ *simEnv, _ string, inj *injector) {
			once(func() *http.Response {
				return awsJSONError(http.StatusForbidden, "ExpiredTokenException", "Signature expired: 20260101T000000Z is now earlier than ...", time.Now())
			})(inj)
		}, wantCode: "ExpiredTokenException", wantSent: 0, wantInjected: 1},
		{name: "rejected again after the retry", breakIt: func(t *testing.T, _ *simEnv, _ string, inj *injector) {
			inj.set(always(func() *http.Response {
				return awsJSONError(http.StatusForbidden, "ExpiredTokenException", "The security token included in the request is expired", time.Now())
			}))
		}, wantCode: "ExpiredTokenException", wantSent: 0, wantInjected: 2, wantRejected: 1},
		{name: "ValidationException", breakIt: func(t *testing.T, _ *simEnv, _ string, inj *injector) {
			once(func() *http.Response {
				return awsJSONError(http.StatusBadRequest, "ValidationException", "Malformed input request.", time.Now())
			})(inj)
		}, wantCode: "ValidationException", wantSent: 0, wantInjected: 1},
		{name: "AccessDeniedException", breakIt: func(t *testing.T, env *simEnv, _ string, _ *injector) { env.sim.Deny(simaws.OpConverse, "*") },
			wantCode: "AccessDeniedException", wantSent: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newSimEnv(t, simaws.Options{})
			env.ssoLogin(t)
			p, rec := newSimProvider(t, Options{LoginCommand: env.loginCommand()})
			inj := &injector{}
			cfg, err := p.Config(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			cfg.HTTPClient = inj
			ctx := context.Background()
			op := simaws.OpConverse
			call := func() error { return converse(ctx, bedrockruntime.NewFromConfig(cfg), "hello") }
			if tt.sts {
				op = simaws.OpGetCallerIdentity
				call = func() error {
					_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
					return err
				}
			}
			if err := call(); err != nil {
				t.Fatalf("warm-up call: %v", err)
			}
			used, err := p.Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tt.breakIt(t, env, used.AccessKeyID, inj)
			before := env.sim.Counts()

			err = call()
			if got := errorCode(err); got != tt.wantCode {
				t.Errorf("error code %q (%v), want %q", got, err, tt.wantCode)
			}
			var refreshErr *RefreshError
			if errors.As(err, &refreshErr) {
				t.Errorf("an AWS error was wrapped in a RefreshError: %v", err)
			}
			if got := env.sim.Count(op) - before[op]; got != tt.wantSent {
				t.Errorf("%s requests: %d, want %d", op, got, tt.wantSent)
			}
			if got := inj.count(); got != tt.wantInjected {
				t.Errorf("injected answers: %d, want %d", got, tt.wantInjected)
			}
			if got := rec.count(CredentialsRejected); got != tt.wantRejected {
				t.Errorf("CredentialsRejected events: %d, want %d", got, tt.wantRejected)
			}
			if got := env.sim.Count(simaws.OpSSOLogin); got != 0 {
				t.Errorf("the login command ran %d times", got)
			}
		})
	}
}

// TestRefreshRetryRefreshFails: when AWS rejects the credentials and
// getting new ones fails, the call returns a RefreshError that wraps both
// the refresh failure and AWS's rejection.
func TestRefreshRetryRefreshFails(t *testing.T) {
	env := newSimEnv(t, simaws.Options{})
	env.ssoLogin(t)
	p, rec := newSimProvider(t, Options{LoginCommand: "echo 'login failed' >&2; exit 3"})
	client := bedrockClient(t, p)
	ctx := context.Background()
	if err := converse(ctx, client, "warm up"); err != nil {
		t.Fatal(err)
	}
	env.sim.ExpireCredentials()
	env.sim.ExpireSSOTokens()
	env.sim.RevokeRefreshTokens()
	before := env.sim.Count(simaws.OpConverse)

	err := converse(ctx, client, "hello")
	var refreshErr *RefreshError
	if !errors.As(err, &refreshErr) {
		t.Fatalf("want a *RefreshError, got %v", err)
	}
	if refreshErr.Rejected == nil || errorCode(err) != "ExpiredTokenException" {
		t.Errorf("the AWS rejection is not in the error: %v", err)
	}
	var exit *runcmd.ExitError
	if !errors.As(err, &exit) || exit.Code != 3 {
		t.Errorf("want the login command's exit status 3 in %v", err)
	}
	if !strings.Contains(err.Error(), "AWS authentication refresh failed: echo 'login failed' >&2; exit 3 exited with status 3") {
		t.Errorf("message: %v", err)
	}
	if got := env.sim.Count(simaws.OpConverse) - before; got != 1 {
		t.Errorf("Converse requests: %d, want 1 (no retry without new credentials)", got)
	}
	if n := rec.count(RefreshFailed); n != 1 {
		t.Errorf("%d RefreshFailed events, want 1", n)
	}
}

// TestRefreshRetryNotOurCredentials: a client whose credentials do not come
// from the Provider gets AWS's rejection untouched, and the Provider does
// nothing.
func TestRefreshRetryNotOurCredentials(t *testing.T) {
	env := newSimEnv(t, simaws.Options{})
	env.ssoLogin(t)
	p, rec := newSimProvider(t, Options{LoginCommand: env.loginCommand()})
	keyID, secret := env.sim.CreateUser("alice")
	client := bedrockruntime.New(bedrockruntime.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(env.sim.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		APIOptions:   []func(*middleware.Stack) error{WithRefreshRetry(p)},
	})
	ctx := context.Background()
	if err := converse(ctx, client, "warm up"); err != nil {
		t.Fatal(err)
	}
	env.sim.Revoke(keyID)
	before := env.sim.Counts()
	err := converse(ctx, client, "hello")
	if errorCode(err) != "UnrecognizedClientException" {
		t.Fatalf("want UnrecognizedClientException, got %v", err)
	}
	after := env.sim.Counts()
	if after[simaws.OpConverse]-before[simaws.OpConverse] != 1 || after[simaws.OpGetRoleCredentials] != before[simaws.OpGetRoleCredentials] {
		t.Errorf("requests before %v, after %v: want one Converse and nothing else", before, after)
	}
	if len(rec.list()) != 0 {
		t.Errorf("events: %v", rec.list())
	}
}

// TestRefreshRetryOuterCache: an aws.CredentialsCache around the Provider
// hands the rejected credentials to the retry again; the call fails with
// AWS's error and a Warning says why.
func TestRefreshRetryOuterCache(t *testing.T) {
	env := newSimEnv(t, simaws.Options{})
	env.ssoLogin(t)
	p, rec := newSimProvider(t, Options{LoginCommand: env.loginCommand()})
	cfg, err := p.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = aws.NewCredentialsCache(p)
	client := bedrockruntime.NewFromConfig(cfg)
	ctx := context.Background()
	if err := converse(ctx, client, "warm up"); err != nil {
		t.Fatal(err)
	}
	env.sim.ExpireCredentials()
	if err := converse(ctx, client, "hello"); errorCode(err) != "ExpiredTokenException" {
		t.Fatalf("want ExpiredTokenException, got %v", err)
	}
	warned := false
	for _, ev := range rec.list() {
		if ev.Kind == Warning && strings.Contains(ev.Message, "cached outside the awsfresh Provider") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no Warning about the outer cache: %v", rec.list())
	}
	// The Provider itself has new credentials.
	c, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := converse(ctx, bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	}), "with the Provider's credentials"); err != nil {
		t.Errorf("the Provider's new credentials do not work: %v", err)
	}
}

// stackCall runs a hand-built middleware stack whose "Signing" step signs
// with p's credentials and whose transport answers with answers in turn.
// It returns the error and the requests' access keys and bodies.
func stackCall(t *testing.T, p *Provider, body io.Reader, answers ...int) (keys, bodies []string, err error) {
	t.Helper()
	stack := middleware.NewStack("Op", smithyhttp.NewStackRequest)
	if err := stack.Serialize.Add(middleware.SerializeMiddlewareFunc("SetBody", func(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
		req := in.Request.(*smithyhttp.Request)
		req.Method = http.MethodPost
		req.URL.Scheme, req.URL.Host = "https", "example.com"
		r, err := req.SetStream(body)
		if err != nil {
			return middleware.SerializeOutput{}, middleware.Metadata{}, err
		}
		in.Request = r
		return next.HandleSerialize(ctx, in)
	}), middleware.After); err != nil {
		t.Fatal(err)
	}
	if err := stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("Signing", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		c, err := p.Retrieve(ctx)
		if err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
		req := in.Request.(*smithyhttp.Request)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+c.AccessKeyID+"/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=00")
		return next.HandleFinalize(ctx, in)
	}), middleware.After); err != nil {
		t.Fatal(err)
	}
	if err := stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("Errors", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleDeserialize(ctx, in)
		if err != nil {
			return out, md, err
		}
		if resp := out.RawResponse.(*smithyhttp.Response); resp.StatusCode != http.StatusOK {
			return out, md, &smithy.GenericAPIError{Code: "ExpiredTokenException", Message: "The security token included in the request is expired"}
		}
		return out, md, nil
	}), middleware.After); err != nil {
		t.Fatal(err)
	}
	if err := WithRefreshRetry(p)(stack); err != nil {
		t.Fatal(err)
	}
	if err := WithRefreshRetry(p)(stack); err != nil { // a second time is a no-op
		t.Fatal(err)
	}
	n := 0
	client := smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
		keys = append(keys, signingKeyID(r.Header.Get("Authorization")))
		var b []byte
		if r.Body != nil {
			b, _ = io.ReadAll(r.Body)
		}
		bodies = append(bodies, string(b))
		status := http.StatusOK
		if n < len(answers) {
			status = answers[n]
		}
		n++
		return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(""))}, nil
	})
	h := middleware.DecorateHandler(smithyhttp.NewClientHandlerWithOptions(client), stack)
	_, _, err = h.Handle(context.Background(), struct{}{})
	return keys, bodies, err
}

// onlyReader hides every method of a reader but Read: it cannot be rewound.
type onlyReader struct{ io.Reader }

func TestRefreshRetryStream(t *testing.T) {
	tests := []struct {
		name       string
		body       io.Reader
		answers    []int
		wantErr    bool
		wantCalls  int
		wantBodies []string
	}{
		{name: "seekable body is rewound and sent again", body: bytes.NewReader([]byte("payload")),
			answers: []int{403, 200}, wantCalls: 2, wantBodies: []string{"payload", "payload"}},
		{name: "unrewindable body is not retried", body: onlyReader{strings.NewReader("payload")},
			answers: []int{403, 200}, wantErr: true, wantCalls: 1, wantBodies: []string{"payload"}},
		{name: "success is not repeated", body: bytes.NewReader([]byte("payload")),
			answers: []int{200}, wantCalls: 1, wantBodies: []string{"payload"}},
		{name: "no body", body: nil, answers: []int{403, 200}, wantCalls: 2, wantBodies: []string{"", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{lifetime: time.Hour}
			p, rec := newFakeProvider(t, src, 0, 0)
			keys, bodies, err := stackCall(t, p, tt.body, tt.answers...)
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
			if len(keys) != tt.wantCalls {
				t.Fatalf("%d requests, want %d", len(keys), tt.wantCalls)
			}
			if fmt.Sprint(bodies) != fmt.Sprint(tt.wantBodies) {
				t.Errorf("bodies %q, want %q", bodies, tt.wantBodies)
			}
			if tt.wantCalls == 2 {
				if keys[0] == keys[1] {
					t.Errorf("the retry was signed with the rejected key %s", keys[0])
				}
				if n := rec.count(CredentialsRejected); n != 1 {
					t.Errorf("%d CredentialsRejected events, want 1", n)
				}
			}
		})
	}
}

func TestWithRefreshRetryNeedsAnAnchor(t *testing.T) {
	src := &fakeSource{lifetime: time.Hour}
	p, _ := newFakeProvider(t, src, 0, 0)
	stack := middleware.NewStack("Op", smithyhttp.NewStackRequest)
	if err := WithRefreshRetry(p)(stack); err == nil {
		t.Error("added to a stack without a Retry, ResolveAuthScheme or Signing step")
	}
	if err := WithRefreshRetry(nil)(stack); err == nil {
		t.Error("accepted a nil Provider")
	}
}

func TestSigningKeyID(t *testing.T) {
	for _, tt := range []struct{ auth, want string }{
		{"AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE123/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=ab", "ASIAEXAMPLE123"},
		{"AWS4-ECDSA-P256-SHA256 Credential=AKIAEXAMPLE/20260101/bedrock/aws4_request, SignedHeaders=host, Signature=ab", "AKIAEXAMPLE"},
		{"Bearer abc", ""},
		{"", ""},
		{"AWS4-HMAC-SHA256 Credential=broken", ""},
	} {
		if got := signingKeyID(tt.auth); got != tt.want {
			t.Errorf("signingKeyID(%q) = %q, want %q", tt.auth, got, tt.want)
		}
	}
}

// TestRejectedCodes pins which errors count as a rejection of the
// credentials.
func TestRejectedCodes(t *testing.T) {
	var md middleware.Metadata // no Date: the clock is not known to be right
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&smithy.GenericAPIError{Code: "ExpiredTokenException"}, true},
		{&smithy.GenericAPIError{Code: "ExpiredToken"}, true},
		{&smithy.GenericAPIError{Code: "UnrecognizedClientException"}, true},
		{&smithy.GenericAPIError{Code: "InvalidClientTokenId"}, true},
		{fmt.Errorf("operation error: %w", &smithy.GenericAPIError{Code: "ExpiredTokenException"}), true},
		{&smithy.GenericAPIError{Code: "RequestExpired"}, false},
		{&smithy.GenericAPIError{Code: "UnauthorizedException"}, false}, // the SSO portal's, not a signed request's
		{&smithy.GenericAPIError{Code: "AccessDeniedException"}, false},
		{&smithy.GenericAPIError{Code: "InvalidSignatureException"}, false},
		{&smithy.GenericAPIError{Code: "ThrottlingException"}, false},
		{&smithy.GenericAPIError{Code: "ExpiredToken", Message: "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z"}, false},
		{errors.New("ExpiredTokenException"), false},
		{&engine.LoginError{Command: "x", Err: errors.New("boom")}, false},
	} {
		if got := rejected(tt.err, md); got != tt.want {
			t.Errorf("rejected(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
