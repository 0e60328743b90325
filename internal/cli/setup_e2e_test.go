//go:build unix

package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestSetupClaudeFreshHome(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	key, secret := s.staticProfile(t, "dev", "eu-west-1")
	s.env["PATH"] = binDir() + ":" + s.env["PATH"]
	delete(s.env, "AWS_REGION")
	path := filepath.Join(s.home, ".claude", "settings.json")

	r := s.run("setup", "claude", "--profile", "dev")
	if r.code != 0 {
		t.Fatalf("setup failed:\n%s", r)
	}
	want := `{
  "awsAuthRefresh": "awsfresh refresh --profile dev",
  "awsCredentialExport": "awsfresh export --profile dev --format claude",
  "env": {
    "CLAUDE_CODE_USE_BEDROCK": "1",
    "AWS_REGION": "eu-west-1"
  }
}
`
	if got := readFile(t, path); got != want {
		t.Errorf("settings:\n%s\nwant:\n%s", got, want)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("settings file mode: %v %v", info.Mode(), err)
	}
	if _, err := os.Stat(path + ".bak"); err == nil {
		t.Error("a backup of a file that did not exist")
	}
	// It ends with the doctor's checks, which now pass for Claude Code.
	for _, line := range []string{
		"Created ~/.claude/settings.json:",
		"Checking (awsfresh doctor --profile dev):",
	} {
		if !strings.Contains(r.stdout, line) {
			t.Errorf("output lacks %q:\n%s", line, r)
		}
	}
	for _, id := range []string{"claude.bedrock", "claude.region", "claude.refresh", "claude.export", "credentials.verify", "bedrock.model"} {
		if !regexp.MustCompile(`(?m)^ok +` + regexp.QuoteMeta(id) + ` `).MatchString(r.stdout) {
			t.Errorf("doctor after setup: %s is not ok:\n%s", id, r.stdout)
		}
	}
	assertNoSecret(t, r, key, secret)

	// Twice in a row: the second run changes nothing and says so.
	before := readFile(t, path)
	r = s.run("setup", "claude", "--profile", "dev", "--offline")
	if r.code != 0 || !strings.Contains(r.stdout, `~/.claude/settings.json is already set up for profile "dev"; nothing changed.`) {
		t.Errorf("second run:\n%s", r)
	}
	if readFile(t, path) != before {
		t.Error("the second run changed the file")
	}
	if _, err := os.Stat(path + ".bak"); err == nil {
		t.Error("the second run wrote a backup")
	}
	if d := s.run("doctor"); d.code != 0 {
		t.Errorf("doctor after setup:\n%s", d)
	}
}

func TestSetupClaudeOtherToolsFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{
			name: "four spaces, a login command of its own",
			in: `{
    "model": "opus",
    "awsAuthRefresh": "saml2aws login --skip-prompt",
    "permissions": {
        "allow": ["Bash(npm test:*)"],
        "deny": []
    },
    "env": {
        "AWS_REGION": "us-west-2",
        "DISABLE_TELEMETRY": "1"
    },
    "statusLine": {"type": "command", "command": "awsfresh status --line"}
}
`,
			want: `{
    "model": "opus",
    "awsAuthRefresh": "awsfresh refresh --profile dev --command 'saml2aws login --skip-prompt'",
    "permissions": {
        "allow": ["Bash(npm test:*)"],
        "deny": []
    },
    "env": {
        "AWS_REGION": "us-west-2",
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_USE_BEDROCK": "1"
    },
    "statusLine": {"type": "command", "command": "awsfresh status --line"},
    "awsCredentialExport": "awsfresh export --profile dev --format claude"
}
`,
		},
		{
			name: "tabs, another profile in env",
			in:   "{\n\t\"includeCoAuthoredBy\": false,\n\t\"env\": {\n\t\t\"AWS_PROFILE\": \"old\",\n\t\t\"CLAUDE_CODE_USE_BEDROCK\": \"true\"\n\t}\n}",
			want: "{\n\t\"includeCoAuthoredBy\": false,\n\t\"env\": {\n\t\t\"AWS_PROFILE\": \"dev\",\n\t\t\"CLAUDE_CODE_USE_BEDROCK\": \"true\",\n\t\t\"AWS_REGION\": \"us-east-1\"\n\t},\n\t\"awsAuthRefresh\": \"awsfresh refresh --profile dev\",\n\t\"awsCredentialExport\": \"awsfresh export --profile dev --format claude\"\n}",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSimSandbox(t, simaws.Options{})
			s.staticProfile(t, "dev", "us-east-1")
			s.env["PATH"] = binDir() + ":" + s.env["PATH"]
			path := s.write(".claude/settings.json", tc.in, 0o644)

			r := s.run("setup", "claude", "--profile", "dev", "--offline")
			if r.code != 0 {
				t.Fatalf("setup failed:\n%s", r)
			}
			if got := readFile(t, path); got != tc.want {
				t.Errorf("settings:\n%s\nwant:\n%s", got, tc.want)
			}
			if got := readFile(t, path+".bak"); got != tc.in {
				t.Errorf("backup:\n%s\nwant the original", got)
			}
			if info, _ := os.Stat(path); info.Mode().Perm() != 0o644 {
				t.Errorf("mode not kept: %v", info.Mode())
			}
			if !strings.Contains(r.stdout, "(the previous version is in ~/.claude/settings.json.bak)") {
				t.Errorf("output:\n%s", r)
			}
			if r2 := s.run("setup", "claude", "--profile", "dev", "--offline"); !strings.Contains(r2.stdout, "nothing changed") || readFile(t, path) != tc.want {
				t.Errorf("second run:\n%s", r2)
			}
		})
	}
}

func TestSetupClaudeRefusesMalformedFile(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "us-east-1")
	bad := "{\n  \"theme\": \"dark\",\n  \"env\": {,}\n}\n"
	path := s.write(".claude/settings.json", bad, 0o644)
	for _, args := range [][]string{{"setup", "claude", "--profile", "dev"}, {"setup", "claude", "--profile", "dev", "--dry-run"}} {
		r := s.run(args...)
		if r.code != 2 || !strings.HasPrefix(r.firstLine(), "Error: settings: "+path+":3:11: ") || !strings.Contains(r.stderr, "Nothing was changed") {
			t.Errorf("%v: want exit 2 naming %s:3:11:\n%s", args, path, r)
		}
		if readFile(t, path) != bad {
			t.Fatal("the malformed file was changed")
		}
		if _, err := os.Stat(path + ".bak"); err == nil {
			t.Error("a backup was written")
		}
	}
	// The doctor says the same, as a problem.
	r, checks := s.doctorJSON(t, "--profile", "dev")
	wantCheck(t, r, checks, "claude.settings", "problem", []string{path + ":3:11"}, []string{"fix the file"})
}

func TestSetupClaudeDryRun(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "us-east-1")
	s.env["PATH"] = binDir() + ":" + s.env["PATH"]
	in := "{\n  \"model\": \"sonnet\"\n}\n"
	path := s.write(".claude/settings.json", in, 0o644)
	r := s.run("setup", "claude", "--profile", "dev", "--region", "us-west-2", "--dry-run")
	if r.code != 0 {
		t.Fatal(r)
	}
	want := `--- ~/.claude/settings.json
+++ ~/.claude/settings.json (after awsfresh setup claude)
@@ -1,3 +1,9 @@
 {
-  "model": "sonnet"
+  "model": "sonnet",
+  "awsAuthRefresh": "awsfresh refresh --profile dev",
+  "awsCredentialExport": "awsfresh export --profile dev --format claude",
+  "env": {
+    "CLAUDE_CODE_USE_BEDROCK": "1",
+    "AWS_REGION": "us-west-2"
+  }
 }
Dry run: nothing was written.
`
	if r.stdout != want {
		t.Errorf("dry run printed:\n%s\nwant:\n%s", r.stdout, want)
	}
	if readFile(t, path) != in {
		t.Error("--dry-run changed the file")
	}
	if n := s.sim.TotalRequests(); n != 0 {
		t.Errorf("--dry-run talked to AWS: %v", s.sim.Counts())
	}
}

