package settings

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// layout is a hermetic set of directories for Load.
type layout struct {
	root, home, config, project, work string
	managed                           string
	flag1, flag2                      string
}

func newLayout(t *testing.T) *layout {
	t.Helper()
	root := t.TempDir()
	l := &layout{
		root:    root,
		home:    filepath.Join(root, "home"),
		project: filepath.Join(root, "home", "src", "proj"),
		managed: filepath.Join(root, "etc", "claude-code", "managed-settings.json"),
		flag1:   filepath.Join(root, "flags", "one.json"),
		flag2:   filepath.Join(root, "flags", "two.json"),
	}
	l.config = filepath.Join(l.home, ".claude")
	l.work = filepath.Join(l.project, "sub", "dir")
	mustMkdir(t, l.work)
	mustMkdir(t, l.config)
	writeFile(t, l.flag1, "{}")
	writeFile(t, l.flag2, "{}")
	return l
}

func (l *layout) opts() LoadOptions {
	return LoadOptions{
		ProjectDir:   l.work,
		HomeDir:      l.home,
		ConfigDir:    l.config,
		Extra:        []string{l.flag1, l.flag2},
		ManagedPaths: []string{l.managed},
	}
}

func (l *layout) local() string { return filepath.Join(l.project, ".claude", "settings.local.json") }
func (l *layout) proj() string  { return filepath.Join(l.project, ".claude", "settings.json") }
func (l *layout) user() string  { return filepath.Join(l.config, "settings.json") }
func (l *layout) ordered() []string {
	return []string{l.managed, l.flag2, l.flag1, l.local(), l.proj(), l.user()}
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	mustMkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadBroken loads and returns why the first file that could not be used
// was left out (nil when every file was usable).
func loadBroken(t *testing.T, opts LoadOptions) error {
	t.Helper()
	s := mustLoad(t, opts)
	if b := s.Broken(); len(b) > 0 {
		return b[0].Err
	}
	return nil
}

func mustLoad(t *testing.T, opts LoadOptions) *Settings {
	t.Helper()
	s, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func TestScopeString(t *testing.T) {
	want := map[Scope]string{Managed: "managed", Flag: "--settings", ProjectLocal: "project local", Project: "project", User: "user", 0: "Scope(0)"}
	for s, w := range want {
		if got := s.String(); got != w {
			t.Errorf("Scope(%d).String() = %q, want %q", int(s), got, w)
		}
	}
	for _, s := range []Scope{Managed, Flag, User} {
		if s.NeedsTrust() {
			t.Errorf("%v.NeedsTrust() = true", s)
		}
	}
	for _, s := range []Scope{Project, ProjectLocal} {
		if !s.NeedsTrust() {
			t.Errorf("%v.NeedsTrust() = false", s)
		}
	}
}

// TestPrecedence: for each file in precedence order, when it and every
// lower file set awsAuthRefresh, it wins.
func TestPrecedence(t *testing.T) {
	scopes := []Scope{Managed, Flag, Flag, ProjectLocal, Project, User}
	for k := range scopes {
		l := newLayout(t)
		paths := l.ordered()
		for i, p := range paths {
			if i >= k {
				writeFile(t, p, `{"awsAuthRefresh": "cmd-`+filepath.Base(p)+`"}`)
			} else {
				writeFile(t, p, `{"other": true}`)
			}
		}
		s := mustLoad(t, l.opts())
		if s.AuthRefresh == nil {
			t.Fatalf("k=%d: AuthRefresh nil", k)
		}
		if s.AuthRefresh.File.Path != paths[k] || s.AuthRefresh.File.Scope != scopes[k] {
			t.Errorf("k=%d: AuthRefresh from %v, want %v %s", k, s.AuthRefresh.File, scopes[k], paths[k])
		}
		if want := "cmd-" + filepath.Base(paths[k]); s.AuthRefresh.Value != want || s.AuthRefresh.Key != KeyAuthRefresh {
			t.Errorf("k=%d: AuthRefresh = %+v, want value %q", k, *s.AuthRefresh, want)
		}
		if s.CredentialExport != nil {
			t.Errorf("k=%d: CredentialExport = %+v, want nil", k, *s.CredentialExport)
		}
	}
}

func TestFilesListed(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.flag1, `{}`)
	writeFile(t, l.flag2, `{"env": {"B": "2", "A": "1"}, "awsCredentialExport": "x"}`)
	writeFile(t, l.proj(), `{}`)
	s := mustLoad(t, l.opts())
	type row struct {
		Path   string
		Scope  Scope
		Exists bool
		Keys   []string
	}
	var got []row
	for _, f := range s.Files {
		got = append(got, row{f.Path, f.Scope, f.Exists, f.Keys})
		if f.Exists != (f.SHA256 != "") {
			t.Errorf("%v: Exists=%v but SHA256=%q", f, f.Exists, f.SHA256)
		}
	}
	want := []row{
		{l.managed, Managed, false, nil},
		{l.flag2, Flag, true, []string{"awsCredentialExport", "env.A", "env.B"}},
		{l.flag1, Flag, true, nil},
		{l.local(), ProjectLocal, false, nil},
		{l.proj(), Project, true, nil},
		{l.user(), User, false, nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Files:\n got %+v\nwant %+v", got, want)
	}
	if s.ProjectDir != l.project {
		t.Errorf("ProjectDir = %q, want %q", s.ProjectDir, l.project)
	}
	if got, want := s.Files[4].String(), "project "+l.proj(); got != want {
		t.Errorf("File.String() = %q, want %q", got, want)
	}
	if got, want := s.Files[0].String(), "managed "+l.managed+" (not found)"; got != want {
		t.Errorf("File.String() = %q, want %q", got, want)
	}
}

func TestEnvMergeKeyByKey(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.managed, `{"env": {"ALL": "managed", "M": "managed"}}`)
	writeFile(t, l.flag1, `{"env": {"ALL": "flag1", "F": "flag1", "F1": "flag1"}}`)
	writeFile(t, l.flag2, `{"env": {"ALL": "flag2", "F": "flag2", "L": "flag2"}}`)
	writeFile(t, l.local(), `{"env": {"ALL": "local", "L": "local", "P": "local"}}`)
	writeFile(t, l.proj(), `{"env": {"ALL": "project", "P": "project", "U": "project", "EMPTY": ""}}`)
	writeFile(t, l.user(), `{"env": {"ALL": "user", "U": "user", "UO": "user", "EMPTY": "user"}}`)
	s := mustLoad(t, l.opts())
	want := map[string]struct {
		value string
		path  string
	}{
		"ALL":   {"managed", l.managed},
		"M":     {"managed", l.managed},
		"F":     {"flag2", l.flag2},
		"F1":    {"flag1", l.flag1},
		"L":     {"flag2", l.flag2},
		"P":     {"local", l.local()},
		"U":     {"project", l.proj()},
		"EMPTY": {"", l.proj()}, // an empty env value is a definition
		"UO":    {"user", l.user()},
	}
	if len(s.Env) != len(want) {
		t.Errorf("Env has %d entries, want %d: %v", len(s.Env), len(want), s.Env)
	}
	for name, w := range want {
		v, ok := s.Env[name]
		if !ok {
			t.Errorf("Env[%s] missing", name)
			continue
		}
		if v.Value != w.value || v.File.Path != w.path || v.Key != "env."+name {
			t.Errorf("Env[%s] = %q from %v (key %q), want %q from %s", name, v.Value, v.File, v.Key, w.value, w.path)
		}
	}
	wantList := []string{"ALL=managed", "EMPTY=", "F=flag2", "F1=flag1", "L=flag2", "M=managed", "P=local", "U=project", "UO=user"}
	if got := s.EnvList(); !reflect.DeepEqual(got, wantList) {
		t.Errorf("EnvList() = %q, want %q", got, wantList)
	}
}

func TestLaterSettingsFlagWins(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.flag1, `{"awsAuthRefresh": "first", "awsCredentialExport": "first-export"}`)
	writeFile(t, l.flag2, `{"awsAuthRefresh": "second"}`)
	s := mustLoad(t, l.opts())
	if s.AuthRefresh.Value != "second" {
		t.Errorf("AuthRefresh = %q, want the later --settings file's", s.AuthRefresh.Value)
	}
	if s.CredentialExport.Value != "first-export" || s.CredentialExport.File.Path != l.flag1 {
		t.Errorf("CredentialExport = %+v, want first-export from %s", *s.CredentialExport, l.flag1)
	}
}

