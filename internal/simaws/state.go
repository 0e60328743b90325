package simaws

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// principal is an identity as GetCallerIdentity reports it.
type principal struct {
	arn     string
	userID  string
	account string
	// user is true for IAM users (long-term keys and their session tokens).
	user bool
}

// credential is an access key the simulation issued.
type credential struct {
	accessKeyID  string
	secret       string
	sessionToken string    // empty for long-term keys
	expires      time.Time // zero: never
	revoked      bool
	principal    principal
}

func (c *credential) temporary() bool { return c.sessionToken != "" }

// oidcClient is a registered SSO OIDC client, as `aws sso login` registers.
type oidcClient struct {
	id      string
	secret  string
	expires time.Time
	// What RegisterClient was asked for (see oidc.go).
	grantTypes   []string
	scopes       []string
	redirectURIs []string
}

// refreshable reports whether tokens issued to the client come with a
// refresh token: as on AWS, only for clients registered with scopes and
// allowed the refresh_token grant.
func (c *oidcClient) refreshable() bool {
	return len(c.scopes) > 0 && slices.Contains(c.grantTypes, GrantRefreshToken)
}

type accessToken struct {
	clientID string
	expires  time.Time
}

type refreshToken struct {
	clientID string
	expires  time.Time
	used     bool
	revoked  bool
}

// SSOToken is an IAM Identity Center session as `aws sso login` caches it.
// Its String and GoString methods never show a token or the client secret.
type SSOToken struct {
	AccessToken           string
	RefreshToken          string
	ClientID              string
	ClientSecret          string
	ExpiresAt             time.Time // of the access token
	RegistrationExpiresAt time.Time // of the client registration (zero: unknown)
}

// String describes t without its secrets.
func (t SSOToken) String() string {
	return fmt.Sprintf("SSOToken{ExpiresAt: %s}", t.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString describes t without its secrets, for %#v.
func (t SSOToken) GoString() string { return "simaws." + t.String() }

const (
	keyAlphabet    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	// maxChainedRoleLifetime caps role chaining, as on real AWS.
	maxChainedRoleLifetime = time.Hour
)

// randomString returns n characters drawn uniformly from alphabet, whose
// length must divide 256.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("simaws: crypto/rand: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("simaws: crypto/rand: " + err.Error())
	}
	return b
}

// randomToken returns n random bytes, URL-safe base64 encoded.
func randomToken(n int) string { return base64.RawURLEncoding.EncodeToString(randomBytes(n)) }

func newAccessKeyID(prefix string) string { return prefix + randomString(keyAlphabet, 16) }
func newSecret() string                   { return randomString(secretAlphabet, 40) }
func newUniqueID(prefix string) string    { return prefix + randomString(keyAlphabet, 17) }

// newSessionToken returns a long random base64 token shaped like real STS
// session tokens (which start with the encoding of a protobuf header).
func newSessionToken() string {
	return "IQoJb3JpZ2luX2Vj" + base64.StdEncoding.EncodeToString(randomBytes(330))
}

func newRequestID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// digest keys token maps, so lookups do not compare secrets byte by byte.
func digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func equalSecret(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// MaskKey shortens an access key ID to its type prefix and last four
// characters ("AKIA…WXYZ"), the most of a key ID that may appear in a log.
func MaskKey(accessKeyID string) string {
	if len(accessKeyID) < 12 {
		return "…"
	}
	return accessKeyID[:4] + "…" + accessKeyID[len(accessKeyID)-4:]
}

// CreateUser creates (or reuses) the IAM user name and returns a new
// long-term access key for it: an "AKIA" key ID and a 40-character secret
// that never expire.
func (s *Server) CreateUser(name string) (accessKeyID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.users[name]
	if !ok {
		p = principal{
			arn:     fmt.Sprintf("arn:aws:iam::%s:user/%s", s.accountID, name),
			userID:  newUniqueID("AIDA"),
			account: s.accountID,
			user:    true,
		}
		s.users[name] = p
	}
	c := &credential{accessKeyID: newAccessKeyID("AKIA"), secret: newSecret(), principal: p}
	s.creds[c.accessKeyID] = c
	return c.accessKeyID, c.secret
}

// issueTemporaryLocked issues "ASIA" credentials for p that expire after
// lifetime (rounded to milliseconds, as the wire formats carry them).
func (s *Server) issueTemporaryLocked(p principal, lifetime time.Duration) *credential {
	c := &credential{
		accessKeyID:  newAccessKeyID("ASIA"),
		secret:       newSecret(),
		sessionToken: newSessionToken(),
		expires:      s.nowLocked().Add(lifetime).Truncate(time.Millisecond),
		principal:    p,
	}
	s.creds[c.accessKeyID] = c
	return c
}

// roleIDLocked returns the stable AROA… unique ID of a role.
func (s *Server) roleIDLocked(roleARN string) string {
	id, ok := s.roleIDs[roleARN]
	if !ok {
		id = newUniqueID("AROA")
		s.roleIDs[roleARN] = id
	}
	return id
}

// ExpireCredentials makes every temporary credential issued so far expire
// now; requests signed with them answer ExpiredToken. Long-term keys are
// unaffected.
func (s *Server) ExpireCredentials() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	for _, c := range s.creds {
		if c.temporary() && (c.expires.IsZero() || c.expires.After(now)) {
			c.expires = now
		}
	}
}

// Revoke makes the access key unknown from now on: requests signed with it
// answer InvalidClientTokenId (STS) or UnrecognizedClientException (Bedrock).
func (s *Server) Revoke(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.creds[accessKeyID]; ok {
		c.revoked = true
	}
}

// IssueSSOToken registers a new OIDC client and starts a new IAM Identity
// Center session for it, as `aws sso login` does, returning the access token
// (valid for the SSO token lifetime) and its refresh token.
func (s *Server) IssueSSOToken() SSOToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.registerClientLocked([]string{GrantDeviceCode, GrantRefreshToken}, []string{ScopeAccountAccess}, nil)
	access, refresh, exp := s.issueSSOTokensLocked(cl)
	return SSOToken{
		AccessToken:           access,
		RefreshToken:          refresh,
		ClientID:              cl.id,
		ClientSecret:          cl.secret,
		ExpiresAt:             exp,
		RegistrationExpiresAt: cl.expires,
	}
}

// issueSSOTokensLocked issues an access token for cl and, when cl is
// refreshable, a refresh token that lives as long as its registration.
func (s *Server) issueSSOTokensLocked(cl *oidcClient) (access, refresh string, expires time.Time) {
	now := s.nowLocked()
	access = "aoa" + randomToken(120)
	expires = now.Add(s.ssoLifetime).Truncate(time.Millisecond)
	s.accessTokens[digest(access)] = &accessToken{clientID: cl.id, expires: expires}
	if cl.refreshable() {
		refresh = "aor" + randomToken(120)
		s.refreshTokens[digest(refresh)] = &refreshToken{clientID: cl.id, expires: cl.expires}
	}
	return access, refresh, expires
}

// ExpireSSOTokens makes every SSO access token issued so far expire now.
// Refresh tokens stay valid (unless [Server.RevokeRefreshTokens]), so the
// SDK can still renew the session silently with CreateToken.
func (s *Server) ExpireSSOTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	for _, t := range s.accessTokens {
		if t.expires.After(now) {
			t.expires = now
		}
	}
}

// RevokeRefreshTokens makes every refresh token issued so far invalid:
// CreateToken with one answers InvalidGrantException.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.refreshTokens {
		t.revoked = true
	}
}
