package credserver_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
)

func TestSDKEndpointCredsProvider(t *testing.T) {
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	p := &fakeProvider{fn: func(context.Context) (creds.Credentials, error) { return testCreds(exp), nil }}
	s := start(t, credserver.Options{Provider: p.Provide})

	ep := endpointcreds.New(s.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = s.Token() })
	got, err := ep.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	if got.AccessKeyID != testKeyID || got.SecretAccessKey != testSecret || got.SessionToken != testToken {
		t.Errorf("Retrieve returned other credentials: %v", creds.FromAWS(got))
	}
	if !got.CanExpire || !got.Expires.Equal(exp) {
		t.Errorf("Expires = %v (CanExpire %v), want %v", got.Expires, got.CanExpire, exp)
	}

	// A wrong token is refused, and the SDK's error says why without the
	// token or a secret.
	bad := endpointcreds.New(s.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = "not-the-token-0123456789" })
	_, err = bad.Retrieve(context.Background())
	if err == nil {
		t.Fatal("Retrieve with a wrong token succeeded")
	}
	if !strings.Contains(err.Error(), credserver.CodeInvalidToken) {
		t.Errorf("error %q does not name %s", err, credserver.CodeInvalidToken)
	}
	noSecret(t, s, "SDK error", []byte(err.Error()))
	if n := p.calls.Load(); n != 1 {
		t.Errorf("provider called %d times, want 1", n)
	}
}

func TestSDKDefaultChain(t *testing.T) {
	exp := time.Now().Add(2 * time.Hour).Truncate(time.Second)
	p := &fakeProvider{fn: func(context.Context) (creds.Credentials, error) { return testCreds(exp), nil }}
	s := start(t, credserver.Options{Provider: p.Provide})

	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}

	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	got, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v", err)
	}
	// The SDK's cache moves Expires up to 5 minutes earlier (its expiry window).
	if got.AccessKeyID != testKeyID || got.SecretAccessKey != testSecret || got.SessionToken != testToken ||
		got.Expires.After(exp) || got.Expires.Before(exp.Add(-5*time.Minute)) {
		t.Errorf("default chain returned %v expiring %v", creds.FromAWS(got), got.Expires)
	}
	if got.Source != endpointcreds.ProviderName {
		t.Errorf("credentials came from %q, want %q", got.Source, endpointcreds.ProviderName)
	}
	if st := s.Stats(); st.Served != 1 || st.ProviderCalls != 1 {
		t.Errorf("stats = %+v, want 1 served after 1 provider call", st)
	}
}

func TestEnvAndChildEnv(t *testing.T) {
	s := start(t, credserver.Options{Provider: (&fakeProvider{}).Provide})
	env := s.Env()
	want := []string{credserver.EnvFullURI + "=" + s.URL(), credserver.EnvAuthToken + "=" + s.Token()}
	if len(env) != 2 || env[0] != want[0] || env[1] != want[1] {
		t.Fatalf("Env() = %q, want %q", env, want)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || !strings.HasSuffix(s.URL(), credserver.Path) {
		t.Errorf("URL() = %q, want http://127.0.0.1:PORT%s", s.URL(), credserver.Path)
	}

	base := []string{
		"PATH=/usr/bin", "AWS_PROFILE=dev", "AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX", "AWS_SECRET_ACCESS_KEY=x",
		"AWS_SESSION_TOKEN=y", "AWS_REGION=eu-west-1", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/tmp/t",
		credserver.EnvFullURI + "=http://127.0.0.1:1/old", "HOME=/home/u",
	}
	got := s.ChildEnv(base)
	wantChild := append([]string{"PATH=/usr/bin", "AWS_REGION=eu-west-1", "HOME=/home/u"}, env...)
	if strings.Join(got, "\n") != strings.Join(wantChild, "\n") {
		t.Errorf("ChildEnv =\n%q\nwant\n%q", got, wantChild)
	}
}
