package settings

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestEnvAllowList(t *testing.T) {
	for _, name := range []string{
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "aws_profile", "Aws_Region",
		"ANTHROPIC_MODEL", "ANTHROPIC_SMALL_FAST_MODEL", "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_MAX_OUTPUT_TOKENS",
	} {
		if !EnvAllowedUntrusted(name) {
			t.Errorf("EnvAllowedUntrusted(%q) = false, want true", name)
		}
	}
	for _, name := range []string{
		// What code runs.
		"PATH", "Path", "HOME", "PYTHONUSERBASE", "PYTHONPATH", "BROWSER", "LD_PRELOAD", "BASH_ENV", "NODE_OPTIONS",
		"AWS_PAGER", "CLAUDE_CODE_SHELL_PREFIX", "CLAUDE_CODE_GIT_BASH_PATH", "CLAUDE_CONFIG_DIR",
		// Where requests and credentials go.
		"HTTPS_PROXY", "Https_Proxy", "http_proxy", "ALL_PROXY", "NO_PROXY", "AWS_CA_BUNDLE",
		"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "ANTHROPIC_BASE_URL", "ANTHROPIC_BEDROCK_BASE_URL",
		"CLAUDE_CODE_API_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_CUSTOM_HEADERS",
		"CLAUDE_CODE_SKIP_BEDROCK_AUTH", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_CLIENT_CERT",
		// Ours, and anything unknown.
		"AWSFRESH_REFRESH_COMMAND", "AWSFRESH_NESTED", "SOME_NEW_VARIABLE", "",
		// Look-alikes that Unicode case mapping would fold onto an allowed name.
		"AWS_PROFıLE", "ANTHROPıC_MODEL",
	} {
		if EnvAllowedUntrusted(name) {
			t.Errorf("EnvAllowedUntrusted(%q) = true, want false", name)
		}
	}
	if names := EnvAllowedUntrustedNames(); len(names) != len(untrustedEnv) || names[0] > names[len(names)-1] {
		t.Errorf("EnvAllowedUntrustedNames() = %q", names)
	}
}

func TestValueNeedsTrust(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.user(), `{"env": {"PYTHONUSERBASE": "/u", "ONLY_USER": "x"}}`)
	writeFile(t, l.proj(), `{"awsAuthRefresh": "./login.sh", "env": {"AWS_REGION": "eu-west-1", "PYTHONUSERBASE": "/repo/.u", "Https_Proxy": "http://evil"}}`)
	s := mustLoad(t, l.opts())
	for _, tt := range []struct {
		v    *Value
		want bool
	}{
		{s.AuthRefresh, true},
		{ptr(s.Env["AWS_REGION"]), false},
		{ptr(s.Env["PYTHONUSERBASE"]), true},
		{ptr(s.Env["Https_Proxy"]), true},
		{ptr(s.Env["ONLY_USER"]), false},
		{nil, false},
	} {
		if got := tt.v.NeedsTrust(); got != tt.want {
			t.Errorf("%v NeedsTrust() = %v, want %v", tt.v, got, tt.want)
		}
	}
	// All env values, sorted; the untrusted ones refused, the first named.
	vals := s.EnvValues()
	if len(vals) != 4 || vals[0].Key != "env.AWS_REGION" {
		t.Fatalf("EnvValues() = %v", vals)
	}
	err := s.CheckTrust(newStore(t), vals...)
	var ue *UntrustedError
	if !errors.As(err, &ue) || ue.Key != "env.Https_Proxy" {
		t.Fatalf("CheckTrust(env) = %v, want the untrusted Https_Proxy", err)
	}
	if !strings.Contains(err.Error(), "without trust a project may set only region, profile") {
		t.Errorf("the message does not say what a project may set: %q", err)
	}
	// PYTHONUSERBASE replaces the user's own: the message names both.
	pub := s.Env["PYTHONUSERBASE"]
	if err := s.CheckTrust(newStore(t), &pub); !errors.As(err, &ue) || ue.Shadows != l.user() ||
		!strings.Contains(err.Error(), "it takes the place of the one in "+l.user()) {
		t.Errorf("CheckTrust(PYTHONUSERBASE) = %v, want it to name %s", err, l.user())
	}
}

func ptr(v Value) *Value { return &v }

