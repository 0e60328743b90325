package ssologin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/awsfresh/awsfresh/internal/termtext"
)

// OIDC grant types.
const (
	grantDeviceCode   = "urn:ietf:params:oauth:grant-type:device_code"
	grantAuthCode     = "authorization_code"
	grantRefreshToken = "refresh_token"
)

// Protocol constants of the device flow (RFC 8628): the interval when AWS
// gives none, and how much a SlowDownException adds to it.
const (
	defaultInterval = 5 * time.Second
	slowDownStep    = 5 * time.Second
)

// callbackPath is the path of the listener's redirect URI, as registered
// (the port is left out: any loopback port is accepted).
const callbackPath = "/oauth/callback"

// Errors of a sign-in the user did not complete.
var (
	ErrDenied      = errors.New("the sign-in request was denied")
	ErrCodeExpired = errors.New("the sign-in request expired before it was approved")
)

// Options configures Login.
type Options struct {
	// Session is what to sign in to. Required: StartURL and Region.
	Session Session
	// Profile is the shared config profile, for the SDK's configuration
	// (endpoints, files) and for messages; "" means none.
	Profile string
	// SDKOptions are extra options for config.LoadDefaultConfig.
	SDKOptions []func(*config.LoadOptions) error
	// DeviceCode forces the device flow (--device-code); NoBrowser never
	// opens a browser (--no-browser). See Choose.
	DeviceCode, NoBrowser bool
	// Machine is what the flow is chosen for, and where $BROWSER is read;
	// the zero value means this machine.
	Machine Machine
	// BrowserEnv is the environment of the browser launcher; nil means the
	// current process's.
	BrowserEnv []string
	// Output shows the user what to do: the URL and the code. nil discards.
	Output io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// browser, for tests, replaces the machine's browser command line.
	browser func(url string) string
}

// Result describes a completed sign-in. It holds no secret.
type Result struct {
	Choice    Choice
	CacheFile string
	// ExpiresAt is when the access token expires.
	ExpiresAt time.Time
	// Refreshable is set when the cache holds a refresh token with which
	// the SDKs renew the access token silently, until RegistrationExpiresAt.
	Refreshable           bool
	RegistrationExpiresAt time.Time
}

// Login signs in to IAM Identity Center with the flow Choose picks and
// writes the token cache. It returns when the sign-in completed, failed,
// or ctx ended (the error then wraps ctx.Err()).
func Login(ctx context.Context, o Options) (Result, error) {
	if err := o.Session.Check(); err != nil {
		return Result{}, err
	}
	var err error
	if o.Session, err = o.Session.withScopes(); err != nil {
		return Result{}, err
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Machine = o.Machine.normalized()
	path, err := o.Session.TokenFile()
	if err != nil {
		return Result{}, err
	}
	l := &login{Options: o, choice: Choose(o.Machine, o.Session, o.DeviceCode, o.NoBrowser), tokenFile: path}
	if l.client, err = l.newClient(ctx); err != nil {
		return Result{}, err
	}
	var tok *ssooidc.CreateTokenOutput
	var reg registration
	if l.choice.Flow == FlowAuthCode {
		tok, reg, err = l.authCodeFlow(ctx)
	} else {
		tok, reg, err = l.deviceFlow(ctx)
	}
	if err != nil {
		return Result{}, err
	}
	return l.store(tok, reg)
}

type login struct {
	Options
	choice    Choice
	tokenFile string
	client    *ssooidc.Client
}

func (l *login) newClient(ctx context.Context) (*ssooidc.Client, error) {
	opts := append([]func(*config.LoadOptions) error{}, l.SDKOptions...)
	if l.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(l.Profile))
	}
	// Last, so that nothing overrides them: the session's own region, and
	// no credentials (the sign-in API is not signed).
	opts = append(opts, config.WithRegion(l.Session.Region), config.WithCredentialsProvider(aws.AnonymousCredentials{}))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration for the sign-in: %w", err)
	}
	return ssooidc.NewFromConfig(cfg), nil
}

