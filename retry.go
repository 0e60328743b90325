package awsfresh

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

// Middleware IDs added by WithRefreshRetry.
const (
	retryID     = "awsfresh.RefreshRetry"
	recordKeyID = "awsfresh.RecordSigningKey"
)

// maxClockDifference is how far the response's Date may be from the local
// clock for a RequestExpired error to be taken as a rejection of the
// credentials rather than as a wrong clock. AWS accepts requests signed up
// to 5 minutes off, so a clock within this bound cannot be the cause.
const maxClockDifference = time.Minute

// WithRefreshRetry returns an option for the APIOptions of any AWS SDK for
// Go v2 client (or of an aws.Config) whose Credentials is p. When a call
// fails because AWS rejected its credentials as expired or invalid — error
// codes ExpiredTokenException, ExpiredToken, UnrecognizedClientException,
// InvalidClientTokenId, and RequestExpired when the response's Date shows
// that the local clock is right — it makes p forget them, obtains new ones
// as Retrieve would (running the login command if needed, once for all
// concurrent calls, bounded, not during a cooldown), and retries the call
// once, signed with the new credentials.
//
// Every other error, and a rejection of credentials p did not hand out, is
// returned untouched; so is the retry's own error. A call whose request body
// cannot be rewound (an input event stream) is not retried; nor is a call
// that already returned a response, so a streaming call that has delivered
// data is never repeated. When getting new credentials fails, the call
// returns a *RefreshError that wraps both the refresh failure and AWS's
// rejection.
//
// The step wraps the SDK's own retry loop, so the SDK's retries of
// throttling and transient errors happen inside each of the (at most two)
// attempts. Adding it twice to a stack adds it once.
//
// When the client's Credentials is not p itself but a cache around it —
// config.LoadDefaultConfig with config.WithCredentialsProvider(p) wraps p in
// an aws.CredentialsCache — pass that cache as well (cfg.Credentials, or
// whatever the client's Options.Credentials is): the step invalidates it
// before the retry, so that the retry is signed with p's new credentials.
// A middleware cannot see a client's Credentials by itself. Passing p, or
// anything without an Invalidate method, does nothing; without the cache,
// the retry of a rejected call reuses the cached credentials and fails.
func WithRefreshRetry(p *Provider, clientCredentials ...aws.CredentialsProvider) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		if p == nil {
			return errors.New("awsfresh: WithRefreshRetry needs a Provider")
		}
		if _, ok := stack.Finalize.Get(retryID); ok {
			return nil
		}
		m := &refreshRetry{p: p, caches: invalidators(clientCredentials)}
		inserted := false
		for _, anchor := range []string{"Retry", "ResolveAuthScheme", "Signing"} {
			if _, ok := stack.Finalize.Get(anchor); ok {
				if err := stack.Finalize.Insert(m, anchor, middleware.Before); err != nil {
					return fmt.Errorf("awsfresh: add %s: %w", retryID, err)
				}
				inserted = true
				break
			}
		}
		if !inserted {
			return fmt.Errorf("awsfresh: cannot add %s: the client's middleware stack has no Retry, ResolveAuthScheme or Signing step", retryID)
		}
		if _, ok := stack.Deserialize.Get(recordKeyID); !ok {
			if err := stack.Deserialize.Add(recordSigningKey{}, middleware.Before); err != nil {
				return fmt.Errorf("awsfresh: add %s: %w", recordKeyID, err)
			}
		}
		return nil
	}
}

// refreshRetry is the Finalize step that retries a call whose credentials
// AWS rejected.
type refreshRetry struct {
	p      *Provider
	caches []invalidator // caches between the client and p, emptied before a retry
}

// invalidator is what aws.CredentialsCache offers to forget its
// credentials.
type invalidator interface{ Invalidate() }

func invalidators(ps []aws.CredentialsProvider) []invalidator {
	var out []invalidator
	for _, c := range ps {
		if inv, ok := c.(invalidator); ok {
			out = append(out, inv)
		}
	}
	return out
}

func (*refreshRetry) ID() string { return retryID }

