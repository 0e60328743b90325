package resolve_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/resolve"
)

// user is a hermetic user: HOME with AWS files and Claude Code settings,
// a project directory, an environment of its own and no managed settings.
type user struct {
	t    *testing.T
	home string
	env  map[string]string
}

// profiles every test's config defines: a profile that does not exist is
// a configuration error, which is not what these tests are about.
const awsConfig = `[default]
region = us-east-1

[profile dev]
region = eu-west-1
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Dev

[profile fromenv]
region = us-east-2

[profile fromsettings]
region = us-west-2

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`

func newUser(t *testing.T) *user {
	t.Helper()
	home := t.TempDir()
	u := &user{t: t, home: home, env: map[string]string{"HOME": home, "PATH": "/usr/bin:/bin"}}
	// The SDK's shared-config loader reads these from the process.
	t.Setenv("AWS_CONFIG_FILE", u.write(".aws/config", awsConfig))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	if err := os.MkdirAll(filepath.Join(home, "project"), 0o755); err != nil {
		t.Fatal(err)
	}
	return u
}

func (u *user) write(rel, content string) string {
	u.t.Helper()
	p := filepath.Join(u.home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		u.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		u.t.Fatal(err)
	}
	return p
}

// settings writes a Claude Code settings file under HOME.
func (u *user) settings(rel string, v map[string]any) string {
	u.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		u.t.Fatal(err)
	}
	return u.write(rel, string(data))
}

// input is what the command line would pass, for this user.
func (u *user) input() resolve.Input {
	var environ []string
	for k, v := range u.env {
		environ = append(environ, k+"="+v)
	}
	return resolve.Input{
		Getenv:       func(k string) string { return u.env[k] },
		Environ:      environ,
		Self:         "/opt/bin/awsfresh",
		ProjectDir:   filepath.Join(u.home, "project"),
		HomeDir:      u.home,
		ManagedPaths: []string{filepath.Join(u.home, "no-managed-settings.json")},
	}
}

func (u *user) resolve(in resolve.Input) *resolve.Result {
	u.t.Helper()
	r, err := resolve.Resolve(context.Background(), in)
	if err != nil {
		u.t.Fatalf("Resolve: %v", err)
	}
	return r
}

func line(c *resolve.Command) string {
	if c == nil {
		return "<none>"
	}
	return c.Line
}

