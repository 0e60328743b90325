package doctor

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/settings"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

// hermetic gives the test a home of its own with an SSO profile "dev"
// and AWS endpoints that refuse connections at once.
func hermetic(t *testing.T) (home string) {
	t.Helper()
	home = t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_BEARER_TOKEN_BEDROCK", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "CLAUDE_CONFIG_DIR",
		"CLAUDE_CODE_USE_BEDROCK", "ANTHROPIC_MODEL", "ANTHROPIC_BEDROCK_BASE_URL", "AWS_ENDPOINT_URL", "AWSFRESH_TIMEOUT"} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	refused := "http://127.0.0.1:1"
	for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"} {
		t.Setenv(k, refused)
	}
	if err := simaws.WriteSSOProfile(home, "dev", "corp", "https://corp.awsapps.com/start", "us-east-1", "111122223333", "Developer"); err != nil {
		t.Fatal(err)
	}
	return home
}

func run(t *testing.T, home string, opts Options) map[string]Check {
	t.Helper()
	opts.Resolve.HomeDir = home
	opts.Resolve.ProjectDir = home
	opts.Resolve.ManagedPaths = []string{}
	if opts.Resolve.Profile == "" {
		opts.Resolve.Profile = "dev"
	}
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]Check{}
	for _, c := range rep.Checks {
		checks[c.ID] = c
	}
	if len(checks) != len(IDs()) || len(rep.Checks) != len(IDs()) {
		t.Fatalf("report has %d checks, want each of %d once", len(rep.Checks), len(IDs()))
	}
	return checks
}

func TestSSOSession(t *testing.T) {
	home := hermetic(t)
	now := time.Date(2030, 5, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		noCache      bool
		expiresIn    time.Duration
		refresh      bool
		registration time.Duration // from now; 0: unknown
		want         Status
		wantMsg      string
	}{
		{name: "not logged in", noCache: true, want: Problem, wantMsg: "not logged in"},
		{name: "ended, no refresh token", expiresIn: -time.Hour, want: Problem, wantMsg: "ended 1 hour ago and has no refresh token"},
		{name: "ended, renewable", expiresIn: -time.Hour, refresh: true, registration: 30 * 24 * time.Hour, want: OK, wantMsg: "renew it silently"},
		{name: "ended, registration over", expiresIn: -time.Hour, refresh: true, registration: -time.Minute, want: Problem, wantMsg: "client registration expired"},
		{name: "ends soon, not renewable", expiresIn: 20 * time.Minute, want: Warning, wantMsg: "ends in 20 minutes and cannot be renewed silently"},
		{name: "valid, not renewable", expiresIn: 5 * time.Hour, want: OK, wantMsg: "valid for 5 hours; without a refresh token"},
		{name: "valid, registration ends soon", expiresIn: 5 * time.Hour, refresh: true, registration: 2 * 24 * time.Hour, want: Warning, wantMsg: "client registration ends"},
		{name: "valid, renewable", expiresIn: 5 * time.Hour, refresh: true, registration: 60 * 24 * time.Hour, want: OK, wantMsg: "renewable with its refresh token until 2030-07-05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache := simaws.SSOCachePath(home, "corp")
			os.Remove(cache)
			if !tc.noCache {
				tok := simaws.SSOToken{AccessToken: "aoa-test", ExpiresAt: now.Add(tc.expiresIn), ClientID: "c", ClientSecret: "s"}
				if tc.refresh {
					tok.RefreshToken = "aor-test"
				}
				if tc.registration != 0 {
					tok.RegistrationExpiresAt = now.Add(tc.registration)
				}
				if _, err := simaws.WriteSSOCache(home, "corp", "https://corp.awsapps.com/start", "us-east-1", tok); err != nil {
					t.Fatal(err)
				}
			}
			c := run(t, home, Options{Offline: true, Now: func() time.Time { return now }})[IDSSOSession]
			if c.Status != tc.want || !strings.Contains(c.Message, tc.wantMsg) {
				t.Errorf("got %s %q, want %s containing %q", c.Status, c.Message, tc.want, tc.wantMsg)
			}
			if (c.Status == Problem || c.Status == Warning) && !strings.Contains(c.Fix, "awsfresh refresh --profile dev") {
				t.Errorf("fix %q", c.Fix)
			}
		})
	}
}

