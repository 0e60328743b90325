package simaws_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	ssooidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

// oidcClient is the real SDK client, unsigned as the OIDC API is.
func oidcClient(t *testing.T) *ssooidc.Client {
	t.Helper()
	return ssooidc.NewFromConfig(staticConfig(t, "AKIAUNUSED0000000000", "unused", ""), func(o *ssooidc.Options) {
		o.RetryMaxAttempts = 1
	})
}

func register(t *testing.T, c *ssooidc.Client, in *ssooidc.RegisterClientInput) *ssooidc.RegisterClientOutput {
	t.Helper()
	if in.ClientName == nil {
		in.ClientName = aws.String("test")
	}
	if in.ClientType == nil {
		in.ClientType = aws.String("public")
	}
	out, err := c.RegisterClient(context.Background(), in)
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	return out
}

// advance moves the simulation's clock forward.
type clock struct {
	s    *simaws.Server
	skew time.Duration
}

func (c *clock) advance(d time.Duration) {
	c.skew += d
	c.s.SetClockSkew(c.skew)
}

func TestDeviceAuthorizationFlow(t *testing.T) {
	notified := make(chan simaws.DeviceAuthorization, 1)
	s, _, sink := startSim(t, simaws.Options{SignIn: simaws.SignInOptions{
		OnDeviceAuthorization: func(d simaws.DeviceAuthorization) { notified <- d },
	}})
	clk := &clock{s: s}
	c := oidcClient(t)
	reg := register(t, c, &ssooidc.RegisterClientInput{Scopes: []string{simaws.ScopeAccountAccess}})
	if reg.ClientSecretExpiresAt-reg.ClientIdIssuedAt != int64(simaws.DefaultRegistrationLifetime/time.Second) {
		t.Errorf("registration lives %ds, want 90 days", reg.ClientSecretExpiresAt-reg.ClientIdIssuedAt)
	}
	ctx := context.Background()
	_, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: aws.String("wrong"), StartUrl: aws.String(startURL)})
	wantCode(t, err, "InvalidClientException", 401)

	dev, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(startURL)})
	if err != nil {
		t.Fatal(err)
	}
	if dev.Interval != 1 || dev.ExpiresIn != 600 || len(aws.ToString(dev.UserCode)) != 9 ||
		!strings.HasSuffix(aws.ToString(dev.VerificationUriComplete), "?user_code="+aws.ToString(dev.UserCode)) {
		t.Errorf("StartDeviceAuthorization = interval %d, expiresIn %d, user code %q, %q",
			dev.Interval, dev.ExpiresIn, aws.ToString(dev.UserCode), aws.ToString(dev.VerificationUriComplete))
	}
	if d := <-notified; d.UserCode != aws.ToString(dev.UserCode) || d.State != "pending" {
		t.Errorf("notified %+v", d)
	}
	poll := func() (*ssooidc.CreateTokenOutput, error) {
		return c.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(simaws.GrantDeviceCode), DeviceCode: dev.DeviceCode})
	}

	clk.advance(time.Second)
	_, err = poll()
	var pending *ssooidctypes.AuthorizationPendingException
	if !errors.As(err, &pending) {
		t.Fatalf("before approval: %v, want AuthorizationPendingException", err)
	}
	// Too soon: slow down, and the interval grows by 5 seconds.
	_, err = poll()
	var slow *ssooidctypes.SlowDownException
	if !errors.As(err, &slow) {
		t.Fatalf("polling too soon: %v, want SlowDownException", err)
	}

	// The user approves with one request to the verification page.
	resp, err := http.Post(aws.ToString(dev.VerificationUriComplete), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("approving: %s", resp.Status)
	}
	clk.advance(time.Second)
	if _, err := poll(); !errors.As(err, &slow) {
		t.Fatalf("polling after 1s once the interval is 6s: %v, want SlowDownException", err)
	}
	clk.advance(11 * time.Second)
	tok, err := poll()
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tok.AccessToken) == "" || aws.ToString(tok.RefreshToken) == "" || tok.ExpiresIn != 8*3600 {
		t.Errorf("token: access %d chars, refresh %d chars, expiresIn %d", len(aws.ToString(tok.AccessToken)), len(aws.ToString(tok.RefreshToken)), tok.ExpiresIn)
	}
	var grant *ssooidctypes.InvalidGrantException
	clk.advance(11 * time.Second)
	if _, err := poll(); !errors.As(err, &grant) {
		t.Errorf("a device code used twice: %v, want InvalidGrantException", err)
	}

	auths := s.DeviceAuthorizations()
	if len(auths) != 1 || auths[0].State != "redeemed" || auths[0].Interval != 11*time.Second {
		t.Fatalf("DeviceAuthorizations = %+v", auths)
	}
	var answers []string
	var early []bool
	for _, p := range auths[0].Polls {
		answers = append(answers, p.Answer)
		early = append(early, p.Early)
	}
	if got := strings.Join(answers, " "); got != "AuthorizationPendingException SlowDownException SlowDownException token InvalidGrantException" {
		t.Errorf("answers = %s", got)
	}
	if early[0] || !early[1] || !early[2] || early[3] {
		t.Errorf("early = %v", early)
	}
	checkNoSecrets(t, "the request log", sink.all(), aws.ToString(tok.AccessToken), aws.ToString(tok.RefreshToken), aws.ToString(reg.ClientSecret), aws.ToString(dev.DeviceCode))
}

