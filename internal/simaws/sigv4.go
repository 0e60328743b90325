package simaws

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// authKind classifies why a signed request was refused. Each protocol maps
// it to its own error code.
type authKind int

const (
	authOK               authKind = iota
	authMissing                   // no Authorization header
	authIncomplete                // malformed Authorization or missing X-Amz-Date
	authUnknownKey                // unknown or revoked key, or wrong session token
	authBadSignature              // signature (or its scope) does not match
	authSkewed                    // X-Amz-Date more than 5 minutes off
	authExpired                   // temporary credentials past expiry
	authUnsupportedToken          // bearer token where SigV4 is required
)

// authError is the outcome of a refused authentication. msg is the
// service-independent message where one applies (scope and skew errors).
type authError struct {
	kind authKind
	msg  string
}

const amzDateFormat = "20060102T150405Z"

// sigV4Auth is a parsed SigV4 Authorization header.
type sigV4Auth struct {
	accessKeyID   string
	date          string // from the credential scope, YYYYMMDD
	region        string
	service       string
	signedHeaders []string
	signature     string
}

func parseAuthorization(h string) (sigV4Auth, bool) {
	var a sigV4Auth
	const alg = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(h, alg) {
		return a, false
	}
	var cred, signed string
	for _, part := range strings.Split(h[len(alg):], ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return a, false
		}
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			a.signature = v
		}
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || signed == "" || a.signature == "" {
		return a, false
	}
	a.accessKeyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	a.signedHeaders = strings.Split(signed, ";")
	return a, true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// authenticate verifies the SigV4 signature of r, whose body has already
// been read into body, for the signing name service. On success it returns
// the credential that signed the request and the region of its scope.
// The checks run in the order real AWS reports them: malformed header,
// unknown key or token, request time, signature, expiry.
func (s *Server) authenticate(rp *reply, r *http.Request, body []byte, service string) (*credential, string, *authError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, "", &authError{kind: authMissing}
	}
	if strings.HasPrefix(h, "Bearer ") {
		return nil, "", &authError{kind: authUnsupportedToken}
	}
	a, ok := parseAuthorization(h)
	if !ok {
		return nil, "", &authError{kind: authIncomplete, msg: "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters of algorithm AWS4-HMAC-SHA256."}
	}
	rp.key = MaskKey(a.accessKeyID)
	amzDate := r.Header.Get("X-Amz-Date")
	signingTime, err := time.Parse(amzDateFormat, amzDate)
	if err != nil || !contains(a.signedHeaders, "x-amz-date") || !contains(a.signedHeaders, "host") {
		return nil, "", &authError{kind: authIncomplete, msg: "Authorization header requires existence of a signed 'X-Amz-Date' header and a signed 'Host' header."}
	}

	s.mu.Lock()
	c, known := s.creds[a.accessKeyID]
	var cc credential
	if known {
		cc = *c
	}
	now := s.nowLocked()
	s.mu.Unlock()

	token := r.Header.Get("X-Amz-Security-Token")
	if !known || cc.revoked {
		return nil, "", &authError{kind: authUnknownKey}
	}
	if cc.temporary() != (token != "") || (cc.temporary() && !equalSecret(token, cc.sessionToken)) {
		return nil, "", &authError{kind: authUnknownKey}
	}

	if d := signingTime.Sub(now); d > MaxSignatureSkew || d < -MaxSignatureSkew {
		return nil, "", &authError{kind: authSkewed, msg: skewMessage(signingTime, now)}
	}

	if a.date != signingTime.Format("20060102") {
		return nil, "", &authError{kind: authBadSignature, msg: fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			a.date, signingTime.Format("20060102"), amzDate)}
	}
	if a.service != service {
		return nil, "", &authError{kind: authBadSignature, msg: fmt.Sprintf("Credential should be scoped to correct service: '%s'.", service)}
	}

	want, err := expectedSignature(r, body, a, cc, signingTime)
	if err != nil {
		return nil, "", &authError{kind: authBadSignature, msg: err.Error()}
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(a.signature)) != 1 {
		return nil, "", &authError{kind: authBadSignature}
	}

	if !cc.expires.IsZero() && !now.Before(cc.expires) {
		return nil, "", &authError{kind: authExpired}
	}
	return &cc, a.region, nil
}

// skewMessage is real AWS's message for a request signed too far from its
// clock.
func skewMessage(signed, now time.Time) string {
	if signed.Before(now) {
		return fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 5 min.)",
			signed.UTC().Format(amzDateFormat), now.Add(-MaxSignatureSkew).UTC().Format(amzDateFormat), now.UTC().Format(amzDateFormat))
	}
	return fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 5 min.)",
		signed.UTC().Format(amzDateFormat), now.Add(MaxSignatureSkew).UTC().Format(amzDateFormat), now.UTC().Format(amzDateFormat))
}

// expectedSignature recomputes the request's signature with the SDK's own
// signer: over a copy of the request that carries exactly the headers the
// client signed, its X-Amz-Date, the region and service of its credential
// scope and the SHA-256 of the body received.
func expectedSignature(r *http.Request, body []byte, a sigV4Auth, c credential, signingTime time.Time) (string, error) {
	payloadHash := sha256.Sum256(body)
	hash := hex.EncodeToString(payloadHash[:])
	if declared := r.Header.Get("X-Amz-Content-Sha256"); declared != "" {
		switch {
		case declared == "UNSIGNED-PAYLOAD":
			hash = declared
		case declared != hash:
			return "", fmt.Errorf("the provided 'x-amz-content-sha256' header does not match what was computed")
		}
	}

	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		u = &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	}
	u.Scheme, u.Host = "http", r.Host
	cp := &http.Request{Method: r.Method, URL: u, Host: r.Host, Header: make(http.Header)}
	for _, name := range a.signedHeaders {
		switch name {
		case "host":
		case "content-length":
			cp.ContentLength = r.ContentLength
		default:
			cp.Header[textproto.CanonicalMIMEHeaderKey(name)] = r.Header.Values(name)
		}
	}

	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		o.DisableSessionToken = !contains(a.signedHeaders, "x-amz-security-token")
	})
	creds := aws.Credentials{AccessKeyID: c.accessKeyID, SecretAccessKey: c.secret, SessionToken: c.sessionToken}
	if err := signer.SignHTTP(context.Background(), creds, cp, hash, a.service, a.region, signingTime); err != nil {
		return "", fmt.Errorf("cannot compute signature: %w", err)
	}
	computed, ok := parseAuthorization(cp.Header.Get("Authorization"))
	if !ok {
		return "", fmt.Errorf("cannot compute signature")
	}
	return computed.signature, nil
}
