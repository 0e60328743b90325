package simaws_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	ssooidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

const (
	profile    = "sim"
	ssoSession = "sim-session"
	startURL   = "https://sim.awsapps.com/start"
	roleName   = "PowerUser"
)

// ssoSetup writes the profile and the cache of a fresh SSO session and
// returns the token written.
func ssoSetup(t *testing.T, s *simaws.Server, home string, mutate func(*simaws.SSOToken)) simaws.SSOToken {
	t.Helper()
	if err := simaws.WriteSSOProfile(home, profile, ssoSession, startURL, region, s.AccountID(), roleName); err != nil {
		t.Fatal(err)
	}
	tok := s.IssueSSOToken()
	if mutate != nil {
		mutate(&tok)
	}
	if _, err := simaws.WriteSSOCache(home, ssoSession, startURL, region, tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func profileConfig(t *testing.T) aws.Config {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithSharedConfigProfile(profile))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func retrieve(t *testing.T, cfg aws.Config) (aws.Credentials, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cfg.Credentials.Retrieve(ctx)
}

func readCache(t *testing.T, home string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(simaws.SSOCachePath(home, ssoSession))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSSOProfileCredentials(t *testing.T) {
	s, home, sink := startSim(t, simaws.Options{})
	tok := ssoSetup(t, s, home, nil)
	cfg := profileConfig(t)
	before := time.Now()
	creds, err := retrieve(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !temporaryKey.MatchString(creds.AccessKeyID) || !secretKey.MatchString(creds.SecretAccessKey) || creds.SessionToken == "" {
		t.Fatalf("SSO role credentials have the wrong shape (key %d chars)", len(creds.AccessKeyID))
	}
	if d := creds.Expires.Sub(before); !creds.CanExpire || d < time.Hour-time.Second || d > time.Hour+time.Second {
		t.Errorf("credentials expire in %v, want 1h", d)
	}
	id, err := callerIdentity(t, cfg)
	if err != nil {
		t.Fatalf("SSO role credentials rejected by STS: %v", err)
	}
	arn := aws.ToString(id.Arn)
	if !strings.HasPrefix(arn, "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_PowerUser_") || !strings.HasSuffix(arn, "/"+simaws.DefaultSSOUser) {
		t.Errorf("identity ARN = %q", arn)
	}
	if got := s.Count(simaws.OpGetRoleCredentials); got != 1 {
		t.Errorf("GetRoleCredentials count = %d, want 1", got)
	}
	if got := s.Count(simaws.OpCreateToken); got != 0 {
		t.Errorf("CreateToken count = %d, want 0 for a valid token", got)
	}
	checkNoSecrets(t, "request log", sink.all(), tok.AccessToken, tok.RefreshToken, tok.ClientSecret, creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)
}

func TestSSOTokenRefreshedWithRefreshToken(t *testing.T) {
	s, home, _ := startSim(t, simaws.Options{})
	old := ssoSetup(t, s, home, func(tok *simaws.SSOToken) { tok.ExpiresAt = time.Now().Add(-time.Minute) })
	s.ExpireSSOTokens()

	before := time.Now()
	creds, err := retrieve(t, profileConfig(t))
	if err != nil {
		t.Fatalf("SDK did not renew the SSO session: %v", err)
	}
	if !temporaryKey.MatchString(creds.AccessKeyID) {
		t.Errorf("credentials key has the wrong shape")
	}
	if got := s.Count(simaws.OpCreateToken); got != 1 {
		t.Errorf("CreateToken count = %d, want 1", got)
	}
	cache := readCache(t, home)
	if cache["accessToken"] == old.AccessToken || cache["refreshToken"] == old.RefreshToken || cache["refreshToken"] == "" {
		t.Errorf("the SDK did not store a new access token and a rotated refresh token")
	}
	exp, err := time.Parse(time.RFC3339, cache["expiresAt"])
	if err != nil || exp.Sub(before) < 8*time.Hour-time.Minute || exp.Sub(before) > 8*time.Hour+time.Minute {
		t.Errorf("refreshed expiresAt = %q (%v), want about 8h from now", cache["expiresAt"], err)
	}

	// The refresh token was used up: a second use is refused.
	client := ssooidc.NewFromConfig(staticConfig(t, "AKIAUNUSED0000000000", "unused", ""))
	_, err = client.CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: aws.String(old.ClientID), ClientSecret: aws.String(old.ClientSecret),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(old.RefreshToken),
	})
	var grant *ssooidctypes.InvalidGrantException
	if !errors.As(err, &grant) || httpStatus(err) != 400 {
		t.Fatalf("reusing a rotated refresh token: err = %v, want InvalidGrantException 400", err)
	}
	// The rotated one works, once, and only for its own client.
	_, err = client.CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: aws.String(old.ClientID), ClientSecret: aws.String("wrong"),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(cache["refreshToken"]),
	})
	wantCode(t, err, "InvalidClientException", 401)
	out, err := client.CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: aws.String(old.ClientID), ClientSecret: aws.String(old.ClientSecret),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(cache["refreshToken"]),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.ExpiresIn != int32(8*3600) || aws.ToString(out.TokenType) != "Bearer" {
		t.Errorf("CreateToken ExpiresIn = %d, TokenType = %q", out.ExpiresIn, aws.ToString(out.TokenType))
	}
	_, err = client.CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: aws.String(old.ClientID), ClientSecret: aws.String(old.ClientSecret),
		GrantType: aws.String("password"),
	})
	wantCode(t, err, "UnsupportedGrantTypeException", 400)
}