// A trusted user command is not silently replaced by the project's: the
// refusal names both files.
func TestUntrustedCommandNamesTheOneItReplaces(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.user(), `{"awsAuthRefresh": "aws sso login --profile dev"}`)
	writeFile(t, l.local(), `{"awsAuthRefresh": "./evil.sh"}`)
	s := mustLoad(t, l.opts())
	if s.AuthRefresh.Shadows == nil || s.AuthRefresh.Shadows.File.Path != l.user() {
		t.Fatalf("AuthRefresh.Shadows = %+v, want the user's", s.AuthRefresh.Shadows)
	}
	err := s.CheckTrust(newStore(t), s.AuthRefresh)
	want := "the awsAuthRefresh command in " + l.local() + " comes from the project and is not trusted yet (it takes the place of the one in " + l.user() + "); review the file, then run: awsfresh trust " + l.local()
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
}

func TestProjectSearchStopsAtRepositoryRoot(t *testing.T) {
	for _, gitIsFile := range []bool{false, true} {
		l := newLayout(t)
		// The repository is l.project/sub; a .claude above its root but
		// below HOME is not its project.
		writeFile(t, l.proj(), `{"awsAuthRefresh": "outside-the-repo"}`)
		repo := filepath.Join(l.project, "sub")
		if gitIsFile { // a worktree or submodule
			writeFile(t, filepath.Join(repo, ".git"), "gitdir: /elsewhere\n")
		} else {
			mustMkdir(t, filepath.Join(repo, ".git"))
		}
		s := mustLoad(t, l.opts())
		if s.AuthRefresh != nil || s.ProjectDir != "" {
			t.Errorf("git file %v: AuthRefresh = %+v, ProjectDir %q; want none", gitIsFile, s.AuthRefresh, s.ProjectDir)
		}
		// The repository root's own .claude is the project's.
		writeFile(t, filepath.Join(repo, ".claude", "settings.json"), `{"awsAuthRefresh": "repo"}`)
		s = mustLoad(t, l.opts())
		if s.ProjectDir != repo || s.AuthRefresh == nil || s.AuthRefresh.Value != "repo" {
			t.Errorf("git file %v: ProjectDir %q, AuthRefresh %+v; want %s", gitIsFile, s.ProjectDir, s.AuthRefresh, repo)
		}
	}
}

func TestProjectSearchIgnoresOthersFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX ownership and modes")
	}
	t.Run("a .claude folder anyone can write", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.proj(), `{"awsAuthRefresh": "planted"}`)
		chmod(t, filepath.Dir(l.proj()), 0o777)
		s := mustLoad(t, l.opts())
		if s.AuthRefresh != nil || s.ProjectDir != "" {
			t.Errorf("AuthRefresh = %+v from a world-writable .claude", s.AuthRefresh)
		}
		assertIgnored(t, s, filepath.Dir(l.proj()), "anyone can write it")
	})
	t.Run("the search goes on above an ignored folder", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.proj(), `{"awsAuthRefresh": "outer"}`)
		inner := filepath.Join(l.project, "sub", ".claude")
		writeFile(t, filepath.Join(inner, "settings.json"), `{"awsAuthRefresh": "inner"}`)
		chmod(t, inner, 0o777)
		s := mustLoad(t, l.opts())
		if s.AuthRefresh == nil || s.AuthRefresh.Value != "outer" {
			t.Errorf("AuthRefresh = %+v, want outer", s.AuthRefresh)
		}
		assertIgnored(t, s, inner, "anyone can write it")
	})
	t.Run("a settings file anyone can write", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.user(), `{"awsAuthRefresh": "user"}`)
		writeFile(t, l.local(), `{"awsAuthRefresh": "planted", "env": {"AWS_PROFILE": "x"}}`)
		writeFile(t, l.proj(), `{"awsCredentialExport": "fine"}`)
		chmod(t, l.local(), 0o666)
		s := mustLoad(t, l.opts())
		if s.AuthRefresh == nil || s.AuthRefresh.Value != "user" || len(s.Env) != 0 {
			t.Errorf("AuthRefresh = %+v, Env %v; want the user's command and no env", s.AuthRefresh, s.Env)
		}
		if s.CredentialExport == nil || s.CredentialExport.Value != "fine" {
			t.Errorf("the project's other file was not used: %+v", s.CredentialExport)
		}
		assertIgnored(t, s, l.local(), "anyone can write it")
		if f := s.Files[3]; f.Ignored == nil || !strings.HasSuffix(f.String(), "(ignored)") {
			t.Errorf("Files[3] = %v, want ignored", f)
		}
	})
	if os.Geteuid() != 0 {
		return // the rest needs files of another user or group
	}
	t.Run("a .claude folder of another user", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.proj(), `{"awsAuthRefresh": "planted"}`)
		if err := os.Chown(filepath.Dir(l.proj()), 65534, 65534); err != nil {
			t.Skip(err)
		}
		s := mustLoad(t, l.opts())
		if s.AuthRefresh != nil {
			t.Errorf("AuthRefresh = %+v from another user's .claude", s.AuthRefresh)
		}
		assertIgnored(t, s, filepath.Dir(l.proj()), "belongs to another user")
	})
	t.Run("a settings file of another user", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.proj(), `{"awsAuthRefresh": "planted"}`)
		if err := os.Chown(l.proj(), 65534, 65534); err != nil {
			t.Skip(err)
		}
		s := mustLoad(t, l.opts())
		if s.AuthRefresh != nil {
			t.Errorf("AuthRefresh = %+v from another user's file", s.AuthRefresh)
		}
		assertIgnored(t, s, l.proj(), "belongs to another user")
	})
	t.Run("a settings file a shared group can write", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.proj(), `{"awsAuthRefresh": "planted"}`)
		if err := os.Chown(l.proj(), os.Geteuid(), 65534); err != nil {
			t.Skip(err)
		}
		chmod(t, l.proj(), 0o664)
		s := mustLoad(t, l.opts())
		if s.AuthRefresh != nil {
			t.Errorf("AuthRefresh = %+v from a group-writable file", s.AuthRefresh)
		}
		assertIgnored(t, s, l.proj(), "can write it")
	})
	t.Run("the user's private group may write", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.proj(), `{"awsAuthRefresh": "mine"}`)
		chmod(t, l.proj(), 0o664) // root's own group is private: gid 0 "root"
		s := mustLoad(t, l.opts())
		if s.AuthRefresh == nil || len(s.Ignored) != 0 {
			t.Errorf("AuthRefresh = %+v, Ignored %v; want the file used", s.AuthRefresh, s.Ignored)
		}
	})
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func assertIgnored(t *testing.T, s *Settings, path, reason string) {
	t.Helper()
	for _, err := range s.Ignored {
		var ie *IgnoredError
		if errors.As(err, &ie) && ie.Path == path && strings.Contains(err.Error(), reason) &&
			strings.HasPrefix(err.Error(), "settings: ignoring "+path+": ") {
			return
		}
	}
	t.Errorf("Ignored = %v, want %s ignored because %s", s.Ignored, path, reason)
}

func loadBrokenErr(opts LoadOptions) error {
	s, err := Load(opts)
	if err != nil {
		return err
	}
	if b := s.Broken(); len(b) > 0 {
		return b[0].Err
	}
	return nil
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
}

// A broken file is left out and listed; the others are still used. A
// --settings file the user named is an error.
func TestBrokenFilesAreListedNotFatal(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.user(), "{\n  \"awsAuthRefresh\": \"x\",\n}")
	writeFile(t, l.proj(), `{"awsCredentialExport": "proj"}`)
	s := mustLoad(t, l.opts())
	b := s.Broken()
	var se *SyntaxError
	if len(b) != 1 || b[0].Path != l.user() || !errors.As(b[0].Err, &se) || se.Line != 3 {
		t.Fatalf("Broken() = %v, want the user file with its syntax error", b)
	}
	if s.AuthRefresh != nil || s.CredentialExport == nil || s.CredentialExport.Value != "proj" {
		t.Errorf("AuthRefresh %+v, CredentialExport %+v; want none and the project's", s.AuthRefresh, s.CredentialExport)
	}
	if !strings.HasSuffix(b[0].String(), "(unusable)") {
		t.Errorf("File.String() = %q", b[0].String())
	}

	writeFile(t, l.flag1, "{,}")
	if _, err := Load(l.opts()); !errors.As(err, &se) || se.Path != l.flag1 {
		t.Errorf("broken --settings file: err = %v, want its *SyntaxError", err)
	}
}