func TestEmptyCommandIsUnset(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.local(), `{"awsAuthRefresh": "", "awsCredentialExport": "  "}`)
	writeFile(t, l.user(), `{"awsAuthRefresh": "aws sso login --profile dev", "awsCredentialExport": "print-creds"}`)
	s := mustLoad(t, l.opts())
	if s.AuthRefresh == nil || s.AuthRefresh.Value != "aws sso login --profile dev" || s.AuthRefresh.File.Scope != User {
		t.Errorf("AuthRefresh = %+v, want the user file's", s.AuthRefresh)
	}
	if s.CredentialExport == nil || s.CredentialExport.File.Scope != User {
		t.Errorf("CredentialExport = %+v, want the user file's", s.CredentialExport)
	}
	if f := s.Files[3]; f.Path != l.local() || len(f.Keys) != 0 {
		t.Errorf("local file %v Keys = %q, want none", f, f.Keys)
	}
}

func TestClaudeConfigDirEnv(t *testing.T) {
	l := newLayout(t)
	alt := filepath.Join(l.root, "altconfig")
	writeFile(t, filepath.Join(alt, "settings.json"), `{"awsAuthRefresh": "from-alt"}`)
	writeFile(t, l.user(), `{"awsAuthRefresh": "from-home"}`)
	t.Setenv("CLAUDE_CONFIG_DIR", alt)
	opts := l.opts()
	opts.ConfigDir = ""
	s := mustLoad(t, opts)
	if s.AuthRefresh == nil || s.AuthRefresh.Value != "from-alt" || s.AuthRefresh.File.Scope != User {
		t.Fatalf("AuthRefresh = %+v, want from-alt (user)", s.AuthRefresh)
	}
	// Unset: back to HomeDir/.claude.
	t.Setenv("CLAUDE_CONFIG_DIR", "")
	s = mustLoad(t, opts)
	if s.AuthRefresh == nil || s.AuthRefresh.Value != "from-home" {
		t.Fatalf("AuthRefresh = %+v, want from-home", s.AuthRefresh)
	}
	// An explicit ConfigDir beats the variable.
	t.Setenv("CLAUDE_CONFIG_DIR", alt)
	opts.ConfigDir = l.config
	s = mustLoad(t, opts)
	if s.AuthRefresh == nil || s.AuthRefresh.Value != "from-home" {
		t.Fatalf("AuthRefresh = %+v, want from-home", s.AuthRefresh)
	}
}

