package engine

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/awsfresh/awsfresh/internal/creds"
)

// Kind is the cause of an AWS error, as far as it decides what to do.
type Kind int

// The kinds of error Classify tells apart.
const (
	KindUnknown       Kind = iota
	KindLoginExpired       // credentials or SSO session expired or rejected: a refresh helps
	KindClockSkew          // the request's time is off: fix the clock, not the login
	KindAccessDenied       // the credentials are valid but lack a permission
	KindNetwork            // AWS could not be reached: says nothing about the credentials
	KindNoCredentials      // nothing configured or cached yet: a login may create them
	KindServiceError       // AWS answered with a server error or something unreadable: says nothing about the credentials
)

func (k Kind) String() string {
	return [...]string{"unknown", "login expired", "clock skew", "access denied", "network", "no credentials", "service error"}[k]
}

// Advice is a sentence a person can act on.
func (k Kind) Advice(identity string) string {
	switch k {
	case KindLoginExpired:
		return "the AWS login has expired; a refresh is needed"
	case KindClockSkew:
		return "AWS rejected the request time; check the system clock (refreshing will not help)"
	case KindAccessDenied:
		who := ""
		if identity != "" {
			who = " (" + identity + ")"
		}
		return "credentials are valid" + who + "; this is a permissions problem, refreshing will not help"
	case KindNetwork:
		return "could not reach AWS; check the network or proxy (the credentials were not judged expired)"
	case KindNoCredentials:
		return "no credentials are configured or cached for this profile"
	case KindServiceError:
		return "AWS answered with a server error or an unreadable response; try again later (the credentials were not judged expired)"
	}
	return "AWS request failed"
}

// Rejected reports whether AWS refused the credentials themselves: a
// refresh may help.
func (k Kind) Rejected() bool { return k == KindLoginExpired || k == KindNoCredentials }

// RejectsCredentials reports whether err is AWS refusing the credentials
// that signed a request, on any service: they expired, or AWS does not
// know them (revoked, or never valid). A request refused for its time
// ("Signature expired", RequestExpired) is not included: that is the
// clock's fault unless the response's Date shows the clock is right, which
// only the caller that has the response can tell.
func RejectsCredentials(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && !strings.Contains(api.ErrorMessage(), "Signature expired") &&
		credentialsRefusedCode(api.ErrorCode())
}

// credentialsRefusedCode: the error codes of a refused access key or
// session token.
func credentialsRefusedCode(code string) bool {
	switch code {
	case "ExpiredToken", // query services, STS
		"ExpiredTokenException",       // JSON services, Bedrock
		"InvalidClientTokenId",        // query services: unknown or revoked key
		"UnrecognizedClientException": // JSON services: unknown key or token
		return true
	}
	return false
}

// ssoTokenRefusedCode: the error codes of IAM Identity Center refusing the
// SSO session's tokens.
func ssoTokenRefusedCode(code string) bool {
	switch code {
	case "UnauthorizedException", // SSO portal: access token expired or revoked
		"InvalidGrantException": // SSO OIDC: refresh token expired
		return true
	}
	return false
}

// clockCode: the error codes of a request refused for its time.
func clockCode(code string) bool {
	switch code {
	case "RequestExpired", "RequestTimeTooSkewed", "RequestInTheFuture":
		return true
	}
	return false
}

// Classify tells what kind of failure err is.
func Classify(err error) Kind {
	if err == nil {
		return KindUnknown
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code, msg := api.ErrorCode(), api.ErrorMessage()
		switch {
		case strings.Contains(msg, "Signature expired") || strings.Contains(msg, "Signature not yet current") || clockCode(code):
			return KindClockSkew
		case credentialsRefusedCode(code) || ssoTokenRefusedCode(code):
			return KindLoginExpired
		case strings.HasPrefix(code, "AccessDenied"):
			return KindAccessDenied
		}
	}
	var tokErr *ssocreds.InvalidTokenError
	if errors.As(err, &tokErr) {
		return KindLoginExpired
	}
	var noProfile config.SharedConfigProfileNotExistError
	if errors.As(err, &noProfile) {
		return KindNoCredentials
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		switch code := respErr.HTTPStatusCode(); {
		case code == 401:
			return KindLoginExpired
		case code >= 500:
			return KindServiceError
		}
	}
	var deser *smithy.DeserializationError
	if errors.As(err, &deser) {
		return KindServiceError
	}
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return KindNetwork
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindNetwork
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "failed to refresh cached credentials, no EC2 IMDS role found"),
		strings.Contains(msg, "failed to retrieve credentials"),
		strings.Contains(msg, "no credentials configured"),
		strings.Contains(msg, "SSO session has expired"),
		strings.Contains(msg, "the SSO session has expired or is invalid"),
		strings.Contains(msg, "cached SSO token"),
		strings.Contains(msg, "read cached SSO token"):
		return KindNoCredentials
	}
	return KindUnknown
}

// summary is a short, redacted description of err for the cooldown record.
func summary(err error) string {
	s := creds.Redact(err.Error())
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
