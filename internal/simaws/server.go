package simaws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Operation names, as used by [Server.Count], [Server.Deny] and the request log.
const (
	OpGetCallerIdentity  = "GetCallerIdentity"
	OpAssumeRole         = "AssumeRole"
	OpGetSessionToken    = "GetSessionToken"
	OpGetRoleCredentials = "GetRoleCredentials"
	OpCreateToken        = "CreateToken"
	// SSO OIDC sign-in (oidc.go): the API operations, and the pages a
	// browser visits.
	OpRegisterClient           = "RegisterClient"
	OpStartDeviceAuthorization = "StartDeviceAuthorization"
	OpAuthorize                = "Authorize"
	OpDeviceVerification       = "DeviceVerification"
	OpConverse                 = "Converse"
	OpSSOLogin                 = "SSOLogin"
	// OpUnknown counts requests that matched no operation.
	OpUnknown = "Unknown"
)

// Defaults used when the corresponding [Options] field is zero.
const (
	DefaultAccountID              = "111122223333"
	DefaultSSOUser                = "sim-user"
	DefaultRoleCredentialLifetime = time.Hour
	DefaultSSOTokenLifetime       = 8 * time.Hour
	DefaultSessionTokenLifetime   = 12 * time.Hour
)

// MaxSignatureSkew is how far a request's X-Amz-Date may be from the
// simulation's clock, as on real AWS.
const MaxSignatureSkew = 5 * time.Minute

// ControlHeader is the header that carries [Server.ControlToken] on control
// endpoint requests.
const ControlHeader = "X-Simaws-Control"

// maxBody bounds every request body the simulation reads.
const maxBody = 1 << 20

// ErrNotStarted is returned by methods that need a listening server.
var ErrNotStarted = errors.New("simaws: server not started")

// ErrAlreadyStarted is returned by a second call to [Server.Start].
var ErrAlreadyStarted = errors.New("simaws: server already started")

// Options configures a [Server]. The zero value is usable.
type Options struct {
	// RoleCredentialLifetime is the longest lifetime of credentials issued by
	// GetRoleCredentials and AssumeRole (default 1h). An AssumeRole request
	// asking for a shorter DurationSeconds gets the shorter lifetime, so the
	// SDK's stscreds provider, which asks for 15 minutes, gets 15 minutes.
	// Sub-second to second values are fine for tests.
	RoleCredentialLifetime time.Duration
	// SSOTokenLifetime is the lifetime of SSO access tokens from CreateToken
	// and IssueSSOToken (default 8h).
	SSOTokenLifetime time.Duration
	// SessionTokenLifetime is the longest lifetime of GetSessionToken
	// credentials (default 12h); a shorter DurationSeconds is honoured.
	SessionTokenLifetime time.Duration
	// ConverseDelay is an artificial latency added to every Converse answer.
	ConverseDelay time.Duration
	// Clock is the simulation's time source (nil: time.Now). The clock skew
	// of SetClockSkew is added on top. Signatures are checked against it, so
	// it must stay within 5 minutes of the clients' clocks unless the point
	// is to make them fail.
	Clock func() time.Time
	// Logf, when set, receives one line per request: operation, status,
	// error code and a masked access key. It never receives a secret.
	Logf func(format string, args ...any)

	// AccountID is the account of users created by CreateUser and of the
	// simulated IAM Identity Center (default DefaultAccountID).
	AccountID string
	// SSOUser is the user name of the simulated Identity Center session; it
	// is the session name of role credentials from GetRoleCredentials
	// (default DefaultSSOUser).
	SSOUser string
	// RequestExpiredOnSkew makes STS answer a request signed too far from the
	// simulation's clock with RequestExpired ("Request has expired.", 400)
	// instead of real STS's SignatureDoesNotMatch "Signature expired: ...".
	RequestExpiredOnSkew bool
	// DateHeaderFromClock makes every response carry the simulation's clock
	// (skew included) in its Date header, as real AWS does with its own
	// clock. The SDK then detects the skew and retries with a corrected
	// signing time, so skew errors heal themselves. By default the Date
	// header carries the host's real time and skew errors reach the caller.
	DateHeaderFromClock bool

	// SignIn configures the simulated IAM Identity Center sign-in (SSO
	// OIDC): client registrations, device authorization, authorization
	// code with PKCE. See [SignInOptions].
	SignIn SignInOptions
}