func TestProjectDiscovery(t *testing.T) {
	t.Run("walks up past an empty .claude", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.local(), `{"awsAuthRefresh": "proj-cmd"}`)
		mustMkdir(t, filepath.Join(l.project, "sub", ".claude")) // no settings files: not a project
		s := mustLoad(t, l.opts())
		if s.ProjectDir != l.project {
			t.Errorf("ProjectDir = %q, want %q", s.ProjectDir, l.project)
		}
		if s.AuthRefresh == nil || s.AuthRefresh.File.Scope != ProjectLocal || s.AuthRefresh.File.Path != l.local() {
			t.Errorf("AuthRefresh = %+v, want from %s", s.AuthRefresh, l.local())
		}
	})
	t.Run("nearest wins", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.proj(), `{"awsAuthRefresh": "outer"}`)
		inner := filepath.Join(l.project, "sub")
		writeFile(t, filepath.Join(inner, ".claude", "settings.json"), `{"awsAuthRefresh": "inner"}`)
		s := mustLoad(t, l.opts())
		if s.ProjectDir != inner || s.AuthRefresh.Value != "inner" {
			t.Errorf("ProjectDir = %q, AuthRefresh = %q; want %q, inner", s.ProjectDir, s.AuthRefresh.Value, inner)
		}
	})
	t.Run("stops at home", func(t *testing.T) {
		l := newLayout(t)
		// A .claude above the home directory is not the project's.
		writeFile(t, filepath.Join(l.root, ".claude", "settings.json"), `{"awsAuthRefresh": "above-home"}`)
		s := mustLoad(t, l.opts())
		if s.AuthRefresh != nil {
			t.Errorf("AuthRefresh = %+v, want nil", *s.AuthRefresh)
		}
		if s.ProjectDir != "" {
			t.Errorf("ProjectDir = %q, want none", s.ProjectDir)
		}
		// Not found: the project files are listed at the start directory.
		wantLocal := filepath.Join(l.work, ".claude", "settings.local.json")
		if f := s.Files[3]; f.Scope != ProjectLocal || f.Path != wantLocal || f.Exists {
			t.Errorf("Files[3] = %v, want project local %s (not found)", f, wantLocal)
		}
	})
	t.Run("home .claude is the user's, not a project", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.user(), `{"awsAuthRefresh": "user-cmd"}`)
		s := mustLoad(t, l.opts())
		if s.ProjectDir != "" {
			t.Errorf("ProjectDir = %q, want none", s.ProjectDir)
		}
		if s.AuthRefresh == nil || s.AuthRefresh.File.Scope != User {
			t.Errorf("AuthRefresh = %+v, want from the user file", s.AuthRefresh)
		}
		for _, f := range s.Files {
			if f.Scope.NeedsTrust() && f.Path == l.user() {
				t.Errorf("user settings listed as %v", f)
			}
		}
	})
	t.Run("started in home", func(t *testing.T) {
		l := newLayout(t)
		writeFile(t, l.user(), `{"awsAuthRefresh": "user-cmd"}`)
		opts := l.opts()
		opts.ProjectDir = l.home
		s := mustLoad(t, opts)
		for _, f := range s.Files {
			if f.Scope == Project || f.Scope == ProjectLocal {
				t.Errorf("unexpected project file %v", f)
			}
		}
		if s.AuthRefresh == nil || s.AuthRefresh.File.Scope != User {
			t.Errorf("AuthRefresh = %+v, want from the user file", s.AuthRefresh)
		}
	})
	t.Run("config dir elsewhere is not a project either", func(t *testing.T) {
		l := newLayout(t)
		alt := filepath.Join(l.project, ".claude")
		writeFile(t, filepath.Join(alt, "settings.json"), `{"awsAuthRefresh": "cfg"}`)
		opts := l.opts()
		opts.ConfigDir = alt
		s := mustLoad(t, opts)
		if s.AuthRefresh == nil || s.AuthRefresh.File.Scope != User {
			t.Errorf("AuthRefresh = %+v, want from the user file", s.AuthRefresh)
		}
	})
}

