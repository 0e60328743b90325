package credserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

// Environment variables of the container credentials protocol.
const (
	EnvFullURI   = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvAuthToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
)

// Path is the URL path credentials are served at.
const Path = "/creds"

// Defaults for the zero values of Options.
const (
	DefaultMaxHold           = time.Second
	DefaultErrorBackoff      = 2 * time.Second
	DefaultReadHeaderTimeout = 2 * time.Second
	DefaultCloseWait         = 5 * time.Second
)

// Fixed limits of the HTTP server.
const (
	// MaxHeaderBytes bounds a request's header. net/http allows 4 KiB of
	// slack on top before it answers 431.
	MaxHeaderBytes = 8 << 10
	// MaxBodyBytes is the largest request body tolerated (and ignored) on a
	// GET; a larger one gets 413.
	MaxBodyBytes = 1 << 10
	// MaxConns bounds concurrent connections. When all are taken, a new
	// connection takes the place of the oldest one that has not sent the
	// token yet (any local process can open connections; only the token
	// holder must always get through); when every one has sent the token,
	// the new connection is closed at once. A refused request's connection
	// is closed after the response, so only the token holder keeps
	// connections alive.
	MaxConns = 512

	idleTimeout = 30 * time.Second
	// maxMessage bounds the length of an error message in a response.
	maxMessage = 1000
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrInvalidOptions is returned by New for unusable Options.
	ErrInvalidOptions = errors.New("credserver: invalid options")
	// ErrStarted is returned by Start when the server is already running.
	ErrStarted = errors.New("credserver: server already started")
	// ErrClosed is returned by Start after Close, and is the cause of a
	// Provider call's context when the server closes.
	ErrClosed = errors.New("credserver: server closed")
	// ErrUnusableCredentials is wrapped by the error recorded when the
	// Provider returns no error but empty or already expired credentials.
	ErrUnusableCredentials = errors.New("credserver: provider returned unusable credentials")
	// ErrProviderRunning is returned by Close when a Provider call it
	// cancelled has not returned within Options.CloseWait.
	ErrProviderRunning = errors.New("credserver: credential provider call still running after close")
)

// Provider returns valid credentials. It may block for a long time (a login
// command waiting for a person) and should return promptly once ctx is done.
// The server calls it at most once at a time, never on a request's context:
// ctx is cancelled only by Close. Its error message is shown to the program's
// SDK after creds.Redact, so it should say what the user must do.
type Provider func(ctx context.Context) (creds.Credentials, error)

// Options configures a Server. Zero values mean the defaults.
type Options struct {
	// Provider is asked for credentials when the ones in memory are no
	// longer fresh. Required.
	Provider Provider

	// Token is the secret clients must send as the Authorization header:
	// printable ASCII, at least 16 characters. "" means a fresh random
	// 256-bit token (64 hex digits), available from Server.Token.
	Token string

	// MaxHold is the longest a request waits for the Provider before it is
	// answered from memory or with 503 RefreshInProgress. Default 1s: the
	// SPEC's bound, and botocore gives up after 2s.
	MaxHold time.Duration

	// Policy decides, as everywhere in awsfresh, when the credentials in
	// memory are fresh (served without asking the Provider), usable (served
	// while a Provider call runs or after it failed) and due for renewal;
	// the zero value is the default policy. Credentials the Provider
	// returns already past their fresh time (it could not renew them) are
	// served for the policy's retry delay before it is asked again, so it is
	// never asked on every request. While a Provider call runs longer than
	// MaxHold, credentials that have not expired are served rather than an
	// error. Credentials with no known expiry are handed out with
	// Expiration = now + Policy.Recheck, so that clients come back.
	Policy engine.Policy

	// ErrorBackoff is how long after a failed Provider call its error is
	// served (when nothing usable is in memory) before the Provider is
	// asked again, so a client retrying in a loop cannot run it in a loop.
	// Update ends it early. Default 2s.
	ErrorBackoff time.Duration

	// ReadHeaderTimeout bounds the time a client may take to send a
	// request's header. Default 2s.
	ReadHeaderTimeout time.Duration

	// Logf, when set, is told about Provider calls, failures and refused
	// requests (rate-limited). It is never given a secret. It may be called
	// from several goroutines at once.
	Logf func(format string, args ...any)

	// Now is the clock of freshness and of the error backoff; nil means
	// time.Now.
	Now func() time.Time

	// CloseWait bounds how long Close waits for a running Provider call to
	// return once its context is cancelled. It should exceed what the
	// Provider needs to stop (for a login command: its grace period plus
	// the wait for SIGKILL). Default 5s.
	CloseWait time.Duration
}

