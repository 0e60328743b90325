//go:build unix

package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// credsCommand prints credentials valid for an hour, with a secret that
// does not look like one (too short for the heuristic redactor).
func credsCommand(secret string) string {
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	return `printf '{"AccessKeyId":"ASIAEXAMPLETRUST0001","SecretAccessKey":"` + secret + `","SessionToken":"tok-` + secret + `","Expiration":"` + exp + `"}'`
}

// A project's env may set only names that decide neither what code runs
// nor where requests go; anything else needs trust before it reaches the
// login command, the export command or exec's program.
func TestProjectEnvIsAnAllowList(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	marker := filepath.Join(s.home, "ran")
	s.userSettings(t, map[string]any{"awsAuthRefresh": "touch " + marker})
	for _, name := range []string{"PYTHONUSERBASE", "HOME", "BROWSER", "Https_Proxy", "ANTHROPIC_BASE_URL", "ANTHROPIC_BEDROCK_BASE_URL", "CLAUDE_CODE_SHELL_PREFIX", "AWS_CONFIG_FILE"} {
		project := s.write("work/.claude/settings.json", `{"env": {"`+name+`": "`+s.dir+`/.u"}}`, 0o644)
		os.Remove(marker)
		r := s.run("refresh", "--force")
		if r.code != 2 || !strings.Contains(r.stderr, "the env setting "+name+" in "+project) || !strings.Contains(r.stderr, "awsfresh trust "+project) {
			t.Errorf("%s: want exit 2 naming the env setting and the trust command:\n%s", name, r)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Errorf("%s: the login command ran with an untrusted project env", name)
		}
		// exec's program gets the env too.
		if r := s.run("exec", "--", "true"); r.code != 2 || !strings.Contains(r.stderr, "the env setting "+name) {
			t.Errorf("%s: exec ran its program with an untrusted project env:\n%s", name, r)
		}
	}
	// An allowed name whose value would steer requests (a region is part
	// of every endpoint's host name) or read as shell code needs trust too.
	for name, value := range map[string]string{"AWS_REGION": "x@127.0.0.1:19999/", "AWS_DEFAULT_REGION": "us-east-1;$(id)"} {
		project := s.write("work/.claude/settings.json", `{"env": {"`+name+`": "`+value+`"}}`, 0o644)
		if r := s.run("exec", "--", "true"); r.code != 2 || !strings.Contains(r.stderr, "the env setting "+name+" in "+project) {
			t.Errorf("%s=%s: exec ran its program with it untrusted:\n%s", name, value, r)
		}
	}
	// The allowed names, in any case, need no trust.
	s.write("work/.claude/settings.json", `{"env": {"AWS_REGION": "eu-west-1", "aws_default_region": "eu-west-1", "CLAUDE_CODE_USE_BEDROCK": "1", "ANTHROPIC_MODEL": "m", "ANTHROPIC_SMALL_FAST_MODEL": "h"}}`, 0o644)
	os.Remove(marker)
	if r := s.run("refresh", "--force"); r.code == 2 {
		t.Errorf("allowed project env names needed trust:\n%s", r)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Error("the login command did not run with allowed project env")
	}
}