func TestMissingFiles(t *testing.T) {
	l := newLayout(t)
	opts := l.opts()
	opts.Extra = nil
	s := mustLoad(t, opts) // nothing exists: not an error
	if s.AuthRefresh != nil || s.CredentialExport != nil || len(s.Env) != 0 || s.Env == nil {
		t.Errorf("got %+v, want nothing set and a non-nil Env", s)
	}

	opts.Extra = []string{filepath.Join(l.root, "nope.json")}
	_, err := Load(opts)
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing --settings: err = %v, want *FileError wrapping ErrNotExist", err)
	}
	if want := "settings: --settings file " + opts.Extra[0] + " does not exist"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestRelativeSettingsFlag(t *testing.T) {
	l := newLayout(t)
	writeFile(t, filepath.Join(l.root, "rel.json"), `{"awsAuthRefresh": "rel"}`)
	t.Chdir(l.root)
	opts := l.opts()
	opts.Extra = []string{"rel.json"}
	s := mustLoad(t, opts)
	if s.AuthRefresh == nil || s.AuthRefresh.File.Path != filepath.Join(l.root, "rel.json") {
		t.Errorf("AuthRefresh = %+v, want from the absolute path of rel.json", s.AuthRefresh)
	}
}

func TestUnreadableFile(t *testing.T) {
	l := newLayout(t)
	mustMkdir(t, l.user()) // a directory where the file should be: unreadable as a file
	err := loadBroken(t, l.opts())
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != l.user() || fe.Scope != User {
		t.Fatalf("err = %v, want *FileError for %s", err, l.user())
	}
	if !strings.HasPrefix(err.Error(), "settings: cannot read "+l.user()+": ") {
		t.Errorf("err = %q", err)
	}
}

