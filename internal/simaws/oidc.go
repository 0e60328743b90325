package simaws

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// SSO OIDC grant types, as RegisterClient and CreateToken name them.
const (
	GrantDeviceCode   = "urn:ietf:params:oauth:grant-type:device_code"
	GrantAuthCode     = "authorization_code"
	GrantRefreshToken = "refresh_token"
)

// ScopeAccountAccess is the scope that lets a token get role credentials
// (and, on AWS, the one that makes CreateToken return a refresh token).
const ScopeAccountAccess = "sso:account:access"

// Defaults used when the corresponding [SignInOptions] field is zero.
const (
	DefaultRegistrationLifetime = 90 * 24 * time.Hour // as for `aws sso login`
	DefaultDeviceCodeLifetime   = 10 * time.Minute    // AWS answers expiresIn 600
	DefaultDevicePollInterval   = time.Second         // AWS answers interval 1
)

// SlowDownStep is how much longer a client must wait between polls after
// each SlowDownException (RFC 8628, section 3.5).
const SlowDownStep = 5 * time.Second

// authCodeLifetime is how long an authorization code can be exchanged.
const authCodeLifetime = 5 * time.Minute

// SignInOptions configures the simulated IAM Identity Center sign-in.
type SignInOptions struct {
	// RegistrationLifetime is how long a client registration, and the
	// refresh tokens issued to it, stay valid (default 90 days).
	RegistrationLifetime time.Duration
	// DeviceCodeLifetime is how long a device authorization can be approved
	// and polled (default 10 minutes).
	DeviceCodeLifetime time.Duration
	// DevicePollInterval is the interval StartDeviceAuthorization asks
	// clients to wait between polls (default 1 second; whole seconds on the
	// wire, at least 1).
	DevicePollInterval time.Duration
	// DeviceSlowDowns makes the first n polls of each device authorization
	// answer SlowDownException, as AWS does to a client it finds too eager.
	// Polls sooner than the interval answer SlowDownException regardless.
	DeviceSlowDowns int
	// OnDeviceAuthorization, when set, is called in a goroutine of its own
	// with each device authorization StartDeviceAuthorization issues: the
	// simulated user can then approve it (see [Server.ApproveDevice]).
	OnDeviceAuthorization func(DeviceAuthorization)
}

// DeviceAuthorization is a device authorization as the simulated user sees
// it, with the record of its polls. It holds no secret: the device code
// stays inside the simulation.
type DeviceAuthorization struct {
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string
	IssuedAt, ExpiresAt     time.Time
	// Interval is the current polling interval, grown by every slow-down.
	Interval time.Duration
	// State is "pending", "approved", "denied" or "redeemed".
	State string
	// Polls are the CreateToken calls made with its device code.
	Polls []DevicePoll
}

// DevicePoll is one CreateToken call with a device code.
type DevicePoll struct {
	At time.Time // the simulation's clock when the request arrived
	// Answer is the error code answered, or "token".
	Answer string
	// Early is set when the poll came sooner than the interval allowed
	// after the previous poll (or after StartDeviceAuthorization).
	Early bool
}

type deviceAuth struct {
	DeviceAuthorization
	clientID   string
	lastPoll   time.Time
	slowedDown int
}

type authCode struct {
	clientID    string
	redirectURI string
	challenge   string
	expires     time.Time
	used        bool
}

// signInState is the sign-in part of the Server, guarded by Server.mu.
type signInState struct {
	opts        SignInOptions
	denied      bool                   // the simulated user refuses in the browser
	devices     map[string]*deviceAuth // by device code digest
	byUserCode  map[string]*deviceAuth
	deviceOrder []*deviceAuth
	authCodes   map[string]*authCode // by code digest
}

func newSignInState(o SignInOptions) signInState {
	o.RegistrationLifetime = orDefault(o.RegistrationLifetime, DefaultRegistrationLifetime)
	o.DeviceCodeLifetime = orDefault(o.DeviceCodeLifetime, DefaultDeviceCodeLifetime)
	o.DevicePollInterval = max(orDefault(o.DevicePollInterval, DefaultDevicePollInterval).Round(time.Second), time.Second)
	return signInState{
		opts:       o,
		devices:    make(map[string]*deviceAuth),
		byUserCode: make(map[string]*deviceAuth),
		authCodes:  make(map[string]*authCode),
	}
}

