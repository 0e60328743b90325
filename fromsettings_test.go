package awsfresh

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/settings"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

// settingsEnv is a hermetic home with the simulated SSO profile "dev" and a
// project directory; it returns the project directory.
func settingsEnv(t *testing.T) (home, project string) {
	t.Helper()
	env := newSimEnv(t, simaws.Options{})
	project = filepath.Join(env.home, "work", "repo")
	if err := os.MkdirAll(filepath.Join(project, ".claude"), 0o700); err != nil {
		t.Fatal(err)
	}
	return env.home, project
}

func writeJSON(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// providerCommands digs the decided commands out of a Provider.
func providerCommands(p *Provider) (login, export string) {
	return p.login, p.export
}

func TestFromSettings(t *testing.T) {
	tests := []struct {
		name        string
		user        string // ~/.claude/settings.json
		project     string // <project>/.claude/settings.json
		trust       bool   // trust the project file
		env         map[string]string
		opts        Options
		wantProfile string
		wantLogin   string
		wantExport  string
		wantTimeout time.Duration
		wantErr     func(error) bool
	}{
		{name: "nothing configured: the built-in sign-in for an SSO profile",
			env:         map[string]string{"AWS_PROFILE": "dev"},
			wantProfile: "dev", wantLogin: "awsfresh login --profile dev", wantTimeout: DefaultTimeout},
		{name: "nothing configured, the AWS CLI chosen for an SSO profile",
			env: map[string]string{"AWS_PROFILE": "dev"}, opts: Options{SSOLogin: SSOLoginAWSCLI},
			wantProfile: "dev", wantLogin: "aws sso login --profile dev", wantTimeout: DefaultTimeout},
		{name: "nothing configured, no SSO login chosen",
			env: map[string]string{"AWS_PROFILE": "dev"}, opts: Options{SSOLogin: SSOLoginNone},
			wantProfile: "dev", wantTimeout: DefaultTimeout},
		{name: "nothing configured, not an SSO profile: no login",
			wantProfile: "default", wantTimeout: DefaultTimeout},
		{name: "user settings",
			user:        `{"awsAuthRefresh": "my-login", "awsCredentialExport": "my-export", "env": {"AWS_PROFILE": "dev"}}`,
			wantProfile: "dev", wantLogin: "my-login", wantExport: "my-export", wantTimeout: DefaultTimeout},
		{name: "AWS_PROFILE beats the settings' env",
			user:        `{"env": {"AWS_PROFILE": "dev"}}`,
			env:         map[string]string{"AWS_PROFILE": "other"},
			wantProfile: "other", wantTimeout: DefaultTimeout},
		{name: "AWSFRESH_PROFILE (set by exec) beats the settings' env, not AWS_PROFILE",
			user:        `{"env": {"AWS_PROFILE": "dev"}}`,
			env:         map[string]string{resolve.EnvProfile: "served"},
			wantProfile: "served", wantTimeout: DefaultTimeout},
		{name: "AWS_PROFILE beats AWSFRESH_PROFILE",
			env:         map[string]string{"AWS_PROFILE": "other", resolve.EnvProfile: "served"},
			wantProfile: "other", wantTimeout: DefaultTimeout},
		{name: "explicit options win",
			user:        `{"awsAuthRefresh": "my-login", "awsCredentialExport": "my-export", "env": {"AWS_PROFILE": "dev"}}`,
			env:         map[string]string{resolve.EnvRefreshCommand: "env-login", resolve.EnvTimeout: "90s"},
			opts:        Options{Profile: "explicit", LoginCommand: "opt-login", ExportCommand: "opt-export", Timeout: time.Minute},
			wantProfile: "explicit", wantLogin: "opt-login", wantExport: "opt-export", wantTimeout: time.Minute},
		{name: "environment variables beat the settings",
			user:        `{"awsAuthRefresh": "my-login", "awsCredentialExport": "my-export"}`,
			env:         map[string]string{resolve.EnvRefreshCommand: "env-login", resolve.EnvExportCommand: "env-export", resolve.EnvTimeout: "90s"},
			wantProfile: "default", wantLogin: "env-login", wantExport: "env-export", wantTimeout: 90 * time.Second},
		{name: "awsfresh's own commands are skipped",
			user:        `{"awsAuthRefresh": "awsfresh refresh --profile dev", "awsCredentialExport": "awsfresh export --format claude", "env": {"AWS_PROFILE": "dev"}}`,
			wantProfile: "dev", wantLogin: "awsfresh login --profile dev", wantTimeout: DefaultTimeout},
		{name: "untrusted project command",
			project: `{"awsAuthRefresh": "./scripts/login.sh"}`,
			wantErr: func(err error) bool {
				var u *settings.UntrustedError
				return errors.As(err, &u) && u.Key == "awsAuthRefresh"
			}},
		{name: "trusted project command",
			project: `{"awsAuthRefresh": "./scripts/login.sh"}`, trust: true,
			wantProfile: "default", wantLogin: "./scripts/login.sh", wantTimeout: DefaultTimeout},
		{name: "untrusted project command overridden by an explicit one",
			project: `{"awsAuthRefresh": "./scripts/login.sh"}`,
			opts:    Options{LoginCommand: "opt-login"}, wantProfile: "default", wantLogin: "opt-login", wantTimeout: DefaultTimeout},
		{name: "malformed settings",
			user: "{\n  \"awsAuthRefresh\": \"x\",\n}",
			wantErr: func(err error) bool {
				var se *settings.SyntaxError
				return errors.As(err, &se) && se.Line == 3
			}},
		{name: "bad AWSFRESH_TIMEOUT",
			env:     map[string]string{resolve.EnvTimeout: "soon"},
			wantErr: func(err error) bool { return err != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, project := settingsEnv(t)
			if tt.user != "" {
				writeJSON(t, filepath.Join(home, ".claude", "settings.json"), tt.user)
			}
			projectFile := filepath.Join(project, ".claude", "settings.json")
			if tt.project != "" {
				writeJSON(t, projectFile, tt.project)
			}
			store := &settings.TrustStore{Path: filepath.Join(t.TempDir(), "trusted.json")}
			if tt.trust {
				if _, err := store.Trust(projectFile); err != nil {
					t.Fatal(err)
				}
			}
			// Not the profile of an awsfresh exec the tests run under.
			t.Setenv("AWS_PROFILE", "")
			t.Setenv(resolve.EnvProfile, "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			opts := tt.opts
			opts.CacheDir = t.TempDir()
			p, err := FromSettings(context.Background(), SettingsOptions{
				Options: opts, ProjectDir: project, TrustStore: store, managedPaths: []string{},
			})
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			login, export := providerCommands(p)
			if p.Profile() != tt.wantProfile || login != tt.wantLogin || export != tt.wantExport || p.timeout != tt.wantTimeout {
				t.Errorf("profile %q login %q export %q timeout %v; want %q %q %q %v",
					p.Profile(), login, export, p.timeout, tt.wantProfile, tt.wantLogin, tt.wantExport, tt.wantTimeout)
			}
		})
	}
}

// TestFromSettingsEnv: the settings' env reaches the commands, with the
// profile and the nesting marker.
func TestFromSettingsEnv(t *testing.T) {
	home, project := settingsEnv(t)
	writeJSON(t, filepath.Join(home, ".claude", "settings.json"),
		`{"awsAuthRefresh": "my-login", "env": {"AWS_PROFILE": "dev", "MY_SETTING": "from-settings", "PATH_EXTRA": "x"}}`)
	t.Setenv("MY_SETTING", "from-process")
	p, err := FromSettings(context.Background(), SettingsOptions{
		Options: Options{CacheDir: t.TempDir()}, ProjectDir: project, managedPaths: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"MY_SETTING=from-settings", "PATH_EXTRA=x", "AWS_PROFILE=dev", resolve.EnvNested + "=1"} {
		if !slices.Contains(p.env, want) {
			t.Errorf("the commands' environment lacks %s", want)
		}
	}
	if slices.Contains(p.env, "MY_SETTING=from-process") {
		t.Error("the process's value beat the settings'")
	}
}

// TestFromSettingsNested: started by a command awsfresh runs, the Provider
// never runs the login command.
func TestFromSettingsNested(t *testing.T) {
	_, project := settingsEnv(t)
	t.Setenv(resolve.EnvNested, "1")
	p, err := FromSettings(context.Background(), SettingsOptions{
		Options:    Options{Profile: "dev", LoginCommand: "touch " + filepath.Join(t.TempDir(), "ran"), CacheDir: t.TempDir(), Timeout: 5 * time.Second},
		ProjectDir: project, managedPaths: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Retrieve(context.Background())
	if !errors.Is(err, engine.ErrNested) {
		t.Errorf("want engine.ErrNested, got %v", err)
	}
}