func TestMalformedFile(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		line, col int
		msg       string
	}{
		{"trailing comma in object", "{\n  \"a\": 1,\n  }\n", 3, 3, "invalid character '}' looking for beginning of object key string"},
		{"line 3 col 17", "{\n  \"env\": {\n    \"AB\": \"cd\", }\n}\n", 3, 17, "invalid character '}' looking for beginning of object key string"},
		{"double comma", "{\n\"a\": 1,\n\"b\": [1, 2,, 3]\n}", 3, 12, "invalid character ',' looking for beginning of value"},
		{"truncated no newline", `{"env": {"A": "b"`, 1, 18, "unexpected end of JSON input"},
		{"truncated with newline", "{\n  \"env\": {\n", 3, 1, "unexpected end of JSON input"},
		{"truncated string", "{\n  \"awsAuthRefresh\": \"aws sso", 2, 29, "unexpected end of JSON input"},
		{"first byte", "x", 1, 1, "invalid character 'x' looking for beginning of value"},
		{"runes not bytes", "{\"é\": 1 x}", 1, 9, "invalid character 'x' after object key:value pair"},
		{"crlf", "{\r\n  ]\r\n}", 2, 3, "invalid character ']' looking for beginning of object key string"},
		{"garbage after value", "{}\n}", 2, 1, "invalid character '}' after top-level value"},
		{"bom then error", "\xEF\xBB\xBF{x", 1, 2, "invalid character 'x' looking for beginning of object key string"},
		{"comment", "{\n  // no comments in JSON\n}", 2, 3, "invalid character '/' looking for beginning of object key string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLayout(t)
			writeFile(t, l.proj(), tt.content)
			err := loadBroken(t, l.opts())
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if se.Path != l.proj() || se.Line != tt.line || se.Column != tt.col {
				t.Errorf("at %s:%d:%d, want %s:%d:%d", se.Path, se.Line, se.Column, l.proj(), tt.line, tt.col)
			}
			if !jsonOffsetAfterByte {
				return // the jsonv2-based encoding/json words its messages differently
			}
			want := "settings: " + l.proj() + ":" + strconv.Itoa(tt.line) + ":" + strconv.Itoa(tt.col) + ": " + tt.msg
			if err.Error() != want {
				t.Errorf("err = %q\nwant  %q", err, want)
			}
		})
	}
}

func TestEmptyFileIsEmptyObject(t *testing.T) {
	for _, content := range []string{"", "  \n\t\r\n", "\xEF\xBB\xBF"} {
		l := newLayout(t)
		writeFile(t, l.proj(), content)
		s := mustLoad(t, l.opts())
		if f := s.Files[4]; !f.Exists || f.Scope != Project {
			t.Errorf("%q: %v, want existing project file", content, f)
		}
	}
}