// registration returns a cached client registration that fits the flow,
// else registers a new one and caches it.
func (l *login) registration(ctx context.Context, authCode bool) (registration, error) {
	path := registrationFile(filepath.Dir(l.tokenFile), l.Session, l.Session.Region)
	scopes := l.Session.registrationScopes()
	if r, err := readRegistration(path); err == nil && r.fits(l.Now(), authCode, scopes) {
		return r, nil
	}
	name := "awsfresh-" + l.Session.Name
	if l.Session.Legacy() {
		name = fmt.Sprintf("awsfresh-%d", l.Now().Unix())
	}
	in := &ssooidc.RegisterClientInput{ClientName: aws.String(name), ClientType: aws.String("public"), Scopes: scopes}
	if authCode {
		in.GrantTypes = []string{grantAuthCode, grantRefreshToken}
		in.RedirectUris = []string{"http://127.0.0.1" + callbackPath}
		in.IssuerUrl = aws.String(l.Session.StartURL)
	}
	out, err := l.client.RegisterClient(ctx, in)
	if err != nil {
		return registration{}, fmt.Errorf("registering with IAM Identity Center: %w", err)
	}
	r := registration{
		ClientID:     aws.ToString(out.ClientId),
		ClientSecret: aws.ToString(out.ClientSecret),
		ExpiresAt:    time.Unix(out.ClientSecretExpiresAt, 0).UTC().Format(cacheTimeFormat),
		Scopes:       scopes,
		GrantTypes:   in.GrantTypes,
	}
	// Not being able to cache it costs a registration next time, nothing more.
	_ = writeRegistration(path, r)
	return r, nil
}

// forgetRegistration drops a registration AWS no longer accepts.
func (l *login) forgetRegistration() {
	os.Remove(registrationFile(filepath.Dir(l.tokenFile), l.Session, l.Session.Region))
}

func (l *login) header() {
	what := "with a device code"
	if l.choice.Flow == FlowAuthCode {
		what = "in the browser"
	}
	profile := ""
	if l.Profile != "" {
		profile = fmt.Sprintf(" for profile %q", termtext.Escape(l.Profile))
	}
	fmt.Fprintf(l.Output, "Signing in to IAM Identity Center (%s)%s %s (%s).\n", termtext.Escape(l.Session.StartURL), profile, what, l.choice.Reason)
}

func (l *login) deviceFlow(ctx context.Context) (*ssooidc.CreateTokenOutput, registration, error) {
	var (
		reg  registration
		auth *ssooidc.StartDeviceAuthorizationOutput
		err  error
	)
	for attempt := 0; attempt < 2; attempt++ {
		if reg, err = l.registration(ctx, false); err != nil {
			return nil, reg, err
		}
		auth, err = l.client.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret), StartUrl: aws.String(l.Session.StartURL)})
		var invalid *types.InvalidClientException
		if !errors.As(err, &invalid) {
			break
		}
		l.forgetRegistration() // revoked or expired early: register again, once
	}
	if err != nil {
		return nil, reg, fmt.Errorf("starting the device authorization: %w", err)
	}
	begun := l.Now()
	link := aws.ToString(auth.VerificationUriComplete)
	if link == "" {
		link = aws.ToString(auth.VerificationUri)
	}
	l.header()
	fmt.Fprintf(l.Output, "Open this URL in a browser, on this or any other device, and approve the request:\n\n    %s\n\nThe page must show this code: %s\n", termtext.Escape(link), termtext.Escape(FormatUserCode(aws.ToString(auth.UserCode))))
	if l.choice.OpenBrowser {
		defer l.openBrowser(ctx, link)()
	}

	interval := time.Duration(auth.Interval) * time.Second
	if interval <= 0 {
		interval = defaultInterval
	}
	expires := begun.Add(time.Duration(auth.ExpiresIn) * time.Second)
	timer := time.NewTimer(interval)
	defer timer.Stop()
	for {
		// The interval counts from the previous answer, so that polls
		// never arrive closer together than AWS asked.
		select {
		case <-ctx.Done():
			return nil, reg, ctx.Err()
		case <-timer.C:
		}
		if auth.ExpiresIn > 0 && !l.Now().Before(expires) {
			return nil, reg, ErrCodeExpired
		}
		tok, err := l.client.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret),
			GrantType: aws.String(grantDeviceCode), DeviceCode: auth.DeviceCode})
		var (
			pending *types.AuthorizationPendingException
			slow    *types.SlowDownException
			expired *types.ExpiredTokenException
			denied  *types.AccessDeniedException
		)
		switch {
		case err == nil:
			return tok, reg, nil
		case ctx.Err() != nil:
			return nil, reg, ctx.Err()
		case errors.As(err, &pending):
		case errors.As(err, &slow):
			interval += slowDownStep
		case errors.As(err, &expired):
			return nil, reg, ErrCodeExpired
		case errors.As(err, &denied):
			return nil, reg, ErrDenied
		default:
			return nil, reg, fmt.Errorf("waiting for the sign-in: %w", err)
		}
		timer.Reset(interval)
	}
}