func TestSetupClaudeProject(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "us-east-1")
	if err := os.MkdirAll(filepath.Join(s.dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(s.dir, "src", "pkg")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	s.dir = sub // run from deep inside the repository
	r := s.run("setup", "claude", "--profile", "dev", "--project", "--offline")
	if r.code != 0 {
		t.Fatal(r)
	}
	path := filepath.Join(s.home, "work", ".claude", "settings.json")
	var got map[string]any
	if err := json.Unmarshal([]byte(readFile(t, path)), &got); err != nil {
		t.Fatal(err)
	}
	// A file for the team names awsfresh, not this machine's path to it.
	if got["awsAuthRefresh"] != "awsfresh refresh --profile dev" {
		t.Errorf("project settings: %v", got)
	}
	if !strings.Contains(r.stdout, "each teammate reviews it and runs: awsfresh trust "+path) {
		t.Errorf("no trust reminder:\n%s", r)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o644 {
		t.Errorf("project file mode %v", info.Mode())
	}
	if _, err := os.Stat(filepath.Join(s.home, ".claude", "settings.json")); err == nil {
		t.Error("--project wrote the user's settings")
	}

	// Outside any repository --project refuses.
	s.dir = s.home
	if r := s.run("setup", "claude", "--profile", "dev", "--project"); r.code != 2 || !strings.Contains(r.stderr, "--project") {
		t.Errorf("outside a repository:\n%s", r)
	}
}

// TestSetupClaudeProjectSymlinks: a repository's .claude folder or
// settings file may be a symbolic link; --project writes through one that
// stays inside the repository and refuses, writing nothing, one that leads
// out of it (a committed link to a file of the user's).
func TestSetupClaudeProjectSymlinks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// link makes the links in repo, given outside (a folder outside
		// the repository holding victim.json).
		link   func(t *testing.T, repo, outside string)
		refuse bool
	}{
		{"file links outside", func(t *testing.T, repo, outside string) {
			mkdir(t, filepath.Join(repo, ".claude"))
			symlink(t, filepath.Join(outside, "victim.json"), filepath.Join(repo, ".claude", "settings.json"))
		}, true},
		{"file links outside, relative", func(t *testing.T, repo, outside string) {
			mkdir(t, filepath.Join(repo, ".claude"))
			rel, err := filepath.Rel(filepath.Join(repo, ".claude"), filepath.Join(outside, "victim.json"))
			if err != nil {
				t.Fatal(err)
			}
			symlink(t, rel, filepath.Join(repo, ".claude", "settings.json"))
		}, true},
		{"dangling file link outside", func(t *testing.T, repo, outside string) {
			mkdir(t, filepath.Join(repo, ".claude"))
			symlink(t, filepath.Join(outside, "new.json"), filepath.Join(repo, ".claude", "settings.json"))
		}, true},
		{".claude links outside", func(t *testing.T, repo, outside string) {
			symlink(t, outside, filepath.Join(repo, ".claude"))
		}, true},
		{"file links inside", func(t *testing.T, repo, outside string) {
			mkdir(t, filepath.Join(repo, ".claude"))
			mkdir(t, filepath.Join(repo, "config"))
			if err := os.WriteFile(filepath.Join(repo, "config", "claude.json"), []byte("{}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			symlink(t, filepath.Join("..", "config", "claude.json"), filepath.Join(repo, ".claude", "settings.json"))
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSimSandbox(t, simaws.Options{})
			s.staticProfile(t, "dev", "us-east-1")
			mkdir(t, filepath.Join(s.dir, ".git"))
			outside := filepath.Join(s.home, "outside")
			mkdir(t, outside)
			victim := filepath.Join(outside, "victim.json")
			if err := os.WriteFile(victim, []byte("{}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			tc.link(t, s.dir, outside)

			for _, args := range [][]string{{"--dry-run"}, nil} {
				r := s.run(append([]string{"setup", "claude", "--project", "--profile", "dev", "--region", "us-east-1", "--offline"}, args...)...)
				if !tc.refuse {
					if r.code != 0 {
						t.Fatalf("setup %v through a link inside the repository:\n%s", args, r)
					}
					continue
				}
				if r.code != 2 || !strings.Contains(r.stderr, "outside") || !strings.Contains(r.stderr, "Nothing was changed") {
					t.Errorf("setup %v: want exit 2 saying the link leads outside the repository:\n%s", args, r)
				}
			}
			entries, err := os.ReadDir(outside)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || readFile(t, victim) != "{}\n" {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("the folder outside the repository was changed: %v, victim.json %q", names, readFile(t, victim))
			}
			if !tc.refuse {
				got := readFile(t, filepath.Join(s.dir, "config", "claude.json"))
				if !strings.Contains(got, "awsfresh refresh --profile dev") {
					t.Errorf("the linked file inside the repository was not set up:\n%s", got)
				}
				if fi, err := os.Lstat(filepath.Join(s.dir, ".claude", "settings.json")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
					t.Errorf("the link inside the repository did not survive: %v", err)
				}
			}
		})
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestSetupClaudeErrors(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.staticProfile(t, "dev", "")
	path := filepath.Join(s.home, ".claude", "settings.json")

	r := s.run("setup", "claude", "--profile", "dev")
	if r.code != 2 || !strings.Contains(r.stderr, `Error: no region for Claude Code: profile "dev" sets none`) || !strings.Contains(r.stderr, "--region") {
		t.Errorf("no region:\n%s", r)
	}
	r = s.run("setup", "claude", "--profile", "dve")
	if r.code != 2 || !strings.Contains(r.stderr, `profile "dve" is not in ~/.aws/config or ~/.aws/credentials (profiles: dev)`) {
		t.Errorf("missing profile:\n%s", r)
	}
	for _, args := range [][]string{{"setup", "claude", "--profile", "dev", "--user", "--project"}, {"setup", "vim"}, {"setup", "claude", "extra"}} {
		if r := s.run(args...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, r.code, r)
		}
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a failed setup wrote the settings")
	}

	// awsfresh not on PATH (one installed on this machine, as CI's set-up
	// does, is taken off it): the user's settings name it by its full
	// path, which Claude Code and awsfresh both recognise as awsfresh.
	var dirs []string
	for _, d := range filepath.SplitList(s.env["PATH"]) {
		if _, err := os.Stat(filepath.Join(d, "awsfresh")); err != nil {
			dirs = append(dirs, d)
		}
	}
	s.env["PATH"] = strings.Join(dirs, string(filepath.ListSeparator))
	r = s.run("setup", "claude", "--profile", "dev", "--region", "us-east-1", "--offline")
	if r.code != 0 || !strings.Contains(r.stdout, "awsfresh is not on PATH") {
		t.Fatalf("setup:\n%s", r)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(readFile(t, path)), &got); err != nil {
		t.Fatal(err)
	}
	if got["awsAuthRefresh"] != awsfreshBin+" refresh --profile dev" {
		t.Errorf("awsAuthRefresh = %v", got["awsAuthRefresh"])
	}
	if st := s.run("status", "--profile", "dev"); !strings.Contains(st.stdout, "Login:        none configured") {
		t.Errorf("awsfresh does not recognise its own command by path:\n%s", st)
	}
}

func TestSetupClaudeProfileWhereNeeded(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	key, secret := s.sim.CreateUser("dev")
	k2, s2 := s.sim.CreateUser("someone")
	// The default profile has keys of its own: the SDK inside Claude Code
	// would take them, so AWS_PROFILE is written.
	s.write(".aws/credentials", "[default]\naws_access_key_id = "+k2+"\naws_secret_access_key = "+s2+"\n[dev]\naws_access_key_id = "+key+"\naws_secret_access_key = "+secret+"\n", 0o600)
	s.write(".aws/config", "[profile dev]\nregion = us-east-1\n", 0o600)
	r := s.run("setup", "claude", "--profile", "dev", "--offline")
	if r.code != 0 || !strings.Contains(r.stdout, "env.AWS_PROFILE: dev") || !strings.Contains(r.stdout, "the default profile has credentials of its own") {
		t.Fatalf("setup:\n%s", r)
	}
	assertNoSecret(t, r, key, secret, k2, s2)
}