// Server is a simulated AWS endpoint. Create it with [New], then [Server.Start]
// it. All methods are safe for concurrent use.
type Server struct {
	accountID    string
	ssoUser      string
	clock        func() time.Time
	logf         func(string, ...any)
	skewExpired  bool
	dateFromSim  bool
	controlToken string

	mu              sync.Mutex
	roleLifetime    time.Duration
	ssoLifetime     time.Duration
	sessionLifetime time.Duration
	converseDelay   time.Duration
	skew            time.Duration
	creds           map[string]*credential   // by access key ID
	users           map[string]principal     // by user name
	roleIDs         map[string]string        // role ARN → AROA… unique ID
	clients         map[string]*oidcClient   // by client ID
	accessTokens    map[string]*accessToken  // by token digest
	refreshTokens   map[string]*refreshToken // by token digest
	signIn          signInState
	denies          map[string]map[string]bool // op → access key ID / ARN / "*"
	counts          map[string]int
	total           int

	started bool
	closed  bool
	ln      net.Listener
	srv     *http.Server
	url     string
	done    chan struct{}
	serveCh chan error
}

// New returns an unstarted Server configured by opts.
func New(opts Options) *Server {
	s := &Server{
		accountID:       opts.AccountID,
		ssoUser:         opts.SSOUser,
		clock:           opts.Clock,
		logf:            opts.Logf,
		skewExpired:     opts.RequestExpiredOnSkew,
		dateFromSim:     opts.DateHeaderFromClock,
		controlToken:    randomToken(24),
		roleLifetime:    orDefault(opts.RoleCredentialLifetime, DefaultRoleCredentialLifetime),
		ssoLifetime:     orDefault(opts.SSOTokenLifetime, DefaultSSOTokenLifetime),
		sessionLifetime: orDefault(opts.SessionTokenLifetime, DefaultSessionTokenLifetime),
		converseDelay:   opts.ConverseDelay,
		creds:           make(map[string]*credential),
		users:           make(map[string]principal),
		roleIDs:         make(map[string]string),
		clients:         make(map[string]*oidcClient),
		accessTokens:    make(map[string]*accessToken),
		refreshTokens:   make(map[string]*refreshToken),
		denies:          make(map[string]map[string]bool),
		counts:          make(map[string]int),
		signIn:          newSignInState(opts.SignIn),
		done:            make(chan struct{}),
	}
	if s.accountID == "" {
		s.accountID = DefaultAccountID
	}
	if s.ssoUser == "" {
		s.ssoUser = DefaultSSOUser
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	return s
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Start listens on an ephemeral port of 127.0.0.1 and serves in the
// background until [Server.Close].
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return ErrAlreadyStarted
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("simaws: listen on loopback: %w", err)
	}
	s.started = true
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.serveCh = make(chan error, 1)
	go func() { s.serveCh <- s.srv.Serve(ln) }()
	return nil
}

// URL returns the server's base URL, such as "http://127.0.0.1:41234", or ""
// before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops the server. It waits up to two seconds for requests in flight
// (a delayed Converse is cut short) and is safe to call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.started || s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	srv := s.srv
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		err = srv.Close()
	}
	if serveErr := <-s.serveCh; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	if err != nil {
		return fmt.Errorf("simaws: close: %w", err)
	}
	return nil
}

// Env returns the environment entries that point the AWS SDK for Go v2 at
// this server: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO,
// AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_BEDROCK_RUNTIME, each
// "NAME=URL". It returns nil before Start.
func (s *Server) Env() []string {
	u := s.URL()
	if u == "" {
		return nil
	}
	return []string{
		"AWS_ENDPOINT_URL_STS=" + u,
		"AWS_ENDPOINT_URL_SSO=" + u,
		"AWS_ENDPOINT_URL_SSO_OIDC=" + u,
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME=" + u,
	}
}

// ControlToken returns the random token that authorizes control endpoint
// requests (header [ControlHeader]). It is not an AWS secret.
func (s *Server) ControlToken() string { return s.controlToken }

// AccountID returns the simulated account ID.
func (s *Server) AccountID() string { return s.accountID }

// Now returns the simulation's current time: Options.Clock plus the clock skew.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time { return s.clock().Add(s.skew) }

// SetClockSkew sets how far the simulation's clock is ahead of Options.Clock
// (negative: behind). A skew beyond 5 minutes makes every signed request fail
// as "Signature expired" (or "not yet current").
func (s *Server) SetClockSkew(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skew = d
}

// SetRoleCredentialLifetime changes Options.RoleCredentialLifetime for
// credentials issued from now on (d <= 0: the default).
func (s *Server) SetRoleCredentialLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roleLifetime = orDefault(d, DefaultRoleCredentialLifetime)
}

// SetSSOTokenLifetime changes Options.SSOTokenLifetime for tokens issued from
// now on (d <= 0: the default).
func (s *Server) SetSSOTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ssoLifetime = orDefault(d, DefaultSSOTokenLifetime)
}

// SetSessionTokenLifetime changes Options.SessionTokenLifetime for
// credentials issued from now on (d <= 0: the default).
func (s *Server) SetSessionTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessionLifetime = orDefault(d, DefaultSessionTokenLifetime)
}

// SetConverseDelay changes Options.ConverseDelay.
func (s *Server) SetConverseDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.converseDelay = d
}

