//go:build unix

package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/simaws"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

const (
	ssoSession  = "corp"
	ssoStartURL = "https://corp.awsapps.com/start"
	ssoRegion   = "us-east-1"
)

// simSandbox is a sandbox whose AWS is a simulation on loopback.
type simSandbox struct {
	*sandbox
	sim *simaws.Server
}

func newSimSandbox(t *testing.T, opts simaws.Options) *simSandbox {
	t.Helper()
	testtools.Require(t, "curl") // the simulation's login command
	s := newSandbox(t)
	sim := simaws.New(opts)
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	for _, kv := range sim.Env() {
		k, v, _ := strings.Cut(kv, "=")
		s.env[k] = v
	}
	return &simSandbox{sandbox: s, sim: sim}
}

// ssoProfile writes profile "dev" backed by the simulated Identity Center,
// with an SSO session that is over (expired token, dead refresh token).
func (s *simSandbox) ssoProfile(t *testing.T) {
	t.Helper()
	if err := simaws.WriteSSOProfile(s.home, "dev", ssoSession, ssoStartURL, ssoRegion, s.sim.AccountID(), "Developer"); err != nil {
		t.Fatal(err)
	}
	tok := s.sim.IssueSSOToken()
	tok.ExpiresAt = time.Now().Add(-time.Minute)
	s.sim.ExpireSSOTokens()
	s.sim.RevokeRefreshTokens()
	if _, err := simaws.WriteSSOCache(s.home, ssoSession, ssoStartURL, ssoRegion, tok); err != nil {
		t.Fatal(err)
	}
}

// loginCommand plays `aws sso login`: a fresh token into the SSO cache.
func (s *simSandbox) loginCommand() string {
	return s.sim.LoginCommand(s.home, ssoSession, ssoStartURL, ssoRegion)
}

// userSettings writes ~/.claude/settings.json.
func (s *sandbox) userSettings(t *testing.T, v map[string]any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	s.write(".claude/settings.json", string(data), 0o644)
}

// acceptedBySTS checks credentials with the real SDK against the simulation.
func (s *simSandbox) acceptedBySTS(t *testing.T, c creds.Credentials) string {
	t.Helper()
	client := sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.sim.URL()),
		Credentials:  credentials.StaticCredentialsProvider{Value: c.AWS("test")},
	})
	out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("STS rejects the exported credentials: %v", err)
	}
	return aws.ToString(out.Arn)
}

func parseExport(t *testing.T, r result) creds.Credentials {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("export failed:\n%s", r)
	}
	c, err := creds.Parse([]byte(r.stdout))
	if err != nil {
		t.Fatalf("export printed something that is not credentials (%v):\n%s", err, r)
	}
	return c
}

func TestSSOExpiredRefreshThenExport(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.ssoProfile(t)
	s.userSettings(t, map[string]any{"awsAuthRefresh": s.loginCommand()})

	r := s.run("refresh", "--profile", "dev")
	if r.code != 0 {
		t.Fatalf("refresh failed:\n%s", r)
	}
	if n := s.sim.Count("SSOLogin"); n != 1 {
		t.Fatalf("login command ran %d times, want 1\n%s", n, r)
	}
	if !strings.Contains(r.stderr, `Credentials for profile "dev" are valid`) {
		t.Errorf("refresh does not say the credentials are valid:\n%s", r)
	}

	c := parseExport(t, s.run("export", "--profile", "dev"))
	if !c.HasExpiration() || !c.Temporary() {
		t.Errorf("exported credentials lack expiry or session token: %v", c)
	}
	if arn := s.acceptedBySTS(t, c); !strings.Contains(arn, "Developer") {
		t.Errorf("identity %q is not the SSO role", arn)
	}

	r = s.run("refresh", "--profile", "dev")
	if r.code != 0 || s.sim.Count("SSOLogin") != 1 {
		t.Errorf("second refresh ran the login command again (logins %d):\n%s", s.sim.Count("SSOLogin"), r)
	}
	assertNoSecret(t, r, c.SecretAccessKey, c.SessionToken, c.AccessKeyID)

	// A warm cache serves export without a single request to AWS.
	s.sim.ResetCounts()
	c2 := parseExport(t, s.run("export", "--profile", "dev", "--format", "claude"))
	if c2 != c {
		t.Errorf("warm export returned other credentials")
	}
	if n := s.sim.TotalRequests(); n != 0 {
		t.Errorf("warm-cache export made %d requests: %v", n, s.sim.Counts())
	}

	st := s.run("status", "--profile", "dev")
	if st.code != 0 || !strings.Contains(st.stdout, `SSO session:  sso-session "corp" (refreshable); access token expires`) || !strings.Contains(st.stdout, "Credentials:  valid, temporary ASIA…") {
		t.Errorf("status output unexpected:\n%s", st)
	}
	assertNoSecret(t, st, c.SecretAccessKey, c.SessionToken, c.AccessKeyID)
}

func TestConcurrentExportsLoginOnce(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.ssoProfile(t)
	// A login that takes a moment, as a person in a browser does.
	s.userSettings(t, map[string]any{"awsAuthRefresh": "sleep 1 && " + s.loginCommand()})

	const n = 20
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.run("export", "--profile", "dev")
		}()
	}
	wg.Wait()
	if got := s.sim.Count("SSOLogin"); got != 1 {
		t.Errorf("login command ran %d times for %d concurrent exports, want 1", got, n)
	}
	first := parseExport(t, results[0])
	for i, r := range results {
		c := parseExport(t, r)
		if c != first {
			t.Errorf("export %d got other credentials than export 0", i)
		}
	}
	s.acceptedBySTS(t, first)
}