// callback is what the browser's redirect brought to the listener.
type callback struct {
	code string
	err  error
}

func (l *login) authCodeFlow(ctx context.Context) (*ssooidc.CreateTokenOutput, registration, error) {
	reg, err := l.registration(ctx, true)
	if err != nil {
		return nil, reg, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, reg, fmt.Errorf("listening on 127.0.0.1 for the browser's redirect: %w", err)
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d%s", ln.Addr().(*net.TCPAddr).Port, callbackPath)
	state, verifier := randomURLSafe(32), randomURLSafe(48)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	answers := make(chan callback, 1)
	var once sync.Once
	srv := &http.Server{
		Handler:           callbackHandler(state, func(c callback) { once.Do(func() { answers <- c }) }),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	closed := false
	closeListener := func() {
		if !closed {
			closed = true
			// Let the answer page reach the browser, briefly; then cut.
			sctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if srv.Shutdown(sctx) != nil {
				srv.Close()
			}
			cancel()
		}
	}
	defer closeListener()

	authorize, err := l.authorizeURL(ctx, reg.ClientID, redirect, state, challenge)
	if err != nil {
		return nil, reg, err
	}
	l.header()
	where := "Open this URL in a browser on this machine"
	if l.choice.OpenBrowser {
		where = "A browser opens at this URL; if it does not, open it yourself, on this machine"
	}
	fmt.Fprintf(l.Output, "%s:\n\n    %s\n\n", where, termtext.Escape(authorize))
	if l.choice.OpenBrowser {
		defer l.openBrowser(ctx, authorize)()
	}

	var got callback
	select {
	case <-ctx.Done():
		closed = true
		srv.Close() // at once: nobody waits for a page any more
		return nil, reg, ctx.Err()
	case got = <-answers:
	}
	closeListener()
	if got.err != nil {
		return nil, reg, got.err
	}
	tok, err := l.client.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret),
		GrantType: aws.String(grantAuthCode), Code: aws.String(got.code),
		RedirectUri: aws.String(redirect), CodeVerifier: aws.String(verifier)})
	var invalid *types.InvalidClientException
	if errors.As(err, &invalid) {
		l.forgetRegistration()
	}
	if err != nil {
		return nil, reg, fmt.Errorf("exchanging the authorization code: %w", err)
	}
	return tok, reg, nil
}