func TestWrongTypes(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		key       string
		want, got string
		msg       string
	}{
		{"refresh number", `{"awsAuthRefresh": 5}`, "awsAuthRefresh", "string", "number", `"awsAuthRefresh" must be a string, not a number`},
		{"export object", `{"awsCredentialExport": {"cmd": "x"}}`, "awsCredentialExport", "string", "object", `"awsCredentialExport" must be a string, not an object`},
		{"export null", `{"awsCredentialExport": null}`, "awsCredentialExport", "string", "null", `"awsCredentialExport" must be a string, not null`},
		{"env array", `{"env": ["A=b"]}`, "env", "object", "array", `"env" must be an object, not an array`},
		{"env string", `{"env": "A=b"}`, "env", "object", "string", `"env" must be an object, not a string`},
		{"env value object", `{"env": {"OK": "x", "SECRET": {"v": "hunter2"}}}`, "env.SECRET", "string", "object", `"env.SECRET" must be a string, not an object`},
		{"env value null", `{"env": {"SECRET": null}}`, "env.SECRET", "string", "null", `"env.SECRET" must be a string, not null`},
		{"env value array", `{"env": {"SECRET": ["hunter2"]}}`, "env.SECRET", "string", "array", `"env.SECRET" must be a string, not an array`},
		{"top-level array", `["hunter2"]`, "", "object", "array", `the file must contain a JSON object, not an array`},
		{"top-level string", `"hunter2"`, "", "object", "string", `the file must contain a JSON object, not a string`},
		{"top-level null", `null`, "", "object", "null", `the file must contain a JSON object, not null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLayout(t)
			writeFile(t, l.flag1, tt.content)
			_, err := Load(l.opts())
			var te *TypeError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want *TypeError", err)
			}
			if te.Path != l.flag1 || te.Key != tt.key || te.Want != tt.want || te.Got != tt.got {
				t.Errorf("TypeError = %+v, want key %q want %q got %q", *te, tt.key, tt.want, tt.got)
			}
			if want := "settings: " + l.flag1 + ": " + tt.msg; err.Error() != want {
				t.Errorf("err = %q\nwant  %q", err, want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error echoes the value: %q", err)
			}
		})
	}
}

func TestBadKeys(t *testing.T) {
	tests := []struct {
		name, content, key string
	}{
		{"empty env name", `{"env": {"": "hunter2"}}`, "env."},
		{"env name with =", `{"env": {"A=B": "hunter2"}}`, "env.A=B"},
		{"env value with NUL", `{"env": {"TOKEN": "hunter2\u0000x"}}`, "env.TOKEN"},
		{"command with NUL", `{"awsAuthRefresh": "hunter2\u0000"}`, "awsAuthRefresh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLayout(t)
			writeFile(t, l.user(), tt.content)
			err := loadBroken(t, l.opts())
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Key != tt.key || ke.Path != l.user() {
				t.Fatalf("err = %v, want *KeyError for %q in %s", err, tt.key, l.user())
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error echoes the value: %q", err)
			}
		})
	}
}

func TestEnvScalarsCoerced(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.user(), `{"env": {"PORT": 8080, "ON": true, "OFF": false, "F": 1.5e3, "S": "x"}, "permissions": {"allow": [1]}}`)
	s := mustLoad(t, l.opts())
	want := []string{"F=1.5e3", "OFF=false", "ON=true", "PORT=8080", "S=x"}
	if got := s.EnvList(); !reflect.DeepEqual(got, want) {
		t.Errorf("EnvList() = %q, want %q", got, want)
	}
}

func TestIgnoredKeysAndUnicode(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.proj(), `{"model": "x", "hooks": {"a": [1, 2]}, "awsAuthRefresh": "echo \u00e9 \"q\"", "AWSAUTHREFRESH": 5}`)
	s := mustLoad(t, l.opts())
	if s.AuthRefresh == nil || s.AuthRefresh.Value != `echo é "q"` {
		t.Errorf("AuthRefresh = %+v", s.AuthRefresh)
	}
}

func TestDefaults(t *testing.T) {
	l := newLayout(t)
	t.Setenv("HOME", l.home)
	t.Setenv("USERPROFILE", l.home)
	t.Setenv("CLAUDE_CONFIG_DIR", "")
	t.Chdir(l.work)
	writeFile(t, l.user(), `{"awsCredentialExport": "user-export"}`)
	writeFile(t, l.proj(), `{"awsAuthRefresh": "project-refresh"}`)
	s := mustLoad(t, LoadOptions{ManagedPaths: []string{}})
	if s.AuthRefresh == nil || s.AuthRefresh.File.Scope != Project {
		t.Errorf("AuthRefresh = %+v, want from the project", s.AuthRefresh)
	}
	if s.CredentialExport == nil || s.CredentialExport.File.Scope != User || s.CredentialExport.File.Path != l.user() {
		t.Errorf("CredentialExport = %+v, want from %s", s.CredentialExport, l.user())
	}
	if len(s.Files) != 3 {
		t.Errorf("Files = %v, want project local, project, user", s.Files)
	}
	if got := DefaultManagedPaths(); len(got) == 0 || !filepath.IsAbs(got[0]) && runtime.GOOS != "windows" {
		t.Errorf("DefaultManagedPaths() = %q", got)
	}
}

func TestProjectOutsideHome(t *testing.T) {
	l := newLayout(t)
	other := filepath.Join(l.root, "srv", "repo")
	writeFile(t, filepath.Join(other, ".claude", "settings.json"), `{"awsAuthRefresh": "repo-cmd"}`)
	opts := l.opts()
	opts.ProjectDir = filepath.Join(other, "a", "b")
	mustMkdir(t, opts.ProjectDir)
	s := mustLoad(t, opts)
	if s.ProjectDir != other || s.AuthRefresh == nil || s.AuthRefresh.File.Scope != Project {
		t.Errorf("ProjectDir = %q, AuthRefresh = %+v; want %s and a project command", s.ProjectDir, s.AuthRefresh, other)
	}
}

func TestPathThroughFileIsMissing(t *testing.T) {
	l := newLayout(t)
	notDir := filepath.Join(l.root, "file")
	writeFile(t, notDir, "x")
	opts := l.opts()
	opts.ManagedPaths = []string{filepath.Join(notDir, "managed-settings.json")}
	if _, err := Load(opts); err != nil {
		t.Errorf("Load with a managed path under a file: %v", err)
	}
	opts.Extra = []string{filepath.Join(notDir, "s.json")}
	var fe *FileError
	if _, err := Load(opts); !errors.As(err, &fe) {
		t.Errorf("--settings under a file: err = %v, want *FileError", err)
	}
}