// Trust is keyed by where the file is found: a project whose settings
// file, or .claude folder, links to another project's trusted file is not
// trusted (its relative commands would run its own scripts).
func TestTrustKeyedByWhereFound(t *testing.T) {
	for _, linkFolder := range []bool{false, true} {
		l := newLayout(t)
		writeFile(t, l.proj(), `{"awsAuthRefresh": "./scripts/login.sh"}`)
		store := newStore(t)
		tr, err := store.TrustFile(l.proj())
		if err != nil {
			t.Fatal(err)
		}
		if tr.Path != l.proj() || tr.Settings.AuthRefresh != "./scripts/login.sh" || len(tr.SHA256) != 64 {
			t.Errorf("TrustFile = %+v", tr)
		}
		if s := mustLoad(t, l.opts()); s.CheckTrust(store, s.AuthRefresh) != nil {
			t.Fatal("the trusted project itself is not trusted")
		}

		other := filepath.Join(l.home, "src", "other")
		mustMkdir(t, other)
		if linkFolder {
			symlink(t, filepath.Join(l.project, ".claude"), filepath.Join(other, ".claude"))
		} else {
			mustMkdir(t, filepath.Join(other, ".claude"))
			symlink(t, l.proj(), filepath.Join(other, ".claude", "settings.json"))
		}
		opts := l.opts()
		opts.ProjectDir = other
		s := mustLoad(t, opts)
		if s.AuthRefresh == nil || s.AuthRefresh.File.Path != filepath.Join(other, ".claude", "settings.json") {
			t.Fatalf("AuthRefresh = %+v, want it from the other project", s.AuthRefresh)
		}
		var ue *UntrustedError
		if err := s.CheckTrust(store, s.AuthRefresh); !errors.As(err, &ue) || ue.Changed {
			t.Errorf("link folder %v: CheckTrust = %v, want not trusted yet", linkFolder, err)
		}
		if ok, _ := store.IsTrusted(filepath.Join(other, ".claude", "settings.json")); ok {
			t.Errorf("link folder %v: IsTrusted through the link", linkFolder)
		}
	}
}

func TestTrustFileRefusesWhatLoadIgnores(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX modes")
	}
	l := newLayout(t)
	writeFile(t, l.proj(), `{"awsAuthRefresh": "x"}`)
	chmod(t, l.proj(), 0o666)
	var ie *IgnoredError
	if _, err := newStore(t).TrustFile(l.proj()); !errors.As(err, &ie) {
		t.Errorf("TrustFile(world-writable) = %v, want *IgnoredError", err)
	}
	chmod(t, l.proj(), 0o644)
	writeFile(t, l.proj(), `{"awsAuthRefresh": 5}`)
	var te *TypeError
	if _, err := newStore(t).TrustFile(l.proj()); !errors.As(err, &te) {
		t.Errorf("TrustFile(malformed) = %v, want *TypeError", err)
	}
}

func TestIsSettingsError(t *testing.T) {
	for _, err := range []error{&FileError{}, &SyntaxError{}, &TypeError{}, &KeyError{}, &UntrustedError{}, &TrustStoreError{}} {
		if !IsSettingsError(errors.Join(errors.New("x"), err)) {
			t.Errorf("IsSettingsError(%T) = false", err)
		}
	}
	if IsSettingsError(errors.New("x")) || IsSettingsError(nil) {
		t.Error("IsSettingsError of another error")
	}
}

// An allowed name with a value that steers requests or reads as shell code
// needs trust like any other entry.
func TestEnvValueAllowedUntrusted(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		want        bool
	}{
		{"AWS_REGION", "eu-west-1", true},
		{"aws_default_region", "us-gov-west-1", true},
		{"ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION", "us-east-1", true},
		{"AWS_REGION", "x@127.0.0.1:19999/", false},
		{"AWS_REGION", "us-east-1;$(id)", false},
		{"AWS_REGION", "US-EAST-1", false},
		{"AWS_REGION", "1us-east-1", false},
		{"AWS_REGION", "us--east-1", false},
		{"AWS_REGION", "", false},
		{"ANTHROPIC_MODEL", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", true},
		{"ANTHROPIC_MODEL", "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc", true},
		{"AWS_PROFILE", "dev", true},
		{"AWS_PROFILE", "dev $(id)", false},
		{"AWS_PROFILE", "dev\x1b]0;owned\x07", false},
		{"MAX_THINKING_TOKENS", "1024", true},
	} {
		if got := EnvValueAllowedUntrusted(tt.name, tt.value); got != tt.want {
			t.Errorf("EnvValueAllowedUntrusted(%q, %q) = %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
}