// Server is a local credentials endpoint. Create it with New, then Start it.
// Its methods are safe for concurrent use.
type Server struct {
	opts  Options
	token []byte

	ctx    context.Context // Provider calls; cancelled by Close
	cancel context.CancelCauseFunc

	cur atomic.Pointer[entry] // in-memory credentials; nil before the first

	calls  sync.WaitGroup // Provider calls; Add only with mu held and !closed
	served chan struct{}  // closed when the Serve goroutine returns
	conns  connTable

	// logMu guards logOff: once Close has returned, nothing is logged.
	logMu  sync.RWMutex
	logOff bool

	mu       sync.Mutex
	started  bool
	closed   bool
	srv      *http.Server
	ln       net.Listener
	url      string
	hostIP   string // "127.0.0.1:PORT"
	hostName string // "localhost:PORT"
	flight   *flight
	failures int       // consecutive Provider results or updates that were not fresh
	gen      uint64    // incremented by Update
	lastErr  *failure  // last Provider failure, nil after a success or Update
	errUntil time.Time // no new Provider call before this

	hdrJSON    []string
	hdrNoStore []string
	bufs       sync.Pool // *[]byte for bodies built per request

	st counters
}

// New returns a Server that is not listening yet.
func New(opts Options) (*Server, error) {
	if opts.Provider == nil {
		return nil, fmt.Errorf("%w: Provider is required", ErrInvalidOptions)
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"MaxHold", &opts.MaxHold, DefaultMaxHold},
		{"ErrorBackoff", &opts.ErrorBackoff, DefaultErrorBackoff},
		{"ReadHeaderTimeout", &opts.ReadHeaderTimeout, DefaultReadHeaderTimeout},
		{"CloseWait", &opts.CloseWait, DefaultCloseWait},
	} {
		if *d.v < 0 {
			return nil, fmt.Errorf("%w: %s is negative", ErrInvalidOptions, d.name)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if err := opts.Policy.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	opts.Policy = opts.Policy.WithDefaults()
	if opts.Token == "" {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("credserver: generating token: %w", err)
		}
		opts.Token = hex.EncodeToString(b[:])
	} else if err := checkToken(opts.Token); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	s := &Server{
		opts:       opts,
		token:      []byte(opts.Token),
		ctx:        ctx,
		cancel:     cancel,
		served:     make(chan struct{}),
		hdrJSON:    []string{"application/json"},
		hdrNoStore: []string{"no-store"},
	}
	s.conns.s = s
	s.opts.Logf = s.logf(opts.Logf)
	s.bufs.New = func() any { b := make([]byte, 0, 2048); return &b }
	return s, nil
}

// logf wraps the caller's Logf so that nothing is logged once Close has
// returned: the owner may be gone by then (a test that has ended).
func (s *Server) logf(logf func(string, ...any)) func(string, ...any) {
	if logf == nil {
		return func(string, ...any) {}
	}
	return func(format string, args ...any) {
		s.logMu.RLock()
		defer s.logMu.RUnlock()
		if !s.logOff {
			logf(format, args...)
		}
	}
}

func checkToken(t string) error {
	if len(t) < 16 {
		return fmt.Errorf("%w: Token is shorter than 16 characters", ErrInvalidOptions)
	}
	if len(t) > 1024 {
		return fmt.Errorf("%w: Token is longer than 1024 characters", ErrInvalidOptions)
	}
	for i := 0; i < len(t); i++ {
		if t[i] < 0x20 || t[i] > 0x7e {
			return fmt.Errorf("%w: Token has a character that is not printable ASCII at offset %d", ErrInvalidOptions, i)
		}
	}
	if strings.TrimSpace(t) != t {
		return fmt.Errorf("%w: Token starts or ends with a space", ErrInvalidOptions)
	}
	return nil
}