func TestSSOSessionOver(t *testing.T) {
	t.Run("expired and refresh revoked", func(t *testing.T) {
		s, home, _ := startSim(t, simaws.Options{})
		ssoSetup(t, s, home, func(tok *simaws.SSOToken) { tok.ExpiresAt = time.Now().Add(-time.Minute) })
		s.ExpireSSOTokens()
		s.RevokeRefreshTokens()
		_, err := retrieve(t, profileConfig(t))
		var grant *ssooidctypes.InvalidGrantException
		if !errors.As(err, &grant) {
			t.Fatalf("err = %v, want an InvalidGrantException in the chain", err)
		}
		if s.Count(simaws.OpCreateToken) != 1 || s.Count(simaws.OpGetRoleCredentials) != 0 {
			t.Errorf("counts = %v", s.Counts())
		}
	})
	t.Run("expired on the server only", func(t *testing.T) {
		s, home, _ := startSim(t, simaws.Options{})
		ssoSetup(t, s, home, nil)
		s.ExpireSSOTokens() // the cache still claims the token is valid
		_, err := retrieve(t, profileConfig(t))
		var unauth *ssotypes.UnauthorizedException
		if !errors.As(err, &unauth) || httpStatus(err) != 401 {
			t.Fatalf("err = %v, want UnauthorizedException 401", err)
		}
		if !strings.Contains(err.Error(), "Session token not found or invalid") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no access", func(t *testing.T) {
		s, home, _ := startSim(t, simaws.Options{})
		ssoSetup(t, s, home, nil)
		s.Deny(simaws.OpGetRoleCredentials, "*")
		_, err := retrieve(t, profileConfig(t))
		wantCode(t, err, "ForbiddenException", 403)
	})
	t.Run("expired token without refresh token", func(t *testing.T) {
		s, home, _ := startSim(t, simaws.Options{})
		ssoSetup(t, s, home, func(tok *simaws.SSOToken) {
			tok.ExpiresAt = time.Now().Add(-time.Minute)
			tok.RefreshToken = ""
		})
		_, err := retrieve(t, profileConfig(t))
		if err == nil || !strings.Contains(err.Error(), "cannot be refreshed") {
			t.Fatalf("err = %v, want the SDK's expired token error", err)
		}
		if got := s.TotalRequests(); got != 0 {
			t.Errorf("requests = %d, want none", got)
		}
	})
}

