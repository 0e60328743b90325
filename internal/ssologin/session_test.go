package ssologin

import (
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestChoose(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	noFiles := func(string) bool { return false }
	docker := func(p string) bool { return p == "/.dockerenv" }
	sso := Session{Name: "s", StartURL: "u", Region: "r"}
	legacy := Session{StartURL: "u", Region: "r"}
	for _, tc := range []struct {
		name       string
		m          Machine
		s          Session
		device, nb bool
		flow       Flow
		open       bool
		reason     string
	}{
		{"mac desktop", Machine{GOOS: "darwin", Getenv: env(), Exists: noFiles}, sso, false, false, FlowAuthCode, true, "a local desktop session"},
		{"windows desktop", Machine{GOOS: "windows", Getenv: env(), Exists: noFiles}, sso, false, false, FlowAuthCode, true, "a local desktop session"},
		{"linux X11", Machine{GOOS: "linux", Getenv: env("DISPLAY", ":0"), Exists: noFiles}, sso, false, false, FlowAuthCode, true, "a local desktop session"},
		{"linux Wayland", Machine{GOOS: "linux", Getenv: env("WAYLAND_DISPLAY", "wayland-0"), Exists: noFiles}, sso, false, false, FlowAuthCode, true, "a local desktop session"},
		{"linux console", Machine{GOOS: "linux", Getenv: env(), Exists: noFiles}, sso, false, false, FlowDeviceCode, false, "no display"},
		{"ssh to a mac", Machine{GOOS: "darwin", Getenv: env("SSH_CONNECTION", "a b c d"), Exists: noFiles}, sso, false, false, FlowDeviceCode, false, "an SSH session: SSH_CONNECTION is set"},
		{"ssh with X forwarding", Machine{GOOS: "linux", Getenv: env("SSH_TTY", "/dev/pts/1", "DISPLAY", "localhost:10.0"), Exists: noFiles}, sso, false, false, FlowDeviceCode, false, "an SSH session"},
		{"codespace", Machine{GOOS: "linux", Getenv: env("CODESPACES", "true", "BROWSER", "/vscode/helpers/browser.sh"), Exists: noFiles}, sso, false, false, FlowDeviceCode, true, "a GitHub Codespace"},
		{"dev container", Machine{GOOS: "linux", Getenv: env("REMOTE_CONTAINERS", "true"), Exists: noFiles}, sso, false, false, FlowDeviceCode, false, "a dev container"},
		{"docker with a display", Machine{GOOS: "linux", Getenv: env("DISPLAY", ":0"), Exists: docker}, sso, false, false, FlowDeviceCode, false, "a container: /.dockerenv exists"},
		{"podman", Machine{GOOS: "linux", Getenv: env("container", "podman"), Exists: noFiles}, sso, false, false, FlowDeviceCode, false, "a container"},
		{"--device-code on a desktop", Machine{GOOS: "darwin", Getenv: env(), Exists: noFiles}, sso, true, false, FlowDeviceCode, true, "--device-code"},
		{"--no-browser on a desktop", Machine{GOOS: "darwin", Getenv: env(), Exists: noFiles}, sso, false, true, FlowDeviceCode, false, "--no-browser"},
		{"legacy profile on a desktop", Machine{GOOS: "darwin", Getenv: env(), Exists: noFiles}, legacy, false, false, FlowDeviceCode, true, "a legacy profile"},
		{"forced auth-code in a container", Machine{GOOS: "linux", Getenv: env(EnvFlow, "auth-code"), Exists: docker}, sso, false, false, FlowAuthCode, true, EnvFlow + "=auth-code"},
		{"forced auth-code, --no-browser", Machine{GOOS: "linux", Getenv: env(EnvFlow, "auth-code", "DISPLAY", ":0"), Exists: noFiles}, sso, false, true, FlowAuthCode, false, EnvFlow + "=auth-code"},
		{"forced device-code", Machine{GOOS: "darwin", Getenv: env(EnvFlow, "device-code"), Exists: noFiles}, sso, false, false, FlowDeviceCode, true, EnvFlow + "=device-code"},
		{"bad forced value", Machine{GOOS: "darwin", Getenv: env(EnvFlow, "pkce"), Exists: noFiles}, sso, false, false, FlowAuthCode, true, "pkce is not device-code, auth-code or auto"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Choose(tc.m, tc.s, tc.device, tc.nb)
			if c.Flow != tc.flow || c.OpenBrowser != tc.open || !strings.Contains(c.Reason, tc.reason) {
				t.Errorf("Choose = %+v (%s), want %s, open %v, reason containing %q", c, c.Flow, tc.flow, tc.open, tc.reason)
			}
		})
	}
}

