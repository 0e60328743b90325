package simaws

import (
	"encoding/xml"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"time"
)

const (
	stsXMLNS   = "https://sts.amazonaws.com/doc/2011-06-15/"
	stsVersion = "2011-06-15"

	msgInvalidToken   = "The security token included in the request is invalid."
	msgExpiredToken   = "The security token included in the request is expired"
	msgBadSignature   = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgRequestExpired = "Request has expired."
)

// The patterns AssumeRole checks its parameters against, compiled on
// first use: the awsfresh binary links this package (for its demo), so
// nothing here may cost a start-up.
var (
	roleARNPattern = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$`)
	})
	sessionNamePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{2,64}$`) })
)

type stsErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type getCallerIdentityResponse struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	Meta responseMetadata `xml:"ResponseMetadata"`
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		AssumedRoleUser struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string `xml:"Arn"`
		} `xml:"AssumedRoleUser"`
		Credentials stsCredentials `xml:"Credentials"`
	} `xml:"AssumeRoleResult"`
	Meta responseMetadata `xml:"ResponseMetadata"`
}

type getSessionTokenResponse struct {
	XMLName xml.Name `xml:"GetSessionTokenResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials stsCredentials `xml:"Credentials"`
	} `xml:"GetSessionTokenResult"`
	Meta responseMetadata `xml:"ResponseMetadata"`
}

func (rp *reply) xml(v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		rp.stsError(http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error.")
		return
	}
	rp.header("text/xml", http.StatusOK)
	_, _ = rp.w.Write(append([]byte(xml.Header), out...))
}

// stsError answers in STS's XML ErrorResponse format.
func (rp *reply) stsError(status int, code, msg string) {
	rp.code = code
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	out, _ := xml.Marshal(stsErrorResponse{Xmlns: stsXMLNS, Type: typ, Code: code, Message: msg, RequestID: rp.reqID})
	rp.header("text/xml", status)
	_, _ = rp.w.Write(append([]byte(xml.Header), out...))
}

// stsAuthError maps a refused authentication to STS's answer.
func (s *Server) stsAuthError(rp *reply, e *authError) {
	switch e.kind {
	case authMissing:
		rp.stsError(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	case authIncomplete, authUnsupportedToken:
		msg := e.msg
		if msg == "" {
			msg = "Authorization header requires AWS4-HMAC-SHA256 Signature Version 4."
		}
		rp.stsError(http.StatusBadRequest, "IncompleteSignature", msg)
	case authUnknownKey:
		rp.stsError(http.StatusForbidden, "InvalidClientTokenId", msgInvalidToken)
	case authSkewed:
		if s.skewExpired {
			rp.stsError(http.StatusBadRequest, "RequestExpired", msgRequestExpired)
		} else {
			rp.stsError(http.StatusForbidden, "SignatureDoesNotMatch", e.msg)
		}
	case authExpired:
		rp.stsError(http.StatusForbidden, "ExpiredToken", msgExpiredToken)
	default:
		msg := e.msg
		if msg == "" {
			msg = msgBadSignature
		}
		rp.stsError(http.StatusForbidden, "SignatureDoesNotMatch", msg)
	}
}

// stsTime formats an expiry as STS does, with milliseconds only when present.
func stsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999Z") }

func (s *Server) handleSTS(rp *reply, r *http.Request, body []byte) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" {
			form, err := url.ParseQuery(string(body))
			if err != nil {
				s.count(OpUnknown)
				rp.stsError(http.StatusBadRequest, "MalformedQueryString", "The request body is not a valid form.")
				return
			}
			for k, v := range form {
				params[k] = v
			}
		}
	} else if r.Method != http.MethodGet {
		s.count(OpUnknown)
		rp.stsError(http.StatusMethodNotAllowed, "InvalidAction", "Method not allowed.")
		return
	}

	action := params.Get("Action")
	switch action {
	case OpGetCallerIdentity, OpAssumeRole, OpGetSessionToken:
		rp.op = action
		s.count(action)
	default:
		s.count(OpUnknown)
		if action == "" {
			rp.stsError(http.StatusBadRequest, "MissingAction", "Missing Action")
		} else {
			rp.stsError(http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, stsVersion))
		}
		return
	}
	if v := params.Get("Version"); v != stsVersion {
		rp.stsError(http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, v))
		return
	}

	c, _, aerr := s.authenticate(rp, r, body, "sts")
	if aerr != nil {
		s.stsAuthError(rp, aerr)
		return
	}

	s.mu.Lock()
	denied := s.deniedLocked(action, c)
	s.mu.Unlock()
	if denied {
		rp.stsError(http.StatusForbidden, "AccessDenied", fmt.Sprintf(
			"User: %s is not authorized to perform: sts:%s because no identity-based policy allows the sts:%s action",
			c.principal.arn, action, action))
		return
	}

	switch action {
	case OpGetCallerIdentity:
		var out getCallerIdentityResponse
		out.Xmlns = stsXMLNS
		out.Result.Arn = c.principal.arn
		out.Result.UserID = c.principal.userID
		out.Result.Account = c.principal.account
		out.Meta.RequestID = rp.reqID
		rp.xml(out)
	case OpAssumeRole:
		s.assumeRole(rp, params, c)
	case OpGetSessionToken:
		s.getSessionToken(rp, params, c)
	}
}

// durationParam reads DurationSeconds, which must lie within [lo, hi].
func durationParam(rp *reply, params url.Values, lo, hi int) (time.Duration, bool) {
	v := params.Get("DurationSeconds")
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		rp.stsError(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must be an integer")
	case n < lo:
		rp.stsError(http.StatusBadRequest, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", n, lo))
	case n > hi:
		rp.stsError(http.StatusBadRequest, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", n, hi))
	default:
		return time.Duration(n) * time.Second, true
	}
	return 0, false
}

func (s *Server) assumeRole(rp *reply, params url.Values, caller *credential) {
	roleARN := params.Get("RoleArn")
	session := params.Get("RoleSessionName")
	m := roleARNPattern().FindStringSubmatch(roleARN)
	if m == nil {
		rp.stsError(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must be a valid IAM role ARN")
		return
	}
	if !sessionNamePattern().MatchString(session) {
		rp.stsError(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}")
		return
	}
	requested, ok := durationParam(rp, params, 900, 43200)
	if !ok {
		return
	}

	s.mu.Lock()
	lifetime := s.roleLifetime
	if requested > 0 && requested < lifetime {
		lifetime = requested
	}
	if !caller.principal.user && lifetime > maxChainedRoleLifetime {
		lifetime = maxChainedRoleLifetime
	}
	account, roleName := m[1], m[2]
	roleID := s.roleIDLocked(roleARN)
	p := principal{
		arn:     fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, roleName, session),
		userID:  roleID + ":" + session,
		account: account,
	}
	c := s.issueTemporaryLocked(p, lifetime)
	s.mu.Unlock()

	var out assumeRoleResponse
	out.Xmlns = stsXMLNS
	out.Result.AssumedRoleUser.AssumedRoleID = p.userID
	out.Result.AssumedRoleUser.Arn = p.arn
	out.Result.Credentials = stsCredentials{
		AccessKeyID:     c.accessKeyID,
		SecretAccessKey: c.secret,
		SessionToken:    c.sessionToken,
		Expiration:      stsTime(c.expires),
	}
	out.Meta.RequestID = rp.reqID
	rp.xml(out)
}

func (s *Server) getSessionToken(rp *reply, params url.Values, caller *credential) {
	if caller.temporary() {
		rp.stsError(http.StatusForbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials")
		return
	}
	requested, ok := durationParam(rp, params, 900, 129600)
	if !ok {
		return
	}
	s.mu.Lock()
	lifetime := s.sessionLifetime
	if requested > 0 && requested < lifetime {
		lifetime = requested
	}
	c := s.issueTemporaryLocked(caller.principal, lifetime)
	s.mu.Unlock()

	var out getSessionTokenResponse
	out.Xmlns = stsXMLNS
	out.Result.Credentials = stsCredentials{
		AccessKeyID:     c.accessKeyID,
		SecretAccessKey: c.secret,
		SessionToken:    c.sessionToken,
		Expiration:      stsTime(c.expires),
	}
	out.Meta.RequestID = rp.reqID
	rp.xml(out)
}