func TestProfileKinds(t *testing.T) {
	home := hermetic(t)
	config := `[profile legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Dev
region = us-east-1

[profile loop]
credential_process = awsfresh export --profile loop
region = us-east-1

[profile role]
role_arn = arn:aws:iam::111122223333:role/R
source_profile = keys

[profile keys]
region = eu-west-1

[profile empty]
region = us-east-1
`
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for profile, want := range map[string]struct {
		status Status
		msg    string
	}{
		"legacy": {Warning, "legacy IAM Identity Center profile"},
		"loop":   {Problem, "runs awsfresh export for this same profile"},
		"role":   {OK, "assumes role arn:aws:iam::111122223333:role/R"},
		"keys":   {OK, "long-term access keys"},
		"empty":  {Problem, "defines no way to get credentials"},
	} {
		c := run(t, home, Options{Offline: true, Resolve: resolve.Input{Profile: profile}})[IDProfileKind]
		if c.Status != want.status || !strings.Contains(c.Message, want.msg) {
			t.Errorf("%s: got %s %q, want %s %q", profile, c.Status, c.Message, want.status, want.msg)
		}
	}
}

func TestModelChoice(t *testing.T) {
	for _, tc := range []struct {
		env        map[string]string
		region     string
		want, from string
	}{
		{nil, "us-east-1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "Claude Code's default Bedrock model"},
		{nil, "eu-central-1", "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "default"},
		{nil, "ap-northeast-1", "apac.anthropic.claude-sonnet-4-5-20250929-v1:0", "default"},
		{map[string]string{"ANTHROPIC_MODEL": "my-profile-arn"}, "us-east-1", "my-profile-arn", "ANTHROPIC_MODEL"},
		{map[string]string{"ANTHROPIC_MODEL": "opus", "ANTHROPIC_DEFAULT_OPUS_MODEL": "us.anthropic.claude-opus-x"}, "us-east-1", "us.anthropic.claude-opus-x", "ANTHROPIC_DEFAULT_OPUS_MODEL"},
		{map[string]string{"ANTHROPIC_MODEL": "opus"}, "us-east-1", "", ""},
		{map[string]string{"ANTHROPIC_MODEL": "sonnet[1m]"}, "us-west-2", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "for sonnet[1m]"},
	} {
		d := &doctor{getenv: func(k string) string { return tc.env[k] }}
		got, from, why := d.model(tc.region)
		if got != tc.want || !strings.Contains(from, tc.from) || (got == "") != (why != "") {
			t.Errorf("%v in %s: got %q (%q, %q), want %q (%q)", tc.env, tc.region, got, from, why, tc.want, tc.from)
		}
	}
}

func TestSettingsModel(t *testing.T) {
	home := hermetic(t)
	dir := filepath.Join(home, ".claude")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "settings.json"), []byte(`{"model": "us.anthropic.claude-haiku-x", "env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := resolve.Resolve(context.Background(), resolve.Input{Profile: "dev", HomeDir: home, ProjectDir: home, ManagedPaths: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	d := &doctor{getenv: os.Getenv, res: res}
	if m, from, _ := d.model("us-east-1"); m != "us.anthropic.claude-haiku-x" || !strings.HasPrefix(from, "model in ") {
		t.Errorf("model %q from %q", m, from)
	}
	t.Setenv("ANTHROPIC_MODEL", "from-env")
	if m, _, _ := d.model("us-east-1"); m != "from-env" {
		t.Errorf("ANTHROPIC_MODEL does not win over the settings' model: %q", m)
	}
	_ = settings.ReadModel(filepath.Join(dir, "none.json")) // a missing file is no model, no panic
}

// TestBoundWithSilentAWS: with every endpoint accepting connections and
// never answering, Run ends within Deadlines.Bound (plus slack for a
// busy machine).
func TestBoundWithSilentAWS(t *testing.T) {
	home := hermetic(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan net.Conn, 64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held <- c
		}
	}()
	defer func() {
		for len(held) > 0 {
			(<-held).Close()
		}
	}()
	silent := "http://" + ln.Addr().String()
	for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"} {
		t.Setenv(k, silent)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile keys]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dl := Deadlines{Credentials: 300 * time.Millisecond, Verify: 200 * time.Millisecond, Model: 250 * time.Millisecond, Endpoint: 100 * time.Millisecond}
	start := time.Now()
	checks := run(t, home, Options{Deadlines: dl, Resolve: resolve.Input{Profile: "keys"}})
	if took, bound := time.Since(start), dl.Bound(); took > bound+10*time.Second {
		t.Errorf("took %s, bound %s", took, bound)
	}
	for _, id := range []string{IDVerify, IDBedrockModel, IDBedrockEndpoint} {
		if c := checks[id]; c.Status == OK || !strings.Contains(c.Message, "did not answer within") {
			t.Errorf("%s: %s %q", id, c.Status, c.Message)
		}
	}
	if got, want := dl.Bound(), 300*time.Millisecond+2*time.Second+250*time.Millisecond; got != want {
		t.Errorf("Bound() = %s, want %s", got, want)
	}
}
