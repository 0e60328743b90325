//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

// brokenLogin is a login command that fails, printing "login broke" (which
// its own text does not contain).
const brokenLogin = "printf 'login %s\\n' broke >&2; exit 3"

// adviceLine returns the line of stderr that starts with prefix, and what
// follows the prefix.
func adviceLine(t *testing.T, r result, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(r.stderr, "\n") {
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			return rest
		}
	}
	t.Fatalf("no line starting with %q:\n%s", prefix, r)
	return ""
}

// runSuggested runs an `awsfresh ...` command line the output suggested,
// as the user would type it (the words need no shell quoting here).
func (s *sandbox) runSuggested(t *testing.T, line string) result {
	t.Helper()
	args, ok := strings.CutPrefix(line, "awsfresh ")
	if !ok || strings.ContainsAny(args, `'"\`) {
		t.Fatalf("not a plain awsfresh command line: %q", line)
	}
	return s.run(strings.Fields(args)...)
}

// TestTimeoutAdviceIsRunnable: after a login times out, the message keeps
// the SPEC's two lines, then names the three ways on — the command by hand,
// --interactive, a longer --timeout — as commands that run as printed
// (inside the cooldown the timeout started).
func TestTimeoutAdviceIsRunnable(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.ssoProfile(t)
	// The first login hangs (a browser nobody completes); later ones work.
	marker := filepath.Join(s.home, "tried")
	script := s.write("login.sh", "#!/bin/sh\nif [ -e "+marker+" ]; then "+s.loginCommand()+" >/dev/null; else touch "+marker+"; exec sleep 60; fi\n", 0o755)
	s.userSettings(t, map[string]any{"awsAuthRefresh": script})

	r := s.run("refresh", "--profile", "dev", "--timeout", "1s")
	if r.code != 124 {
		t.Fatalf("exit %d, want 124\n%s", r.code, r)
	}
	want := []string{
		"Error: AWS authentication refresh timed out after 1 second.",
		"Please check your AWS credentials and try again.",
		"To log in by hand, run: " + script,
		"If it waits for input (a code, a prompt), give it the terminal: awsfresh refresh --profile dev --force --interactive",
		"If it is just slow, allow it more time: awsfresh refresh --profile dev --force --timeout 2s",
	}
	if !strings.Contains(r.stderr, strings.Join(want, "\n")) {
		t.Errorf("stderr lacks the lines\n%s\n%s", strings.Join(want, "\n"), r)
	}

	slower := adviceLine(t, r, "If it is just slow, allow it more time: ")
	if r := s.runSuggested(t, slower); r.code != 0 || s.sim.Count("SSOLogin") != 1 {
		t.Errorf("the suggested %q did not log in (SSO logins: %d):\n%s", slower, s.sim.Count("SSOLogin"), r)
	}
}

// TestFailedLoginOutputShownOnce: a failed login's output is on stderr once
// (live), not again as a tail, and the message ends with a command that
// gets past the cooldown. With exec --log the output went to the log, so
// the error on stderr repeats its end and says where the rest is.
func TestFailedLoginOutputShownOnce(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{})
	s.ssoProfile(t)
	s.userSettings(t, map[string]any{"awsAuthRefresh": brokenLogin})

	r := s.run("refresh", "--profile", "dev")
	if r.code != 1 || r.firstLine() != "Error: AWS authentication refresh failed: "+brokenLogin+" exited with status 3." {
		t.Fatalf("want the failed-login error, exit 1:\n%s", r)
	}
	if n := strings.Count(r.stderr, "login broke"); n != 1 {
		t.Errorf("the login's output is on stderr %d times, want once:\n%s", n, r)
	}
	for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if strings.TrimSpace(l) == "" {
			t.Errorf("stderr has a blank line:\n%q", r.stderr)
		}
	}
	next := adviceLine(t, r, "When the login command works, log in again with: ")
	if next != "awsfresh refresh --profile dev --force" {
		t.Errorf("next step %q", next)
	}
	// The suggestion really bypasses the cooldown this failure started.
	before := s.run("refresh", "--profile", "dev")
	again := s.runSuggested(t, next)
	if !strings.HasSuffix(before.firstLine(), "(use --force to retry now).") || strings.Count(again.stderr, "login broke") != 1 {
		t.Errorf("want the cooldown, then the login run again by the suggestion:\n%s\n%s", before, again)
	}

	// A new sandbox: this one's cooldown would keep the login from running.
	s = newSimSandbox(t, simaws.Options{})
	s.ssoProfile(t)
	s.userSettings(t, map[string]any{"awsAuthRefresh": brokenLogin})
	logFile := filepath.Join(s.home, "exec.log")
	r = s.run("exec", "--profile", "dev", "--log", logFile, "--", "true")
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if r.code != 1 || strings.Count(r.stderr, "login broke") != 1 || strings.Count(string(log), "login broke") != 1 ||
		!strings.Contains(r.stderr, "(all of it is in "+logFile+")") {
		t.Errorf("exec --log: want the output once in the log and its end once on stderr:\n%s\nlog:\n%s", r, log)
	}
}

// TestExecAdvice: while a program runs under exec, the warning that the
// login has ended and the error body the program receives when no
// credentials can be had both name the command the user should run, not
// the login command of one provider nor a flag the program cannot pass.
func TestExecAdvice(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{RoleCredentialLifetime: 6 * time.Second})
	if err := simaws.WriteSSOProfile(s.home, "dev", ssoSession, ssoStartURL, ssoRegion, s.sim.AccountID(), "Developer"); err != nil {
		t.Fatal(err)
	}
	if _, err := simaws.WriteSSOCache(s.home, ssoSession, ssoStartURL, ssoRegion, s.sim.IssueSSOToken()); err != nil {
		t.Fatal(err)
	}
	s.userSettings(t, map[string]any{"awsAuthRefresh": brokenLogin})

	// The program says when it has its first credentials, then asks until
	// the endpoint refuses, prints the refusal, and waits for exec's
	// warning in the log before it ends.
	ready := filepath.Join(s.home, "ready")
	logFile := filepath.Join(s.home, "exec.log")
	program := `curl -fsS -o /dev/null -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI" && touch ` + ready + `
end=$(( $(date +%s) + 40 ))
while [ $(date +%s) -lt $end ]; do
  code=$(curl -sS -o body -w '%{http_code}' -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI")
  if [ "$code" != 200 ]; then echo "status $code"; cat body; echo; break; fi
  sleep 0.5
done
while [ $(date +%s) -lt $end ] && ! grep -q "has ended" ` + logFile + `; do sleep 0.2; done`
	cmd, stdout, stderr := s.start("exec", "--profile", "dev", "--log", logFile, "--", "sh", "-c", program)
	waitFile(t, ready, 30*time.Second)
	// The SSO session ends for good: only the (broken) login could renew it.
	s.sim.ExpireSSOTokens()
	s.sim.RevokeRefreshTokens()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exec: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	out, log := stdout.String(), string(data)
	if !strings.Contains(out, "status 502") || !strings.Contains(out, "To log in again, run in a terminal: awsfresh refresh --profile dev --force") {
		t.Errorf("the program's error body does not say what to run:\n%s", out)
	}
	if strings.Contains(out, "use --force") || strings.Contains(out, "login broke") {
		t.Errorf("the program's error body asks for a flag or holds command output:\n%s", out)
	}
	if !strings.Contains(log, "(log in now to avoid waiting: awsfresh refresh --profile dev --force)") {
		t.Errorf("the warning that the login has ended does not name awsfresh refresh:\n%s", log)
	}
	if strings.Contains(log+stderr.String(), "aws sso login") {
		t.Errorf("a message names aws sso login though another login command is configured:\n%s\n%s", log, stderr)
	}
}

// waitFile waits for a file a command creates.
func waitFile(t *testing.T, path string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %s", path, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