func TestDeviceAuthorizationEnds(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{SignIn: simaws.SignInOptions{DeviceSlowDowns: 1}})
	clk := &clock{s: s}
	c := oidcClient(t)
	ctx := context.Background()
	// Without scopes (a legacy profile's registration), no refresh token.
	reg := register(t, c, &ssooidc.RegisterClientInput{})
	start := func() *ssooidc.StartDeviceAuthorizationOutput {
		dev, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(startURL)})
		if err != nil {
			t.Fatal(err)
		}
		return dev
	}
	poll := func(dev *ssooidc.StartDeviceAuthorizationOutput) (*ssooidc.CreateTokenOutput, error) {
		return c.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(simaws.GrantDeviceCode), DeviceCode: dev.DeviceCode})
	}

	dev := start()
	clk.advance(time.Second)
	var slow *ssooidctypes.SlowDownException
	if _, err := poll(dev); !errors.As(err, &slow) {
		t.Fatalf("first poll with DeviceSlowDowns 1: %v", err)
	}
	if err := s.ApproveDevice(aws.ToString(dev.UserCode)); err != nil {
		t.Fatal(err)
	}
	clk.advance(6 * time.Second)
	tok, err := poll(dev)
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != nil {
		t.Errorf("a client registered without scopes got a refresh token")
	}

	denied := start()
	if err := s.DenyDevice(aws.ToString(denied.UserCode)); err != nil {
		t.Fatal(err)
	}
	clk.advance(7 * time.Second)
	var deny *ssooidctypes.AccessDeniedException
	if _, err := poll(denied); !errors.As(err, &slow) {
		t.Fatalf("first poll: %v, want the forced slow-down", err)
	}
	clk.advance(7 * time.Second)
	if _, err := poll(denied); !errors.As(err, &deny) {
		t.Errorf("denied: %v, want AccessDeniedException", err)
	}

	expired := start()
	clk.advance(simaws.DefaultDeviceCodeLifetime)
	var exp *ssooidctypes.ExpiredTokenException
	if _, err := poll(expired); !errors.As(err, &exp) {
		t.Errorf("after 10 minutes: %v, want ExpiredTokenException", err)
	}
	if err := s.ApproveDevice(aws.ToString(expired.UserCode)); !errors.Is(err, simaws.ErrUnknownUserCode) {
		t.Errorf("approving an expired code: %v", err)
	}
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{})
	c := oidcClient(t)
	ctx := context.Background()
	_, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{ClientName: aws.String("x"), ClientType: aws.String("public"),
		GrantTypes: []string{simaws.GrantAuthCode}, IssuerUrl: aws.String(startURL), RedirectUris: []string{"https://example.com/cb"}})
	wantCode(t, err, "InvalidRedirectUriException", 400)
	reg := register(t, c, &ssooidc.RegisterClientInput{
		GrantTypes:   []string{simaws.GrantAuthCode, simaws.GrantRefreshToken},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
		IssuerUrl:    aws.String(startURL),
		Scopes:       []string{simaws.ScopeAccountAccess},
	})
	_, err = c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(startURL)})
	wantCode(t, err, "UnauthorizedClientException", 400)

	verifier := "a-verifier-of-enough-length-0123456789-abcdefghijklmnopqrstuvwxyz"
	sum := sha256.Sum256([]byte(verifier))
	redirect := "http://127.0.0.1:45678/oauth/callback"
	authorize := func(mutate func(url.Values)) url.Values {
		q := url.Values{
			"response_type": {"code"}, "client_id": {aws.ToString(reg.ClientId)}, "redirect_uri": {redirect},
			"state": {"st4te"}, "code_challenge_method": {"S256"}, "scopes": {simaws.ScopeAccountAccess},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		}
		if mutate != nil {
			mutate(q)
		}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(s.URL() + "/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("authorize: %s", resp.Status)
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || loc.Host != "127.0.0.1:45678" || loc.Path != "/oauth/callback" {
			t.Fatalf("redirected to %q", resp.Header.Get("Location"))
		}
		return loc.Query()
	}
	exchange := func(code, verifier, redirectURI string) (*ssooidc.CreateTokenOutput, error) {
		return c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
			GrantType: aws.String(simaws.GrantAuthCode), Code: aws.String(code), CodeVerifier: aws.String(verifier), RedirectUri: aws.String(redirectURI)})
	}

	back := authorize(nil)
	if back.Get("state") != "st4te" || back.Get("code") == "" {
		t.Fatalf("redirect query = %v", back)
	}
	var grant *ssooidctypes.InvalidGrantException
	if _, err := exchange(back.Get("code"), verifier+"x", redirect); !errors.As(err, &grant) {
		t.Errorf("wrong verifier: %v, want InvalidGrantException", err)
	}
	if _, err := exchange(back.Get("code"), verifier, redirect); !errors.As(err, &grant) {
		t.Errorf("a code after a failed exchange: %v, want InvalidGrantException (single use)", err)
	}
	back = authorize(nil)
	if _, err := exchange(back.Get("code"), verifier, "http://127.0.0.1:1/oauth/callback"); !errors.As(err, &grant) {
		t.Errorf("another redirect URI: %v, want InvalidGrantException", err)
	}
	back = authorize(nil)
	tok, err := exchange(back.Get("code"), verifier, redirect)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(tok.AccessToken) == "" || aws.ToString(tok.RefreshToken) == "" {
		t.Error("no access or refresh token")
	}
	// The refresh token works for this client.
	if _, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(simaws.GrantRefreshToken), RefreshToken: tok.RefreshToken}); err != nil {
		t.Errorf("refresh: %v", err)
	}

	if got := authorize(func(q url.Values) { q.Set("code_challenge_method", "plain") }); got.Get("error") != "invalid_request" || got.Get("code") != "" {
		t.Errorf("plain PKCE: %v", got)
	}
	if got := authorize(func(q url.Values) { q.Set("scopes", "sso:account:access other:scope") }); got.Get("error") != "invalid_scope" {
		t.Errorf("unregistered scope: %v", got)
	}
	s.SetSignInDenied(true)
	if got := authorize(nil); got.Get("error") != "access_denied" || got.Get("state") != "st4te" {
		t.Errorf("denied: %v", got)
	}
}

func TestRegistrationExpires(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{SignIn: simaws.SignInOptions{RegistrationLifetime: time.Hour}})
	clk := &clock{s: s}
	c := oidcClient(t)
	reg := register(t, c, &ssooidc.RegisterClientInput{})
	if reg.ClientSecretExpiresAt-reg.ClientIdIssuedAt != 3600 {
		t.Errorf("registration lives %ds, want 3600", reg.ClientSecretExpiresAt-reg.ClientIdIssuedAt)
	}
	clk.advance(time.Hour)
	_, err := c.StartDeviceAuthorization(context.Background(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(startURL)})
	wantCode(t, err, "InvalidClientException", 401)
}