// Deny makes op (one of the Op constants for a signed operation:
// GetCallerIdentity, AssumeRole, GetSessionToken, Converse, InvokeModel) answer
// AccessDenied (STS) or AccessDeniedException (Bedrock) for otherwise valid
// credentials of who. who is an access key ID, an identity ARN as
// GetCallerIdentity reports it, or "*" for everyone. Deny(OpGetRoleCredentials,
// "*") makes GetRoleCredentials answer ForbiddenException "No access".
func (s *Server) Deny(op, who string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.denies[op]
	if m == nil {
		m = make(map[string]bool)
		s.denies[op] = m
	}
	m[who] = true
}

// Allow undoes a [Server.Deny] with the same arguments.
func (s *Server) Allow(op, who string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.denies[op], who)
}

func (s *Server) deniedLocked(op string, c *credential) bool {
	m := s.denies[op]
	if len(m) == 0 {
		return false
	}
	if m["*"] {
		return true
	}
	if c == nil {
		return false
	}
	return m[c.accessKeyID] || m[c.principal.arn]
}

// Count returns how many requests for op the server has seen, whatever
// their outcome.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// Counts returns a copy of the per-operation request counts.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// TotalRequests returns how many requests the server has seen.
func (s *Server) TotalRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// ResetCounts sets every request count back to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = make(map[string]int)
	s.total = 0
}

func (s *Server) count(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
	s.total++
}

// reply wraps a ResponseWriter with what the request log needs.
type reply struct {
	w      http.ResponseWriter
	s      *Server
	reqID  string
	op     string
	key    string // masked access key, for the log
	status int
	code   string
}

func (rp *reply) header(contentType string, status int) {
	h := rp.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-Requestid", rp.reqID)
	rp.status = status
	rp.w.WriteHeader(status)
}

// ServeHTTP dispatches a request to the simulated service it addresses.
// Servers normally serve themselves after Start; ServeHTTP is exported so a
// Server can also be mounted on an httptest.Server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rp := &reply{w: w, s: s, reqID: newRequestID(), op: OpUnknown}
	if s.dateFromSim {
		w.Header().Set("Date", s.Now().UTC().Format(http.TimeFormat))
	}
	defer s.logRequest(r, rp)

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		s.count(OpUnknown)
		rp.jsonError(http.StatusRequestEntityTooLarge, "ValidationException", map[string]any{"message": "Request body unreadable or too large."})
		return
	}

	p := r.URL.Path
	switch {
	case p == "/_sim/sso-login":
		rp.op = OpSSOLogin
		s.count(rp.op)
		s.handleSSOLogin(rp, r, body)
	case p == "/federation/credentials":
		rp.op = OpGetRoleCredentials
		s.count(rp.op)
		s.handleGetRoleCredentials(rp, r)
	case p == "/token":
		rp.op = OpCreateToken
		s.count(rp.op)
		s.handleCreateToken(rp, r, body)
	case p == "/client/register":
		rp.op = OpRegisterClient
		s.count(rp.op)
		s.handleRegisterClient(rp, r, body)
	case p == "/device_authorization":
		rp.op = OpStartDeviceAuthorization
		s.count(rp.op)
		s.handleStartDeviceAuthorization(rp, r, body)
	case p == "/authorize":
		rp.op = OpAuthorize
		s.count(rp.op)
		s.handleAuthorize(rp, r)
	case p == "/device":
		rp.op = OpDeviceVerification
		s.count(rp.op)
		s.handleDeviceVerification(rp, r, body)
	case strings.HasPrefix(p, "/model/") && strings.HasSuffix(p, "/converse"):
		rp.op = OpConverse
		s.count(rp.op)
		s.handleConverse(rp, r, body)
	case strings.HasPrefix(p, "/model/") && strings.HasSuffix(p, "/invoke"):
		rp.op = OpInvokeModel
		s.count(rp.op)
		s.handleInvokeModel(rp, r, body)
	case p == "/" || p == "":
		s.handleSTS(rp, r, body)
	default:
		s.count(OpUnknown)
		rp.jsonError(http.StatusNotFound, "UnknownOperationException", map[string]any{"message": "Unknown operation."})
	}
}

func (s *Server) logRequest(r *http.Request, rp *reply) {
	if s.logf == nil {
		return
	}
	line := fmt.Sprintf("simaws: %s %s %s -> %d", r.Method, r.URL.Path, rp.op, rp.status)
	if rp.code != "" {
		line += " " + rp.code
	}
	if rp.key != "" {
		line += " key=" + rp.key
	}
	s.logf("%s", line)
}

// sortedKeys is a helper for deterministic iteration in tests and logs.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// String describes the server without any secret.
func (s *Server) String() string {
	counts := s.Counts()
	var b strings.Builder
	fmt.Fprintf(&b, "simaws %s", s.URL())
	for _, k := range sortedKeys(counts) {
		fmt.Fprintf(&b, " %s=%d", k, counts[k])
	}
	return b.String()
}