func TestLoginCommand(t *testing.T) {
	s, home, _ := startSim(t, simaws.Options{})
	if err := simaws.WriteSSOProfile(home, profile, ssoSession, startURL, region, s.AccountID(), roleName); err != nil {
		t.Fatal(err)
	}
	// Before login: no cache, so the SDK cannot get credentials.
	if _, err := retrieve(t, profileConfig(t)); err == nil {
		t.Fatal("credentials without a login")
	}
	cmd := exec.Command("sh", "-c", s.LoginCommand(home, ssoSession, startURL, region))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("login command: %v: %s", err, out)
	}
	var answer struct {
		ExpiresAt time.Time `json:"expiresAt"`
		CacheFile string    `json:"cacheFile"`
	}
	if err := json.Unmarshal(out, &answer); err != nil {
		t.Fatalf("login output %q: %v", out, err)
	}
	if answer.CacheFile != simaws.SSOCachePath(home, ssoSession) || time.Until(answer.ExpiresAt) < 7*time.Hour {
		t.Errorf("login answered %+v", answer)
	}
	if _, err := retrieve(t, profileConfig(t)); err != nil {
		t.Fatalf("credentials after login: %v", err)
	}
	if got := s.Count(simaws.OpSSOLogin); got != 1 {
		t.Errorf("SSOLogin count = %d", got)
	}

	// Without the control token the endpoint refuses.
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/_sim/sso-login", strings.NewReader(`{"home":"`+home+`","ssoSession":"x","startUrl":"u","region":"us-east-1"}`))
	req.Header.Set(simaws.ControlHeader, "wrong")
	if status, body := doRaw(t, req); status != http.StatusForbidden {
		t.Fatalf("wrong control token: status %d: %s", status, body)
	}
	if _, err := os.Stat(simaws.SSOCachePath(home, "x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused login wrote a cache file (stat: %v)", err)
	}
	// A relative home is refused, and curl fails.
	bad := exec.Command("sh", "-c", s.LoginCommand("relative/home", ssoSession, startURL, region))
	bad.Dir = t.TempDir()
	if out, err := bad.CombinedOutput(); err == nil {
		t.Errorf("login with a relative home succeeded: %s", out)
	}
}

func TestWriteSSOCacheFormat(t *testing.T) {
	home := t.TempDir()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600))
	tok := simaws.SSOToken{AccessToken: "aoa-a", RefreshToken: "aor-r", ClientID: "cid", ClientSecret: "csec", ExpiresAt: exp, RegistrationExpiresAt: exp.Add(24 * time.Hour)}
	path, err := simaws.WriteSSOCache(home, "my-sso", startURL, "eu-west-1", tok)
	if err != nil {
		t.Fatal(err)
	}
	// sha1("my-sso"), as the AWS CLI and ssocreds.StandardCachedTokenFilepath name it.
	want := filepath.Join(home, ".aws", "sso", "cache", "0ad374308c5a4e22f723adf10145eafad7c4031c.json")
	t.Setenv("HOME", home)
	sdkPath, err := ssocreds.StandardCachedTokenFilepath("my-sso")
	if err != nil {
		t.Fatal(err)
	}
	if path != sdkPath || path != want {
		t.Fatalf("cache path = %s, SDK reads %s, want %s", path, sdkPath, want)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode: %v %v", info.Mode(), err)
	}
	b, _ := os.ReadFile(path)
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	wantFields := map[string]string{
		"accessToken": "aoa-a", "refreshToken": "aor-r", "clientId": "cid", "clientSecret": "csec",
		"expiresAt": "2030-01-02T02:04:05Z", "registrationExpiresAt": "2030-01-03T02:04:05Z",
		"region": "eu-west-1", "startUrl": startURL,
	}
	for k, v := range wantFields {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	if len(m) != len(wantFields) {
		t.Errorf("cache has fields %v", m)
	}
	if _, err := simaws.WriteSSOCache("relative", "s", startURL, region, tok); !errors.Is(err, simaws.ErrInvalidArgument) {
		t.Errorf("relative home: err = %v", err)
	}
	if s := tok.String() + " " + tok.GoString(); strings.Contains(s, "aoa-a") || strings.Contains(s, "aor-r") || strings.Contains(s, "csec") {
		t.Errorf("SSOToken prints a secret: %s", s)
	}
}

func TestWriteSSOProfileMerges(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, ".aws", "config")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	old := "[profile other]\nregion = eu-west-1\n\n[profile sim]\nregion = old-region\nsso_role_name = Old\n\n[sso-session  sim-session ]\nsso_start_url = old\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := simaws.WriteSSOProfile(home, profile, ssoSession, startURL, region, "111122223333", roleName); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, want := range []string{"[profile other]\nregion = eu-west-1", "[profile sim]\nsso_session = sim-session\nsso_account_id = 111122223333\nsso_role_name = PowerUser\nregion = us-east-1", "[sso-session sim-session]\nsso_start_url = " + startURL} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"old-region", "Old", "= old\n"} {
		if strings.Contains(got, gone) {
			t.Errorf("config still has %q:\n%s", gone, got)
		}
	}
	if err := simaws.WriteSSOProfile(home, "bad]name", ssoSession, startURL, region, "111122223333", roleName); !errors.Is(err, simaws.ErrInvalidArgument) {
		t.Errorf("bad profile name: err = %v", err)
	}
}