// Start listens on 127.0.0.1 on a port the kernel picks and serves in the
// background. It returns once the port accepts connections.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.started {
		return ErrStarted
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("credserver: listen on 127.0.0.1: %w", err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s.hostIP = "127.0.0.1:" + port
	s.hostName = "localhost:" + port
	s.url = "http://" + s.hostIP + Path
	s.ln = &limitListener{Listener: ln, t: &s.conns}
	s.srv = &http.Server{
		Handler:                      s,
		ReadHeaderTimeout:            s.opts.ReadHeaderTimeout,
		ReadTimeout:                  s.opts.ReadHeaderTimeout + s.opts.MaxHold + 2*time.Second, // must outlast a held request: when it passes, net/http cancels the request's context
		WriteTimeout:                 s.opts.MaxHold + 5*time.Second,
		IdleTimeout:                  idleTimeout,
		MaxHeaderBytes:               MaxHeaderBytes,
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     log.New(logWriter{s.opts.Logf}, "credserver: ", 0),
		BaseContext:                  func(net.Listener) context.Context { return s.ctx },
		ConnContext:                  withConn,
	}
	s.started = true
	srv, l := s.srv, s.ln
	go func() {
		defer close(s.served)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logf("credserver: stopped serving: %v", err)
		}
	}()
	return nil
}

// URL returns the credentials URL, e.g. http://127.0.0.1:PORT/creds: the
// value of AWS_CONTAINER_CREDENTIALS_FULL_URI. It is "" before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Token returns the token clients must send as the Authorization header:
// the value of AWS_CONTAINER_AUTHORIZATION_TOKEN. It is a secret.
func (s *Server) Token() string { return s.opts.Token }

// Env returns the two variables that point an AWS SDK at the server:
// AWS_CONTAINER_CREDENTIALS_FULL_URI=URL and
// AWS_CONTAINER_AUTHORIZATION_TOKEN=Token, in "KEY=value" form.
func (s *Server) Env() []string {
	return []string{EnvFullURI + "=" + s.URL(), EnvAuthToken + "=" + s.opts.Token}
}

// shadows reports whether ChildEnv removes the variable k: with it set,
// SDKs take credentials from somewhere else before they try the container
// endpoint (AWS_PROFILE: the Go SDK uses an explicitly selected profile
// first), or read the token from a file instead of from Env.
func shadows(k string) bool {
	switch k {
	case "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
		"AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		EnvFullURI, EnvAuthToken:
		return true
	}
	return false
}

// ChildEnv returns base (a list of "KEY=value", as from os.Environ) without
// the variables that would make an AWS SDK take credentials from elsewhere
// or take its token from a file — AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN, AWS_CREDENTIAL_EXPIRATION,
// AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE,
// AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE and earlier values of the two
// variables of Env — followed by Env. Removing AWS_PROFILE also removes
// the profile's region; the caller should set AWS_REGION when it knows it.
// Credentials in the shared files' default profile still take precedence
// over the endpoint in some SDKs; ChildEnv cannot change that.
func (s *Server) ChildEnv(base []string) []string {
	out := make([]string, 0, len(base)+2)
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); !shadows(k) {
			out = append(out, kv)
		}
	}
	return append(out, s.Env()...)
}

// Close stops the server: the port refuses connections from then on, open
// connections are closed, and a running Provider call's context is
// cancelled. Close then waits for that call to return, at most
// Options.CloseWait (ErrProviderRunning if it has not), so that whatever the
// Provider started (a login command) is gone when Close returns. Nothing is
// logged after Close. Close is idempotent; a second call does not wait.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	srv := s.srv
	s.mu.Unlock()
	s.cancel(ErrClosed)
	var err error
	if srv != nil {
		err = srv.Close()
		<-s.served
	}
	calls := make(chan struct{})
	go func() { s.calls.Wait(); close(calls) }()
	t := time.NewTimer(s.opts.CloseWait)
	select {
	case <-calls:
	case <-t.C:
		err = errors.Join(err, fmt.Errorf("%w (waited %v)", ErrProviderRunning, s.opts.CloseWait))
	}
	t.Stop()
	s.logMu.Lock()
	s.logOff = true
	s.logMu.Unlock()
	return err
}

// logWriter feeds net/http's own error log (which never sees request
// headers) to Logf.
type logWriter struct{ logf func(string, ...any) }

func (w logWriter) Write(p []byte) (int, error) {
	w.logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