func (m *refreshRetry) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return next.HandleFinalize(ctx, in)
	}
	first := &attemptState{}
	out, md, err := next.HandleFinalize(withAttempt(ctx, first), cloneInput(in, req))
	if err == nil || !rejected(err, md) || ctx.Err() != nil {
		return out, md, err
	}
	keyID := first.keyID()
	if keyID == "" || (req.GetStream() != nil && !req.IsStreamSeekable()) {
		return out, md, err
	}
	awsErr := err
	if isRequestExpired(err) {
		awsErr = &requestExpiredRejection{err: err}
	}
	if rerr := m.p.reject(ctx, keyID, awsErr); rerr != nil {
		if errors.Is(rerr, errNotOurs) {
			return out, md, err
		}
		var re *RefreshError
		if errors.As(rerr, &re) {
			re.Rejected = err
		}
		return out, md, rerr
	}
	for _, c := range m.caches {
		c.Invalidate()
	}
	if rwErr := req.RewindStream(); rwErr != nil {
		return out, md, err
	}
	second := &attemptState{}
	out, md, err = next.HandleFinalize(withAttempt(ctx, second), cloneInput(in, req))
	if err != nil && second.keyID() == keyID {
		m.p.report(Event{Kind: Warning, Message: fmt.Sprintf(
			"the retry was signed with the rejected credentials (%s) again: the client's credentials are cached outside the awsfresh Provider (an aws.CredentialsCache?); pass that cache to WithRefreshRetry, or use the Provider itself as Credentials",
			creds.MaskKeyID(keyID))})
	}
	return out, md, err
}

// cloneInput gives each attempt its own copy of the request, so that the
// headers the first attempt's signing set do not leak into the second.
func cloneInput(in middleware.FinalizeInput, req *smithyhttp.Request) middleware.FinalizeInput {
	in.Request = req.Clone()
	return in
}

// rejected reports whether err means AWS refused the credentials: as the
// engine classifies them, or RequestExpired while the clock was right.
func rejected(err error, md middleware.Metadata) bool {
	return engine.RejectsCredentials(err) || (isRequestExpired(err) && clockAgrees(md))
}

// isRequestExpired reports whether err is a RequestExpired error that does
// not blame the signature's time outright.
func isRequestExpired(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "RequestExpired" &&
		!strings.Contains(api.ErrorMessage(), "Signature expired")
}

// clockAgrees reports whether the response's Date header shows that the
// local clock was right when the response arrived. Without a Date header
// nothing is known, and a wrong clock is assumed.
func clockAgrees(md middleware.Metadata) bool {
	server, ok := awsmiddleware.GetServerTime(md)
	if !ok {
		return false
	}
	at, ok := awsmiddleware.GetResponseAt(md)
	if !ok {
		return false
	}
	d := server.Sub(at)
	return -maxClockDifference < d && d < maxClockDifference
}

// requestExpiredRejection presents a RequestExpired error, received while
// the clock was right, to the engine as what it then is: the credentials'
// session has expired. (The engine classifies RequestExpired as clock
// skew.) It unwraps to the original error.
type requestExpiredRejection struct{ err error }

func (e *requestExpiredRejection) Error() string {
	return "request expired although the local clock is right (the credentials' session has likely expired): " + e.err.Error()
}
func (e *requestExpiredRejection) Unwrap() error                 { return e.err }
func (e *requestExpiredRejection) ErrorCode() string             { return "ExpiredToken" }
func (e *requestExpiredRejection) ErrorMessage() string          { return e.Error() }
func (e *requestExpiredRejection) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

// attemptState records which access key signed an attempt.
type attemptState struct {
	mu  sync.Mutex
	key string
}

func (s *attemptState) keyID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key
}

func (s *attemptState) set(keyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key = keyID
}

type attemptKey struct{}

func withAttempt(ctx context.Context, s *attemptState) context.Context {
	return context.WithValue(ctx, attemptKey{}, s)
}

// recordSigningKey is the Deserialize step that notes the access key ID the
// request was signed with (the last of the SDK's attempts wins), read from
// its Authorization header.
type recordSigningKey struct{}

func (recordSigningKey) ID() string { return recordKeyID }

func (recordSigningKey) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
	middleware.DeserializeOutput, middleware.Metadata, error,
) {
	if s, ok := ctx.Value(attemptKey{}).(*attemptState); ok {
		if req, ok := in.Request.(*smithyhttp.Request); ok {
			if k := signingKeyID(req.Header.Get("Authorization")); k != "" {
				s.set(k)
			}
		}
	}
	return next.HandleDeserialize(ctx, in)
}

// signingKeyID returns the access key ID of a Signature Version 4 (or 4a)
// Authorization header: "AWS4-HMAC-SHA256 Credential=AKID/date/region/
// service/aws4_request, SignedHeaders=..., Signature=...".
func signingKeyID(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	key, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return key
}