// SetSignInDenied makes the simulated user refuse every sign-in from now
// on: the authorize page redirects with error=access_denied and pending
// device authorizations answer AccessDeniedException. false undoes it.
func (s *Server) SetSignInDenied(denied bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signIn.denied = denied
}

// ErrUnknownUserCode is returned by ApproveDevice and DenyDevice for a user
// code the simulation did not issue or that expired.
var ErrUnknownUserCode = errors.New("simaws: unknown or expired user code")

// ApproveDevice approves the pending device authorization with userCode,
// as a user does on the verification page. Approving twice is not an error.
func (s *Server) ApproveDevice(userCode string) error { return s.decideDevice(userCode, "approved") }

// DenyDevice refuses the pending device authorization with userCode.
func (s *Server) DenyDevice(userCode string) error { return s.decideDevice(userCode, "denied") }

func (s *Server) decideDevice(userCode, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.signIn.byUserCode[normalizeUserCode(userCode)]
	if !ok || !s.nowLocked().Before(d.ExpiresAt) {
		return ErrUnknownUserCode
	}
	if d.State == "pending" {
		d.State = state
	}
	return nil
}

// DeviceAuthorizations returns every device authorization issued so far,
// oldest first, with its polls.
func (s *Server) DeviceAuthorizations() []DeviceAuthorization {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DeviceAuthorization, len(s.signIn.deviceOrder))
	for i, d := range s.signIn.deviceOrder {
		out[i] = d.DeviceAuthorization
		out[i].Polls = slices.Clone(d.Polls)
	}
	return out
}

func normalizeUserCode(c string) string { return strings.ToUpper(strings.TrimSpace(c)) }

func oidcError(rp *reply, status int, code, oauthCode, desc string) {
	rp.jsonError(status, code, map[string]any{"error": oauthCode, "error_description": desc})
}

// registerClientLocked registers a public client.
func (s *Server) registerClientLocked(grants, scopes, redirectURIs []string) *oidcClient {
	cl := &oidcClient{
		id:           randomToken(16),
		secret:       "eyJraWQiOiJrZXktMTU2NDAyODA5OSIsImFsZyI6IkhTMzg0In0." + randomToken(160),
		expires:      s.nowLocked().Add(s.signIn.opts.RegistrationLifetime).Truncate(time.Second),
		grantTypes:   grants,
		scopes:       scopes,
		redirectURIs: redirectURIs,
	}
	s.clients[cl.id] = cl
	return cl
}

// clientLocked returns the client with id and secret, if it is valid now.
func (s *Server) clientLocked(id, secret string) (*oidcClient, bool) {
	cl, ok := s.clients[id]
	if !ok || !equalSecret(secret, cl.secret) || !s.nowLocked().Before(cl.expires) {
		return nil, false
	}
	return cl, true
}

type registerClientRequest struct {
	ClientName   string   `json:"clientName"`
	ClientType   string   `json:"clientType"`
	Scopes       []string `json:"scopes"`
	GrantTypes   []string `json:"grantTypes"`
	RedirectURIs []string `json:"redirectUris"`
	IssuerURL    string   `json:"issuerUrl"`
}