// authorizeURL is the authorize page of the OIDC endpoint the SDK resolves
// for the session's region (AWS_ENDPOINT_URL_SSO_OIDC and the like apply).
func (l *login) authorizeURL(ctx context.Context, clientID, redirect, state, challenge string) (string, error) {
	o := l.client.Options()
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, ssooidc.EndpointParameters{
		Region:       aws.String(o.Region),
		Endpoint:     o.BaseEndpoint,
		UseFIPS:      aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
		UseDualStack: aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
	})
	if err != nil {
		return "", fmt.Errorf("resolving the IAM Identity Center endpoint: %w", err)
	}
	u := ep.URI.JoinPath("authorize")
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirect},
		"state":                 {state},
		"code_challenge_method": {"S256"},
		"code_challenge":        {challenge},
		"scopes":                {strings.Join(l.Session.registrationScopes(), " ")},
	}
	// Spaces as %20, as the AWS CLI sends them; a literal + is already %2B.
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return u.String(), nil
}

// callbackHandler serves the redirect URI: it answers the browser and
// hands the outcome to done. A redirect whose state is not ours (another
// page trying its luck) is refused and the wait goes on.
func callbackHandler(state string, done func(callback)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := func(status int, msg string) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>awsfresh</title><p>%s</p>\n", msg)
		}
		if r.URL.Path != callbackPath || r.Method != http.MethodGet {
			page(http.StatusNotFound, "Not found.")
			return
		}
		q := r.URL.Query()
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			page(http.StatusBadRequest, "This sign-in answer is not for the sign-in awsfresh is waiting for.")
			return
		}
		if e := q.Get("error"); e != "" {
			err := fmt.Errorf("IAM Identity Center refused the sign-in: %s", termtext.Escape(e))
			if e == "access_denied" {
				err = ErrDenied
			}
			page(http.StatusOK, "The sign-in was refused. You can close this window.")
			done(callback{err: err})
			return
		}
		if q.Get("code") == "" {
			page(http.StatusBadRequest, "The answer carries no authorization code.")
			return
		}
		page(http.StatusOK, "Signed in. You can close this window and return to the terminal.")
		done(callback{code: q.Get("code")})
	})
}

// store writes the token cache and describes the result.
func (l *login) store(tok *ssooidc.CreateTokenOutput, reg registration) (Result, error) {
	now := l.Now()
	t := Token{
		StartURL:    l.Session.StartURL,
		Region:      l.Session.Region,
		AccessToken: aws.ToString(tok.AccessToken),
		ExpiresAt:   now.Add(time.Duration(tok.ExpiresIn) * time.Second).Truncate(time.Second),
	}
	if t.AccessToken == "" {
		return Result{}, errors.New("IAM Identity Center answered without an access token")
	}
	// The registration and refresh token go with an sso-session, whose
	// tokens the SDKs renew; a legacy profile's cannot be renewed.
	if !l.Session.Legacy() {
		t.ClientID, t.ClientSecret, t.RegistrationExpiresAt = reg.ClientID, reg.ClientSecret, reg.expires()
		t.RefreshToken = aws.ToString(tok.RefreshToken)
	}
	if err := WriteToken(l.tokenFile, t); err != nil {
		return Result{}, fmt.Errorf("writing the SSO token cache: %w", err)
	}
	return Result{
		Choice:                l.choice,
		CacheFile:             l.tokenFile,
		ExpiresAt:             t.ExpiresAt,
		Refreshable:           t.Refreshable(now),
		RegistrationExpiresAt: t.RegistrationExpiresAt,
	}, nil
}

// FormatUserCode shows a device flow's user code as XXXX-XXXX, the way
// the verification page shows it.
func FormatUserCode(c string) string {
	c = strings.TrimSpace(c)
	if len(c) == 8 && !strings.Contains(c, "-") {
		return c[:4] + "-" + c[4:]
	}
	return c
}

// randomURLSafe returns n random bytes, base64url without padding: a
// state, or a PKCE verifier (43 to 128 unreserved characters).
func randomURLSafe(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Builtin returns Login as a login the engine runs (engine.Login.Builtin):
// it signs in with o, showing what the user must do on out.
func Builtin(o Options) func(ctx context.Context, out io.Writer) error {
	return func(ctx context.Context, out io.Writer) error {
		o.Output = out
		_, err := Login(ctx, o)
		return err
	}
}