func TestLoginThatFixesNothing(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.ssoProfile(t)
	counter := filepath.Join(s.home, "logins")
	s.userSettings(t, map[string]any{"awsAuthRefresh": "echo ran >> " + counter})
	logins := func() int {
		data, _ := os.ReadFile(counter)
		return strings.Count(string(data), "ran")
	}

	r := s.run("refresh", "--profile", "dev")
	if r.code != 1 || r.firstLine() != `Error: AWS authentication refresh finished, but the credentials for profile "dev" are still not valid.` {
		t.Errorf("want the still-not-valid error, exit 1:\n%s", r)
	}
	if logins() != 1 {
		t.Fatalf("login ran %d times, want 1", logins())
	}

	r = s.run("refresh", "--profile", "dev")
	if r.code != 1 || !strings.HasPrefix(r.firstLine(), "Error: AWS authentication refresh failed ") ||
		!strings.HasSuffix(r.firstLine(), "(use --force to retry now).") {
		t.Errorf("want the cooldown error:\n%s", r)
	}
	if logins() != 1 {
		t.Errorf("login ran again inside the cooldown (%d runs)", logins())
	}

	r = s.run("export", "--profile", "dev")
	if r.code != 1 || r.stdout != "" || logins() != 1 {
		t.Errorf("export inside the cooldown: want failure without a login (%d runs):\n%s", logins(), r)
	}

	r = s.run("refresh", "--profile", "dev", "--force")
	if logins() != 2 {
		t.Errorf("--force did not run the login command (%d runs):\n%s", logins(), r)
	}
}

func TestAdvisoryAndMandatoryWindows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		left     time.Duration
		wantCode int
		wantErr  string
	}{
		{"advisory: served with a warning", 12 * time.Minute, 0, ""},
		{"mandatory: error", 8 * time.Minute, 1, "Error: AWS authentication refresh failed: exit 1 exited with status 1."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			exp := time.Now().Add(tt.left).UTC().Format(time.RFC3339)
			export := `printf '{"Version":1,"AccessKeyId":"ASIAWINDOWTEST000001","SecretAccessKey":"windowsecret","SessionToken":"windowtoken","Expiration":"` + exp + `"}'`
			s.userSettings(t, map[string]any{"awsCredentialExport": export, "awsAuthRefresh": "exit 1"})
			r := s.run("export")
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.wantCode, r)
			}
			if tt.wantCode == 0 {
				c := parseExport(t, r)
				if c.AccessKeyID != "ASIAWINDOWTEST000001" {
					t.Errorf("served %v", c)
				}
				if !strings.Contains(r.stderr, "Warning: could not renew the credentials") {
					t.Errorf("no warning about the failed renewal:\n%s", r)
				}
			} else if r.firstLine() != tt.wantErr {
				t.Errorf("first line %q, want %q", r.firstLine(), tt.wantErr)
			}
			assertNoSecret(t, result{stderr: r.stderr}, "windowsecret", "windowtoken")
		})
	}
}

func TestClockSkewDiagnosedNoLogin(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	id, secret := s.sim.CreateUser("alice")
	s.write(".aws/credentials", "[static]\naws_access_key_id = "+id+"\naws_secret_access_key = "+secret+"\n", 0o600)
	counter := filepath.Join(s.home, "logins")
	s.userSettings(t, map[string]any{"awsAuthRefresh": "echo ran >> " + counter})
	s.sim.SetClockSkew(20 * time.Minute)

	r := s.run("export", "--profile", "static")
	if r.code != 1 || !strings.Contains(r.firstLine(), "check the system clock") {
		t.Errorf("want a clock diagnosis:\n%s", r)
	}
	if _, err := os.Stat(counter); err == nil {
		t.Errorf("a clock problem ran the login command")
	}
	assertNoSecret(t, r, secret, id)

	// With the clock right, the same long-term keys are verified and served.
	s.sim.SetClockSkew(0)
	c := parseExport(t, s.run("export", "--profile", "static"))
	if c.AccessKeyID != id {
		t.Errorf("served other keys")
	}
	if n := s.sim.Count("GetCallerIdentity"); n < 2 {
		t.Errorf("keys of unknown expiry were not verified with STS (%d calls)", n)
	}
}

func TestStatusAllProfiles(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.ssoProfile(t)
	id, secret := s.sim.CreateUser("carol")
	s.write(".aws/credentials", "[static]\naws_access_key_id = "+id+"\naws_secret_access_key = "+secret+"\n", 0o600)
	parseExport(t, s.run("export", "--profile", "static"))
	r := s.run("status", "--all", "--line")
	// dev's SSO token has expired, but the cache holds a refresh token:
	// the next use may renew it without a login.
	want := "aws dev renewable\naws static ok\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("status --all --line:\n%s\nwant:\n%s", r, want)
	}
	r = s.run("status", "--all", "--json")
	var reps []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &reps); err != nil || len(reps) != 2 {
		t.Errorf("status --all --json: %v\n%s", err, r)
	}
	assertNoSecret(t, r, secret, id)
}

// TestRefreshForceWithoutLoginCommand: a forced refresh with no login
// command configured has no cause to tell; its message still reads well
// and says how to configure one.
func TestRefreshForceWithoutLoginCommand(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	key, secret := s.staticProfile(t, "default", "us-east-1")
	r := s.run("refresh", "--force")
	if r.code != 2 {
		t.Errorf("exit %d, want 2:\n%s", r.code, r)
	}
	if strings.Contains(r.stderr, "%!") || strings.Contains(r.stderr, "<nil>") {
		t.Errorf("a formatting mistake in the message:\n%s", r)
	}
	for _, want := range []string{`no login command configured for profile "default".`, "--command", "AWSFRESH_REFRESH_COMMAND", "awsAuthRefresh"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the message lacks %q:\n%s", want, r)
		}
	}
	assertNoSecret(t, r, secret, key)
}