func (s *Server) handleRegisterClient(rp *reply, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		oidcError(rp, http.StatusMethodNotAllowed, "InvalidRequestException", "invalid_request", "Method not allowed")
		return
	}
	var req registerClientRequest
	if err := json.Unmarshal(body, &req); err != nil || req.ClientName == "" || req.ClientType == "" {
		oidcError(rp, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "clientName and clientType are required")
		return
	}
	if req.ClientType != "public" {
		oidcError(rp, http.StatusBadRequest, "InvalidClientMetadataException", "invalid_client_metadata", "Only public clients are supported")
		return
	}
	grants := req.GrantTypes
	if len(grants) == 0 {
		grants = []string{GrantDeviceCode, GrantRefreshToken}
	}
	for _, g := range grants {
		if g != GrantDeviceCode && g != GrantAuthCode && g != GrantRefreshToken {
			oidcError(rp, http.StatusBadRequest, "InvalidClientMetadataException", "invalid_client_metadata", "Unsupported grant type: "+g)
			return
		}
	}
	for _, sc := range req.Scopes {
		if sc == "" || strings.ContainsAny(sc, " \t\r\n") {
			oidcError(rp, http.StatusBadRequest, "InvalidScopeException", "invalid_scope", "Invalid scope")
			return
		}
	}
	if slices.Contains(grants, GrantAuthCode) {
		if req.IssuerURL == "" {
			oidcError(rp, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "issuerUrl is required for the authorization_code grant")
			return
		}
		if len(req.RedirectURIs) == 0 {
			oidcError(rp, http.StatusBadRequest, "InvalidRedirectUriException", "invalid_redirect_uri", "redirectUris are required for the authorization_code grant")
			return
		}
		for _, u := range req.RedirectURIs {
			if _, ok := loopbackRedirect(u); !ok {
				oidcError(rp, http.StatusBadRequest, "InvalidRedirectUriException", "invalid_redirect_uri", "Redirect URIs must be http://127.0.0.1 loopback URIs")
				return
			}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.registerClientLocked(slices.Clone(grants), slices.Clone(req.Scopes), slices.Clone(req.RedirectURIs))
	rp.jsonBody(http.StatusOK, map[string]any{
		"clientId":              cl.id,
		"clientSecret":          cl.secret,
		"clientIdIssuedAt":      s.nowLocked().Unix(),
		"clientSecretExpiresAt": cl.expires.Unix(),
	})
}

// loopbackRedirect parses a redirect URI that must be http on 127.0.0.1.
func loopbackRedirect(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.User != nil || u.Fragment != "" {
		return nil, false
	}
	return u, true
}

type startDeviceRequest struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	StartURL     string `json:"startUrl"`
}

func (s *Server) handleStartDeviceAuthorization(rp *reply, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		oidcError(rp, http.StatusMethodNotAllowed, "InvalidRequestException", "invalid_request", "Method not allowed")
		return
	}
	var req startDeviceRequest
	if err := json.Unmarshal(body, &req); err != nil || req.ClientID == "" || req.ClientSecret == "" || req.StartURL == "" {
		oidcError(rp, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "clientId, clientSecret and startUrl are required")
		return
	}

	s.mu.Lock()
	cl, ok := s.clientLocked(req.ClientID, req.ClientSecret)
	switch {
	case !ok:
		s.mu.Unlock()
		oidcError(rp, http.StatusUnauthorized, "InvalidClientException", "invalid_client", "Invalid client provided")
		return
	case !slices.Contains(cl.grantTypes, GrantDeviceCode):
		s.mu.Unlock()
		oidcError(rp, http.StatusBadRequest, "UnauthorizedClientException", "unauthorized_client", "Client is not authorized for the device code grant")
		return
	}
	now := s.nowLocked()
	deviceCode := randomToken(48)
	userCode := randomString(keyAlphabet, 4) + "-" + randomString(keyAlphabet, 4)
	base := "http://" + r.Host + "/device"
	d := &deviceAuth{
		DeviceAuthorization: DeviceAuthorization{
			UserCode:                userCode,
			VerificationURI:         base,
			VerificationURIComplete: base + "?user_code=" + url.QueryEscape(userCode),
			IssuedAt:                now,
			ExpiresAt:               now.Add(s.signIn.opts.DeviceCodeLifetime),
			Interval:                s.signIn.opts.DevicePollInterval,
			State:                   "pending",
		},
		clientID: cl.id,
		lastPoll: now,
	}
	s.signIn.devices[digest(deviceCode)] = d
	s.signIn.byUserCode[userCode] = d
	s.signIn.deviceOrder = append(s.signIn.deviceOrder, d)
	snapshot := d.DeviceAuthorization
	notify := s.signIn.opts.OnDeviceAuthorization
	s.mu.Unlock()

	rp.jsonBody(http.StatusOK, map[string]any{
		"deviceCode":              deviceCode,
		"userCode":                userCode,
		"verificationUri":         snapshot.VerificationURI,
		"verificationUriComplete": snapshot.VerificationURIComplete,
		"expiresIn":               int64(s.signIn.opts.DeviceCodeLifetime / time.Second),
		"interval":                int64(snapshot.Interval / time.Second),
	})
	if notify != nil {
		go notify(snapshot)
	}
}

type createTokenRequest struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	GrantType    string `json:"grantType"`
	RefreshToken string `json:"refreshToken"`
	DeviceCode   string `json:"deviceCode"`
	Code         string `json:"code"`
	RedirectURI  string `json:"redirectUri"`
	CodeVerifier string `json:"codeVerifier"`
}