func TestRegistrationFileMatchesTheAWSCLI(t *testing.T) {
	// The names the AWS CLI gives these registrations (Python's
	// json.dumps(..., sort_keys=True), SHA-1).
	for _, tc := range []struct {
		s      Session
		region string
		want   string
	}{
		{Session{Name: "my-sso", StartURL: "https://x.awsapps.com/start", Scopes: []string{"sso:account:access"}}, "us-east-1", "429f05e2ca27e6558380e33ac93e43004d99e483"},
		{Session{StartURL: "https://x.awsapps.com/start"}, "eu-west-1", "96d39d608031cc5883b337f21f74c76cf488e5e2"},
		{Session{Name: "sé\u00ff\U0001F600\x7f", StartURL: "https://x/é", Scopes: []string{"a", `b"`}}, "us-east-1", "b24a9e8a961178c90128bc79d17340243eccd728"},
	} {
		if got := filepath.Base(registrationFile("/c", tc.s, tc.region)); got != tc.want+".json" {
			t.Errorf("%+v: %s, want %s.json", tc.s, got, tc.want)
		}
	}
}

func TestRegistrationScopes(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	os.WriteFile(a, []byte(`[default]
region = us-east-1
[sso-session  other ]
sso_registration_scopes = other:scope
[sso-session my-sso]
# a comment
sso_start_url = https://x.awsapps.com/start
SSO_Registration_Scopes = sso:account:access , codewhisperer:completions,
s3 =
  endpoint_url = http://sso_registration_scopes=nested
[profile p]
sso_registration_scopes = not:this
`), 0o600)
	got, err := RegistrationScopes([]string{a, filepath.Join(dir, "missing")}, "my-sso")
	if err != nil || !slices.Equal(got, []string{"sso:account:access", "codewhisperer:completions"}) {
		t.Errorf("scopes = %q, %v", got, err)
	}
	got, err = RegistrationScopes([]string{a}, "none")
	if err != nil || got != nil {
		t.Errorf("no such session: %q, %v", got, err)
	}
}

func TestTokenFileFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "t.json")
	exp := time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)
	in := Token{StartURL: "https://x", Region: "eu-west-1", AccessToken: "aoa", ExpiresAt: exp,
		ClientID: "cid", ClientSecret: "cs", RegistrationExpiresAt: exp.Add(time.Hour), RefreshToken: "aor"}
	if err := WriteToken(path, in); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := `{"startUrl":"https://x","region":"eu-west-1","accessToken":"aoa","expiresAt":"2030-01-02T03:04:05Z","clientId":"cid","clientSecret":"cs","registrationExpiresAt":"2030-01-02T04:04:05Z","refreshToken":"aor"}`
	if string(data) != want {
		t.Errorf("file:\n%s\nwant\n%s", data, want)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v", fi.Mode())
	}
	// What the AWS CLI writes (botocore may write +00:00 offsets and
	// fields of its own) reads back.
	os.WriteFile(path, []byte(`{"startUrl": "https://x", "region": "eu-west-1", "accessToken": "aoa", "expiresAt": "2030-01-02T03:04:05+00:00", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2030-01-02T04:04:05Z", "refreshToken": "aor", "extra": 1}`), 0o600)
	got, err := ReadToken(path)
	in.ExpiresAt = exp.Truncate(time.Second)
	if err != nil || got.ExpiresAt.Unix() != in.ExpiresAt.Unix() || got.RefreshToken != "aor" || !got.Refreshable(exp) || got.Refreshable(exp.Add(2*time.Hour)) {
		t.Errorf("ReadToken = %v, %v", got, err)
	}
	if strings.Contains(got.String(), "aoa") || strings.Contains(got.String(), "cs,") {
		t.Errorf("String shows a secret: %s", got)
	}
	os.WriteFile(path, []byte(`{"accessToken": "aoa"}`), 0o600)
	if _, err := ReadToken(path); err == nil {
		t.Error("a token without expiresAt was accepted")
	}
}

func TestFormatUserCode(t *testing.T) {
	for in, want := range map[string]string{"ABCDEFGH": "ABCD-EFGH", "ABCD-EFGH": "ABCD-EFGH", " abcd1234 ": "abcd-1234", "XYZ": "XYZ"} {
		if got := FormatUserCode(in); got != want {
			t.Errorf("FormatUserCode(%q) = %q, want %q", in, got, want)
		}
	}
}
