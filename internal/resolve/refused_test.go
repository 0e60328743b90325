package resolve

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsfresh/awsfresh/internal/settings"
)

// world is a hermetic home with a shared config file holding profiles
// "dev" (IAM Identity Center) and "default", and a project directory.
type world struct {
	home, project string
	store         *settings.TrustStore
	env           map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	home := t.TempDir()
	w := &world{
		home:    home,
		project: filepath.Join(home, "src", "repo"),
		store:   &settings.TrustStore{Path: filepath.Join(home, ".config", "awsfresh", "trusted.json")},
		env:     map[string]string{},
	}
	cfg := filepath.Join(home, ".aws", "config")
	write(t, cfg, "[default]\nregion = us-east-1\n\n[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n")
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	if err := os.MkdirAll(w.project, 0o755); err != nil {
		t.Fatal(err)
	}
	return w
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (w *world) user(t *testing.T, content string) string {
	p := filepath.Join(w.home, ".claude", "settings.json")
	write(t, p, content)
	return p
}

func (w *world) proj(t *testing.T, content string) string {
	p := filepath.Join(w.project, ".claude", "settings.json")
	write(t, p, content)
	return p
}

func (w *world) resolve(t *testing.T, in Input) (*Result, error) {
	t.Helper()
	in.Getenv = func(k string) string { return w.env[k] }
	in.Environ = []string{"HOME=" + w.home}
	in.ProjectDir, in.HomeDir, in.ConfigDir = w.project, w.home, filepath.Join(w.home, ".claude")
	in.ManagedPaths = []string{}
	in.TrustStore = w.store
	return Resolve(context.Background(), in)
}

func (w *world) mustResolve(t *testing.T, in Input) *Result {
	t.Helper()
	r, err := w.resolve(t, in)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	return r
}

func untrusted(err error, key string) bool {
	var ue *settings.UntrustedError
	return errors.As(err, &ue) && ue.Key == key
}

func TestNothingRefusedWithoutProjectValues(t *testing.T) {
	w := newWorld(t)
	w.user(t, `{"awsAuthRefresh": "my-login", "awsCredentialExport": "my-export", "env": {"PYTHONUSERBASE": "/mine"}}`)
	w.proj(t, `{"env": {"AWS_PROFILE": "dev", "aws_region": "eu-west-1", "CLAUDE_CODE_USE_BEDROCK": "1"}}`)
	r := w.mustResolve(t, Input{})
	if r.Profile != "dev" || r.Login == nil || r.Login.Line != "my-login" || r.Export == nil {
		t.Fatalf("profile %q login %+v export %+v", r.Profile, r.Login, r.Export)
	}
	if r.Login.Refused != nil || r.Export.Refused != nil || r.EnvRefused != nil || r.SourceRefused != nil || r.Refused() != nil {
		t.Errorf("refused: login %v export %v env %v source %v", r.Login.Refused, r.Export.Refused, r.EnvRefused, r.SourceRefused)
	}
	if _, err := os.Stat(w.store.Path); err == nil {
		t.Error("the trust store was written")
	}
}

func TestUntrustedProjectValuesAreRefusedWhereUsed(t *testing.T) {
	t.Run("login command", func(t *testing.T) {
		w := newWorld(t)
		user := w.user(t, `{"awsAuthRefresh": "my-login"}`)
		proj := w.proj(t, `{"awsAuthRefresh": "./login.sh"}`)
		r := w.mustResolve(t, Input{Profile: "dev"})
		// The project's command is the one chosen, and refused: the user's
		// is not silently run instead, and the refusal names both.
		if r.Login == nil || r.Login.Line != "./login.sh" || !untrusted(r.Login.Refused, "awsAuthRefresh") {
			t.Fatalf("Login = %+v", r.Login)
		}
		var ue *settings.UntrustedError
		errors.As(r.Login.Refused, &ue)
		if ue.Path != proj || ue.Shadows != user {
			t.Errorf("UntrustedError = %+v, want %s replacing %s", ue, proj, user)
		}
		// The SDK chain does not need the project's command.
		if r.SourceRefused != nil || r.EnvRefused != nil {
			t.Errorf("SourceRefused %v, EnvRefused %v; want nil", r.SourceRefused, r.EnvRefused)
		}
		// An explicit command wins over the project's, so nothing is refused.
		if r := w.mustResolve(t, Input{Profile: "dev", LoginCommand: "explicit"}); r.Login.Refused != nil {
			t.Errorf("explicit login refused: %v", r.Login.Refused)
		}
	})
	t.Run("export command", func(t *testing.T) {
		w := newWorld(t)
		w.proj(t, `{"awsCredentialExport": "./creds.sh"}`)
		r := w.mustResolve(t, Input{Profile: "dev"})
		if !untrusted(r.Export.Refused, "awsCredentialExport") || r.SourceRefused != r.Export.Refused {
			t.Errorf("Export.Refused %v, SourceRefused %v", r.Export.Refused, r.SourceRefused)
		}
		if r.Login == nil || r.Login.Refused != nil {
			t.Errorf("the SSO login (%+v) was refused", r.Login)
		}
	})
	t.Run("env", func(t *testing.T) {
		w := newWorld(t)
		w.proj(t, `{"env": {"PYTHONUSERBASE": "/repo/.u", "AWS_REGION": "eu-west-1"}}`)
		w.user(t, `{"awsCredentialExport": "my-export"}`)
		r := w.mustResolve(t, Input{Profile: "dev"})
		// Everything that runs gets the env: refused, even the user's own
		// commands and the SSO default login.
		for what, err := range map[string]error{"env": r.EnvRefused, "login": r.Login.Refused, "export": r.Export.Refused, "source": r.SourceRefused} {
			if !untrusted(err, "env.PYTHONUSERBASE") {
				t.Errorf("%s refused with %v, want the untrusted PYTHONUSERBASE", what, err)
			}
		}
		// The SDK chain in process does not read PYTHONUSERBASE.
		w.user(t, `{}`)
		r = w.mustResolve(t, Input{Profile: "dev"})
		if r.Export != nil || r.SourceRefused != nil {
			t.Errorf("SDK chain refused: %v", r.SourceRefused)
		}
		if len(r.SDKOptions) != 1 {
			t.Errorf("SDKOptions = %d, want the allowed AWS_REGION only", len(r.SDKOptions))
		}
	})
	t.Run("env the SDK chain reads", func(t *testing.T) {
		w := newWorld(t)
		w.proj(t, `{"env": {"AWS_CONFIG_FILE": "/repo/evil-config"}}`)
		r := w.mustResolve(t, Input{Profile: "dev"})
		if !untrusted(r.SourceRefused, "env.AWS_CONFIG_FILE") || len(r.SDKOptions) != 0 {
			t.Errorf("SourceRefused %v, %d SDK options; want refused and none", r.SourceRefused, len(r.SDKOptions))
		}
		if !r.ProfileInfo.IsSSO() {
			t.Error("the profile was not read from the user's own config")
		}
	})
	t.Run("trusted", func(t *testing.T) {
		w := newWorld(t)
		proj := w.proj(t, `{"awsAuthRefresh": "./login.sh", "awsCredentialExport": "./creds.sh", "env": {"PYTHONUSERBASE": "/repo/.u", "AWS_CONFIG_FILE": "/repo/cfg"}}`)
		if _, err := w.store.Trust(proj); err != nil {
			t.Fatal(err)
		}
		r := w.mustResolve(t, Input{Profile: "dev"})
		if r.Refused() != nil || r.EnvRefused != nil || r.Export.Refused != nil {
			t.Errorf("trusted file refused: %v %v %v", r.Refused(), r.EnvRefused, r.Export.Refused)
		}
		if !strings.Contains(strings.Join(r.ChildEnv, "\n"), "PYTHONUSERBASE=/repo/.u") {
			t.Errorf("ChildEnv lacks the trusted env")
		}
	})
	t.Run("unreadable trust store", func(t *testing.T) {
		w := newWorld(t)
		w.proj(t, `{"awsAuthRefresh": "./login.sh"}`)
		write(t, w.store.Path, "{not json")
		r := w.mustResolve(t, Input{Profile: "dev"})
		var tse *settings.TrustStoreError
		if !errors.As(r.Login.Refused, &tse) {
			t.Errorf("Login.Refused = %v, want the store's error", r.Login.Refused)
		}
	})
}

// A settings file that cannot be used fails only what it could decide.
func TestBrokenSettingsFile(t *testing.T) {
	w := newWorld(t)
	user := w.user(t, "{\n  \"awsAuthRefresh\": \"x\",\n}")
	isBroken := func(err error) bool {
		var se *settings.SyntaxError
		return errors.As(err, &se) && se.Path == user
	}
	// It might set env.AWS_PROFILE: with no profile given, nothing is decided.
	if _, err := w.resolve(t, Input{}); !isBroken(err) {
		t.Errorf("no profile: err = %v, want the syntax error", err)
	}
	// A profile from a file above it in precedence is decided.
	w.proj(t, `{"env": {"AWS_PROFILE": "dev"}}`)
	r, err := w.resolve(t, Input{})
	if err != nil || r.Profile != "dev" {
		t.Fatalf("profile from the project: %v, %v", r, err)
	}
	// Whatever runs or retrieves is refused: it might set env or commands.
	for what, err := range map[string]error{"env": r.EnvRefused, "login": r.Login.Refused, "source": r.SourceRefused} {
		if !isBroken(err) {
			t.Errorf("%s refused with %v, want the syntax error", what, err)
		}
	}
	// An explicit profile needs nothing from it.
	w.env["AWS_PROFILE"] = "default"
	if r, err := w.resolve(t, Input{}); err != nil || r.Profile != "default" {
		t.Errorf("AWS_PROFILE set: %v, %v", r, err)
	}
}