// Project settings are searched up to the repository's root or HOME, and
// a .claude folder others can write is ignored with a warning.
func TestProjectSearchIsBounded(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	seen := filepath.Join(s.home, "seen")
	login := "echo $AWS_PROFILE > " + seen
	profileSeen := func(t *testing.T, dir string) (string, result) {
		t.Helper()
		os.Remove(seen)
		s.dir = dir
		r := s.run("refresh", "--force", "--command", login)
		data, _ := os.ReadFile(seen)
		return strings.TrimSpace(string(data)), r
	}

	// Above the repository's root (but below HOME): not the repository's.
	s.write("work/.claude/settings.json", `{"env": {"AWS_PROFILE": "above-the-repo"}}`, 0o644)
	repo := filepath.Join(s.home, "work", "repo")
	s.write("work/repo/.git/HEAD", "ref: refs/heads/main\n", 0o644)
	s.write("work/repo/src/x", "", 0o644)
	if got, r := profileSeen(t, filepath.Join(repo, "src")); got != "default" {
		t.Errorf("the login ran for profile %q, want default: settings above the repository root were used\n%s", got, r)
	}

	// Outside HOME, a .claude anyone can write is nobody's project.
	shared := t.TempDir()
	planted := filepath.Join(shared, ".claude")
	if err := os.MkdirAll(filepath.Join(shared, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(planted, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(planted, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(planted, "settings.json"), []byte(`{"env": {"AWS_PROFILE": "planted"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, r := profileSeen(t, filepath.Join(shared, "sub"))
	if got != "default" {
		t.Errorf("the login ran for profile %q, want default: a world-writable .claude was used\n%s", got, r)
	}
	if !strings.Contains(r.stderr, "Warning: settings: ignoring "+planted+": anyone can write it") {
		t.Errorf("no warning about the ignored folder:\n%s", r)
	}
}

// Trust is keyed by where the file is found: a repository whose settings
// file is a link to a trusted sibling's does not run its own script. trust
// prints what it trusts, escaped.
func TestTrustFollowsNoSymlink(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	markerA, markerB := filepath.Join(s.home, "ran-a"), filepath.Join(s.home, "ran-b")
	a := s.write("work/a/.claude/settings.json", `{"awsAuthRefresh": "./scripts/login.sh", "env": {"PYTHONUSERBASE": "/a/.u\u001b[2J", "AWS_REGION": "eu-west-1"}}`, 0o644)
	s.write("work/a/scripts/login.sh", "#!/bin/sh\ntouch "+markerA+"\n", 0o755)
	s.write("work/b/scripts/login.sh", "#!/bin/sh\ntouch "+markerB+"\n", 0o755)
	if err := os.MkdirAll(filepath.Join(s.home, "work", "b", ".claude"), 0o755); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(s.home, "work", "b", ".claude", "settings.json")
	if err := os.Symlink(a, b); err != nil {
		t.Fatal(err)
	}

	tr := s.run("trust", a)
	if tr.code != 0 {
		t.Fatalf("trust failed:\n%s", tr)
	}
	for _, want := range []string{
		"Trusted " + a + " (sha256 ",
		"run the login command (awsAuthRefresh): ./scripts/login.sh",
		`set PYTHONUSERBASE=/a/.u\x1b[2J for the commands awsfresh runs`,
		"It also sets, as any project may: AWS_REGION=eu-west-1",
	} {
		if !strings.Contains(tr.stdout, want) {
			t.Errorf("trust output lacks %q:\n%s", want, tr)
		}
	}
	if strings.ContainsRune(tr.stdout, 0x1b) {
		t.Errorf("trust printed a raw escape character:\n%q", tr.stdout)
	}

	s.dir = filepath.Join(s.home, "work", "a")
	if r := s.run("refresh", "--force"); r.code == 2 {
		t.Fatalf("the trusted project was refused:\n%s", r)
	}
	if _, err := os.Stat(markerA); err != nil {
		t.Fatal("the trusted project's login did not run")
	}
	s.dir = filepath.Join(s.home, "work", "b")
	r := s.run("refresh", "--force")
	if r.code != 2 || !strings.Contains(r.stderr, "the awsAuthRefresh command in "+b+" comes from the project and is not trusted yet") {
		t.Errorf("the linked settings file was trusted:\n%s", r)
	}
	if _, err := os.Stat(markerB); err == nil {
		t.Error("a repository ran its own script through a link to a trusted file")
	}
}

// Settings files that are not regular files fail at once with a settings
// error; status --line, meant for a prompt, does not hang on them.
func TestSettingsFileThatIsNotAFile(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, want string
		setup      func(t *testing.T, path string)
	}{
		{"stdin", "not a regular file", func(t *testing.T, path string) { mustSymlink(t, "/dev/stdin", path) }},
		{"zero", "not a regular file (it is a character device)", func(t *testing.T, path string) { mustSymlink(t, "/dev/zero", path) }},
		{"fifo", "not a regular file (it is a named pipe)", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"huge", "larger than 1048576 bytes (1 MiB)", func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte(" "), 2<<20), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			s.write(".aws/config", "[profile p]\nregion = us-east-1\n[profile dev]\nregion = us-east-1\n", 0o600)
			path := filepath.Join(s.dir, ".claude", "settings.json")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, path)
			// Standard input is a pipe nobody writes to, as a terminal
			// nobody types into: reading it would block for ever.
			pr, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer pw.Close()
			defer pr.Close()

			r := runWithStdin(t, s, pr, "refresh", "--profile", "p", "--command", "true")
			wantErr := "Error: settings: cannot read " + path + ": " + tt.want
			if r.code != 2 || !strings.Contains(r.stderr, wantErr) || strings.Count(r.stderr, path) != 1 {
				t.Errorf("refresh: want exit 2 and %q, said once:\n%s", wantErr, r)
			}
			// status runs nothing: a warning, and an answer.
			st := runWithStdin(t, s, pr, "status", "--line", "--profile", "p")
			if !strings.Contains(st.stderr, "Warning: settings: cannot read "+path) || !strings.HasPrefix(st.stdout, "aws p ") {
				t.Errorf("status --line: want a warning and the line:\n%s", st)
			}
		})
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// runWithStdin runs awsfresh with stdin, bounded by a minute (a hang is a
// failure, not a timing).
func runWithStdin(t *testing.T, s *sandbox, stdin *os.File, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsfreshBin, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = s.dir, s.environ(), stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("awsfresh %s hung:\n%s", strings.Join(args, " "), stderr.String())
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// Terminal control characters from a project (a profile name) or from a
// command (its output, its command line) are escaped in what awsfresh
// prints itself; the login's live output is not touched.
func TestControlCharactersAreEscaped(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.write(".aws/config", "[profile p]\nregion = us-east-1\n[profile dev]\nregion = us-east-1\n", 0o600)
	project := s.write("work/.claude/settings.json", `{"env": {"AWS_PROFILE": "dev\u001b]0;owned\u0007\u001b[2J\u009b2J\u007f"}}`, 0o644)
	clean := func(t *testing.T, what, out string) {
		t.Helper()
		for _, r := range out {
			if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f) {
				t.Errorf("%s holds a raw control character %U:\n%q", what, r, out)
				return
			}
		}
	}
	for _, args := range [][]string{{"status"}, {"status", "--line"}, {"status", "--json"}} {
		r := s.run(args...)
		clean(t, strings.Join(args, " ")+" stdout", r.stdout)
		clean(t, strings.Join(args, " ")+" stderr", r.stderr)
		if !strings.Contains(r.stdout+r.stderr, `dev\x1b]0;owned\x07\x1b[2J`) && !strings.Contains(r.stdout, `dev\u001b]0;owned\u0007\u001b[2J\u009b2J\u007f`) {
			t.Errorf("%v does not show the escaped profile name:\n%s", args, r)
		}
	}

	// Such a value needs trust before anything runs with it; trust shows
	// it escaped.
	tr := s.run("trust", project)
	clean(t, "trust stdout", tr.stdout)
	if tr.code != 0 || !strings.Contains(tr.stdout, `dev\x1b]0;owned\x07`) {
		t.Errorf("trust does not show the escaped value:\n%s", tr)
	}

	// A failing login: its live output passes as it is, but the Error
	// text that repeats its command and its output is escaped.
	r := s.run("refresh", "--profile", "p", "--command", "printf 'live\\033[31m\\n' >&2; echo '\x1b]0;owned\x07' >&2; exit 3 # \x1b[2J")
	i := strings.Index(r.stderr, "Error:")
	if r.code != 1 || i < 0 {
		t.Fatalf("want the login to fail with exit 1:\n%s", r)
	}
	clean(t, "the Error text", r.stderr[i:])
	if !strings.Contains(r.stderr[i:], `exit 3 # \x1b[2J exited with status 3.`) {
		t.Errorf("the Error text does not show the escaped command:\n%q", r.stderr[i:])
	}
}

// A failed login's output is redacted with the known secrets — the cached
// credentials' — not only those that look like secrets. The output is
// repeated in the Error text only when the user did not see it live: under
// exec --log.
func TestFailedLoginTailRedactsCachedSecrets(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	cacheDir := filepath.Join(s.home, "cache")
	s.env["AWSFRESH_CACHE_DIR"] = cacheDir
	s.write(".aws/config", "[profile p]\nregion = us-east-1\n", 0o600)
	const secret = "short-Secret_Value.1234"
	// One export command for both steps (the cache is keyed by it): it
	// prints the credentials until the session "ends", then fails.
	ended := filepath.Join(s.home, "session-ended")
	export := s.write("export.sh", "if [ -e "+ended+" ]; then echo 'session ended' >&2; exit 1; fi\n"+credsCommand(secret)+"\n", 0o700)
	// The login prints what it read, as a debugging login script might.
	leak := s.write("leak.txt", "debug: key "+secret+" token tok-"+secret+"\n", 0o600)
	s.userSettings(t, map[string]any{"awsCredentialExport": export, "awsAuthRefresh": "cat " + leak + " >&2; exit 1"})
	if r := s.run("export", "--profile", "p"); r.code != 0 {
		t.Fatalf("export failed:\n%s", r)
	}

	// The cached credentials expire (their clock cannot be moved from
	// outside, so their expiry is moved back) and the session ends: exec
	// needs the login now, and it fails.
	files, _ := cacheFiles(t, cacheDir)
	if len(files) != 1 {
		t.Fatalf("want one cache file, got %v", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	cached, ok := rec["credentials"].(map[string]any)
	if !ok || cached["secretAccessKey"] != secret {
		t.Fatalf("the cache does not hold the credentials:\n%s", data)
	}
	cached["expiration"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if data, err = json.Marshal(rec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
	s.write("session-ended", "", 0o600)

	logFile := filepath.Join(s.home, "exec.log")
	r := s.run("exec", "--profile", "p", "--log", logFile, "--", "true")
	i := strings.Index(r.stderr, "Error:")
	if r.code != 1 || i < 0 || !strings.Contains(r.stderr, "(all of it is in "+logFile+")") {
		t.Fatalf("want the login to fail and its output's end repeated on stderr:\n%s", r)
	}
	if strings.Contains(r.stderr, secret) || !strings.Contains(r.stderr[i:], "debug: key [REDACTED]") {
		t.Errorf("the Error text repeats a cached secret:\n%s", r.stderr[i:])
	}
}

// Trust and settings errors bite only when the value would be used: the
// credential_process recipe keeps working from the cache in a repository
// with an untrusted login command, or with a broken user settings file.
func TestRefusalsOnlyWhereUsed(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.write(".aws/config", "[profile p]\nregion = us-east-1\n[profile dev]\nregion = us-east-1\n", 0o600)
	marker := filepath.Join(s.home, "ran")
	export := credsCommand("warmsecretvalue")
	if r := s.run("export", "--profile", "dev", "--command", export); r.code != 0 {
		t.Fatalf("export failed:\n%s", r)
	}

	// An untrusted project login command: not needed for a warm export.
	project := s.write("work/.claude/settings.json", `{"awsAuthRefresh": "touch `+marker+`"}`, 0o644)
	if r := s.run("export", "--profile", "dev", "--command", export); r.code != 0 || r.stderr != "" {
		t.Errorf("a warm export failed or complained because of an untrusted login command:\n%s", r)
	}
	// Needed: refused with the trust message, and the user's own command
	// is not silently run instead; the message names both.
	user := s.write(".claude/settings.json", `{"awsAuthRefresh": "touch `+marker+`-user"}`, 0o644)
	r := s.run("export", "--profile", "dev", "--command", "exit 1")
	if r.code != 2 || !strings.Contains(r.stderr, "the awsAuthRefresh command in "+project+" comes from the project and is not trusted yet (it takes the place of the one in "+user+")") {
		t.Errorf("a needed untrusted login command: want exit 2 naming both files:\n%s", r)
	}
	for _, m := range []string{marker, marker + "-user"} {
		if _, err := os.Stat(m); err == nil {
			t.Errorf("%s ran", m)
		}
	}
	if r := s.run("refresh", "--profile", "dev", "--force"); r.code != 2 || !strings.Contains(r.stderr, "awsfresh trust "+project) {
		t.Errorf("refresh --force with an untrusted login command:\n%s", r)
	}
	// A refused login starts no cooldown: once trusted it runs.
	if tr := s.run("trust", project); tr.code != 0 {
		t.Fatalf("trust: %s", tr)
	}
	s.run("export", "--profile", "dev", "--command", "exit 1")
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the trusted login command did not run after a refusal")
	}
	os.Remove(project)

	// A broken user settings file: a warning for a warm export, the
	// syntax error when a value it might set is needed.
	user = s.write(".claude/settings.json", "{\n  \"awsAuthRefresh\": \"x\",\n}", 0o644)
	r = s.run("export", "--profile", "dev", "--command", export)
	if r.code != 0 || !strings.Contains(r.stderr, "Warning: settings: "+user+":3:1: ") {
		t.Errorf("a warm export with a broken user settings file: want success and a warning:\n%s", r)
	}
	r = s.run("export", "--profile", "dev", "--command", credsCommand("othersecretvalue"))
	if r.code != 2 || !strings.Contains(r.stderr, "Error: settings: "+user+":3:1: ") {
		t.Errorf("a cold export with a broken user settings file: want exit 2 naming it:\n%s", r)
	}
}