func (s *Server) handleCreateToken(rp *reply, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		oidcError(rp, http.StatusMethodNotAllowed, "InvalidRequestException", "invalid_request", "Method not allowed")
		return
	}
	var req createTokenRequest
	if err := json.Unmarshal(body, &req); err != nil || req.ClientID == "" || req.ClientSecret == "" || req.GrantType == "" {
		oidcError(rp, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "Invalid request")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	cl, ok := s.clientLocked(req.ClientID, req.ClientSecret)
	if !ok {
		oidcError(rp, http.StatusUnauthorized, "InvalidClientException", "invalid_client", "Invalid client provided")
		return
	}
	switch req.GrantType {
	case GrantRefreshToken, GrantDeviceCode, GrantAuthCode:
		if !slices.Contains(cl.grantTypes, req.GrantType) {
			oidcError(rp, http.StatusBadRequest, "UnauthorizedClientException", "unauthorized_client", "Client is not authorized for this grant type")
			return
		}
	default:
		oidcError(rp, http.StatusBadRequest, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type")
		return
	}
	var ok2 bool
	switch req.GrantType {
	case GrantRefreshToken:
		ok2 = s.redeemRefreshLocked(rp, cl, req)
	case GrantDeviceCode:
		ok2 = s.redeemDeviceLocked(rp, cl, req)
	case GrantAuthCode:
		ok2 = s.redeemAuthCodeLocked(rp, cl, req)
	}
	if !ok2 {
		return
	}
	access, refresh, expires := s.issueSSOTokensLocked(cl)
	expiresIn := int64((expires.Sub(s.nowLocked()) + time.Second - 1) / time.Second)
	out := map[string]any{
		"accessToken": access,
		"tokenType":   "Bearer",
		"expiresIn":   max(expiresIn, 1),
	}
	if refresh != "" {
		out["refreshToken"] = refresh
	}
	rp.jsonBody(http.StatusOK, out)
}

func (s *Server) redeemRefreshLocked(rp *reply, cl *oidcClient, req createTokenRequest) bool {
	rt, ok := s.refreshTokens[digest(req.RefreshToken)]
	if req.RefreshToken == "" || !ok || rt.used || rt.revoked || rt.clientID != cl.id || !s.nowLocked().Before(rt.expires) {
		oidcError(rp, http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid refresh token provided")
		return false
	}
	rt.used = true // refresh tokens rotate: each one works once
	return true
}

func (s *Server) redeemDeviceLocked(rp *reply, cl *oidcClient, req createTokenRequest) bool {
	d, ok := s.signIn.devices[digest(req.DeviceCode)]
	if req.DeviceCode == "" || !ok || d.clientID != cl.id {
		oidcError(rp, http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid device code provided")
		return false
	}
	now := s.nowLocked()
	poll := DevicePoll{At: now, Early: now.Sub(d.lastPoll) < d.Interval}
	d.lastPoll = now
	answer := func(status int, code, oauth, desc string) bool {
		poll.Answer = code
		d.Polls = append(d.Polls, poll)
		oidcError(rp, status, code, oauth, desc)
		return false
	}
	switch {
	case !now.Before(d.ExpiresAt):
		return answer(http.StatusBadRequest, "ExpiredTokenException", "expired_token", "Device code has expired")
	case d.State == "redeemed":
		return answer(http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Device code has already been used")
	case poll.Early || d.slowedDown < s.signIn.opts.DeviceSlowDowns:
		d.slowedDown++
		d.Interval += SlowDownStep
		return answer(http.StatusBadRequest, "SlowDownException", "slow_down", "Client is polling too quickly")
	case d.State == "denied" || (d.State == "pending" && s.signIn.denied):
		return answer(http.StatusBadRequest, "AccessDeniedException", "access_denied", "The user denied the authorization request")
	case d.State == "pending":
		return answer(http.StatusBadRequest, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending")
	}
	d.State = "redeemed"
	poll.Answer = "token"
	d.Polls = append(d.Polls, poll)
	return true
}

func (s *Server) redeemAuthCodeLocked(rp *reply, cl *oidcClient, req createTokenRequest) bool {
	c, ok := s.signIn.authCodes[digest(req.Code)]
	if req.Code == "" || !ok || c.used || c.clientID != cl.id || !s.nowLocked().Before(c.expires) {
		oidcError(rp, http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid authorization code provided")
		return false
	}
	c.used = true // a code is single-use, even when the exchange fails
	if req.RedirectURI != c.redirectURI {
		oidcError(rp, http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Redirect URI does not match the authorization request")
		return false
	}
	sum := sha256.Sum256([]byte(req.CodeVerifier))
	if req.CodeVerifier == "" || !equalSecret(base64.RawURLEncoding.EncodeToString(sum[:]), c.challenge) {
		oidcError(rp, http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Code verifier does not match the code challenge")
		return false
	}
	return true
}

// handleAuthorize is the page a browser opens for the authorization code
// flow. The simulated user is signed in and approves at once (unless
// SetSignInDenied): it redirects to the client's loopback listener.
func (s *Server) handleAuthorize(rp *reply, r *http.Request) {
	page := func(status int, msg string) {
		rp.code = "InvalidRequest"
		rp.header("text/html; charset=utf-8", status)
		fmt.Fprintf(rp.w, "<!doctype html><title>Sign-in error</title><p>%s</p>\n", html.EscapeString(msg))
	}
	if r.Method != http.MethodGet {
		page(http.StatusMethodNotAllowed, "Method not allowed.")
		return
	}
	q := r.URL.Query()
	redirect, ok := loopbackRedirect(q.Get("redirect_uri"))
	if !ok {
		page(http.StatusBadRequest, "Invalid redirect_uri.")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	cl, ok := s.clients[q.Get("client_id")]
	if !ok || !s.nowLocked().Before(cl.expires) {
		page(http.StatusBadRequest, "Unknown or expired client.")
		return
	}
	registered := false
	for _, u := range cl.redirectURIs {
		if ru, ok := loopbackRedirect(u); ok && ru.Path == redirect.Path && (ru.Port() == "" || ru.Port() == redirect.Port()) {
			registered = true
		}
	}
	if !registered || !slices.Contains(cl.grantTypes, GrantAuthCode) {
		page(http.StatusBadRequest, "The redirect_uri is not registered for this client.")
		return
	}
	back := redirect.Query()
	if st := q.Get("state"); st != "" {
		back.Set("state", st)
	}
	wanted := strings.Fields(q.Get("scopes"))
	switch {
	case q.Get("response_type") != "code":
		back.Set("error", "unsupported_response_type")
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		back.Set("error", "invalid_request")
		back.Set("error_description", "PKCE with S256 is required")
	case !subset(wanted, cl.scopes):
		back.Set("error", "invalid_scope")
	case s.signIn.denied:
		back.Set("error", "access_denied")
	default:
		code := randomToken(48)
		s.signIn.authCodes[digest(code)] = &authCode{
			clientID:    cl.id,
			redirectURI: redirect.String(),
			challenge:   q.Get("code_challenge"),
			expires:     s.nowLocked().Add(authCodeLifetime),
		}
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	rp.w.Header().Set("Location", redirect.String())
	rp.header("text/html; charset=utf-8", http.StatusFound)
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// handleDeviceVerification is the verification page of the device flow.
// GET shows the code; POST (user_code in the query or the form, action
// "approve", the default, or "deny") decides: one request approves.
func (s *Server) handleDeviceVerification(rp *reply, r *http.Request, body []byte) {
	write := func(status int, msg string) {
		rp.header("text/html; charset=utf-8", status)
		fmt.Fprintf(rp.w, "<!doctype html><title>Simulated IAM Identity Center</title><p>%s</p>\n", msg)
	}
	form, _ := url.ParseQuery(string(body))
	field := func(k string) string {
		if v := form.Get(k); v != "" {
			return v
		}
		return r.URL.Query().Get(k)
	}
	code := normalizeUserCode(field("user_code"))
	switch r.Method {
	case http.MethodGet:
		write(http.StatusOK, fmt.Sprintf(`Authorize request for code <b>%s</b>? <form method="post"><input type="hidden" name="user_code" value="%s"><button name="action" value="approve">Allow</button><button name="action" value="deny">Deny</button></form>`,
			html.EscapeString(code), html.EscapeString(code)))
	case http.MethodPost:
		state := "approved"
		if field("action") == "deny" {
			state = "denied"
		}
		if err := s.decideDevice(code, state); err != nil {
			rp.code = "UnknownUserCode"
			write(http.StatusNotFound, "Unknown or expired code.")
			return
		}
		write(http.StatusOK, "Request "+state+". You can close this window.")
	default:
		write(http.StatusMethodNotAllowed, "Method not allowed.")
	}
}