func TestProfilePrecedence(t *testing.T) {
	for _, tt := range []struct {
		name     string
		flag     string
		env      string
		settings string
		want     string
	}{
		{name: "the flag wins", flag: "dev", env: "fromenv", settings: "fromsettings", want: "dev"},
		{name: "then AWS_PROFILE", env: "fromenv", settings: "fromsettings", want: "fromenv"},
		{name: "then the settings' env", settings: "fromsettings", want: "fromsettings"},
		{name: "then default", want: "default"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := newUser(t)
			if tt.env != "" {
				u.env["AWS_PROFILE"] = tt.env
			}
			if tt.settings != "" {
				u.settings(".claude/settings.json", map[string]any{"env": map[string]any{"AWS_PROFILE": tt.settings}})
			}
			in := u.input()
			in.Profile = tt.flag
			r := u.resolve(in)
			if r.Profile != tt.want || r.ProfileInfo.Name != tt.want || !r.ProfileInfo.Exists {
				t.Errorf("profile %q (info %+v), want %q", r.Profile, r.ProfileInfo, tt.want)
			}
			if !slices.Contains(r.ChildEnv, "AWS_PROFILE="+tt.want) {
				t.Errorf("the commands' environment does not select the profile: %v", r.ChildEnv)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	u := newUser(t)
	if r := u.resolve(u.input()); r.Timeout != resolve.DefaultTimeout {
		t.Errorf("default timeout %s, want %s", r.Timeout, resolve.DefaultTimeout)
	}
	u.env[resolve.EnvTimeout] = "90s"
	if r := u.resolve(u.input()); r.Timeout != 90*time.Second {
		t.Errorf("%s=90s gives %s", resolve.EnvTimeout, r.Timeout)
	}
	in := u.input()
	in.Timeout = 5 * time.Second
	if r := u.resolve(in); r.Timeout != 5*time.Second {
		t.Errorf("the flag's timeout loses to the environment: %s", r.Timeout)
	}
	for _, bad := range []string{"soon", "0s", "-1m"} {
		u.env[resolve.EnvTimeout] = bad
		var te *resolve.TimeoutError
		if _, err := resolve.Resolve(context.Background(), u.input()); !errors.As(err, &te) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s=%q: want a TimeoutError naming the value, got %v", resolve.EnvTimeout, bad, err)
		}
	}
}

// TestLoginCommandPrecedence: the flag, then AWSFRESH_REFRESH_COMMAND,
// then awsAuthRefresh in the settings, then `aws sso login` for an SSO
// profile; none for a profile that cannot log in.
func TestLoginCommandPrecedence(t *testing.T) {
	for _, tt := range []struct {
		name     string
		profile  string
		flag     string
		env      string
		settings string
		want     string
	}{
		{name: "the flag wins", profile: "dev", flag: "login-flag", env: "login-env", settings: "login-settings", want: "login-flag"},
		{name: "then the environment", profile: "dev", env: "login-env", settings: "login-settings", want: "login-env"},
		{name: "then the settings", profile: "dev", settings: "login-settings", want: "login-settings"},
		{name: "then the built-in sign-in for an SSO profile", profile: "dev", want: "awsfresh login --profile dev"},
		{name: "none for a profile without SSO", profile: "fromenv", want: "<none>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := newUser(t)
			if tt.env != "" {
				u.env[resolve.EnvRefreshCommand] = tt.env
			}
			if tt.settings != "" {
				u.settings(".claude/settings.json", map[string]any{"awsAuthRefresh": tt.settings})
			}
			in := u.input()
			in.Profile, in.LoginCommand, in.CommandFrom = tt.profile, tt.flag, "--command"
			r := u.resolve(in)
			if got := line(r.Login); got != tt.want {
				t.Errorf("login command %q, want %q", got, tt.want)
			}
			if r.Export != nil {
				t.Errorf("an export command appeared: %q", r.Export.Line)
			}
		})
	}
}

func TestExportCommandPrecedence(t *testing.T) {
	for _, tt := range []struct {
		name, flag, env, settings, want string
	}{
		{name: "the flag wins", flag: "export-flag", env: "export-env", settings: "export-settings", want: "export-flag"},
		{name: "then the environment", env: "export-env", settings: "export-settings", want: "export-env"},
		{name: "then the settings", settings: "export-settings", want: "export-settings"},
		{name: "else the SDK chain", want: "<none>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := newUser(t)
			if tt.env != "" {
				u.env[resolve.EnvExportCommand] = tt.env
			}
			if tt.settings != "" {
				u.settings(".claude/settings.json", map[string]any{"awsCredentialExport": tt.settings})
			}
			in := u.input()
			in.ExportCommand = tt.flag
			if got := line(u.resolve(in).Export); got != tt.want {
				t.Errorf("export command %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSettingsFilesPrecedence: a --settings file wins over the user's
// settings, key by key for env.
func TestSettingsFilesPrecedence(t *testing.T) {
	u := newUser(t)
	u.settings(".claude/settings.json", map[string]any{
		"awsAuthRefresh": "user-login",
		"env":            map[string]any{"FROM_USER": "user", "SHARED": "user"},
	})
	extra := u.settings("extra.json", map[string]any{
		"awsAuthRefresh": "extra-login",
		"env":            map[string]any{"SHARED": "extra"},
	})
	in := u.input()
	in.Profile, in.SettingsFiles = "dev", []string{extra}
	r := u.resolve(in)
	if line(r.Login) != "extra-login" {
		t.Errorf("login command %q, want the --settings file's", line(r.Login))
	}
	for _, kv := range []string{"FROM_USER=user", "SHARED=extra"} {
		if !slices.Contains(r.ChildEnv, kv) {
			t.Errorf("the commands' environment lacks %s: %v", kv, r.ChildEnv)
		}
	}
}

// TestSelfInvocationSkipped: a configured command that runs awsfresh
// itself is skipped (never recursed into), and the next one is used: for
// an SSO profile, the built-in sign-in, which runs in process.
func TestSelfInvocationSkipped(t *testing.T) {
	u := newUser(t)
	u.env[resolve.EnvRefreshCommand] = "awsfresh refresh --profile dev"
	u.settings(".claude/settings.json", map[string]any{
		"awsAuthRefresh":      "/opt/bin/awsfresh refresh",
		"awsCredentialExport": "env FOO=1 awsfresh export --profile dev",
	})
	in := u.input()
	in.Profile = "dev"
	r := u.resolve(in)
	if line(r.Login) != "awsfresh login --profile dev" || !r.Login.Builtin || r.Export != nil {
		t.Errorf("login %q, export %q: want the commands that run awsfresh skipped", line(r.Login), line(r.Export))
	}
	if len(r.Skipped) != 3 {
		t.Errorf("skipped %q, want all three", r.Skipped)
	}

	// A command that merely mentions awsfresh, or runs another subcommand,
	// is kept.
	u.env[resolve.EnvRefreshCommand] = "echo awsfresh refresh"
	if r := u.resolve(in); line(r.Login) != "echo awsfresh refresh" {
		t.Errorf("login %q, want the echo kept", line(r.Login))
	}
}

// TestChildEnvironment: the commands awsfresh runs get the caller's
// environment, the settings' env on top, the profile and the nesting
// marker; the in-process SDK sees the settings' shared config file.
func TestChildEnvironment(t *testing.T) {
	u := newUser(t)
	other := u.write("other-config", "[profile elsewhere]\nregion = ap-south-1\n")
	u.env["KEEP_ME"] = "1"
	u.env["OVERRIDDEN"] = "caller"
	u.settings(".claude/settings.json", map[string]any{"env": map[string]any{
		"OVERRIDDEN": "settings", "AWS_CONFIG_FILE": other,
	}})
	in := u.input()
	in.Profile = "elsewhere"
	r := u.resolve(in)
	for _, kv := range []string{"KEEP_ME=1", "OVERRIDDEN=settings", "AWS_PROFILE=elsewhere", resolve.EnvNested + "=1", "AWS_CONFIG_FILE=" + other} {
		if !slices.Contains(r.ChildEnv, kv) {
			t.Errorf("the commands' environment lacks %s: %v", kv, r.ChildEnv)
		}
	}
	if !r.ProfileInfo.Exists || r.ProfileInfo.Region != "ap-south-1" {
		t.Errorf("profile info %+v: want it read from the settings' AWS_CONFIG_FILE", r.ProfileInfo)
	}
	if r.Nested {
		t.Error("Nested without the marker")
	}
	u.env[resolve.EnvNested] = "1"
	if r := u.resolve(in); !r.Nested {
		t.Error("not Nested with the marker set")
	}
}
