//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The SPEC's kill grace between SIGTERM and SIGKILL.
const grace = 2 * time.Second

// TestRefreshFaultMatrix drives the real binary through login commands
// that misbehave, checking exit code, first error line, elapsed time and
// that no process of the command's group survives.
func TestRefreshFaultMatrix(t *testing.T) {
	t.Parallel()
	const deadline = time.Second
	tests := []struct {
		name      string
		script    string // %PID% is replaced by a file for the shell's pid
		code      int
		first     string // first error line; %CMD% is the command
		minTime   time.Duration
		maxTime   time.Duration
		inStderr  string
		checkPGID bool
	}{
		{
			name:   "sleeps forever",
			script: `echo $$ > %PID%; echo "Open the browser to log in"; sleep 600`,
			code:   124, first: "Error: AWS authentication refresh timed out after 1 second.",
			minTime: deadline, maxTime: deadline + grace + time.Second,
			inStderr: "Open the browser to log in", checkPGID: true,
		},
		{
			name:   "grandchild holds stdout",
			script: `echo $$ > %PID%; (sleep 600) & sleep 600`,
			code:   124, first: "Error: AWS authentication refresh timed out after 1 second.",
			minTime: deadline, maxTime: deadline + grace + time.Second, checkPGID: true,
		},
		{
			name:   "ignores SIGTERM",
			script: `echo $$ > %PID%; trap "" TERM; sleep 600`,
			code:   124, first: "Error: AWS authentication refresh timed out after 1 second.",
			// SIGTERM does nothing: SIGKILL comes after the grace.
			minTime: deadline + grace - 200*time.Millisecond, maxTime: deadline + grace + time.Second, checkPGID: true,
		},
		{
			name:   "exits 3 after printing to stderr",
			script: `echo $$ > %PID%; echo "token endpoint said no" >&2; exit 3`,
			code:   1, first: "Error: AWS authentication refresh failed: %CMD% exited with status 3.",
			maxTime: 5 * time.Second, inStderr: "token endpoint said no", checkPGID: true,
		},
		{
			name:   "does not exist",
			script: `no-such-login-tool-xyz --profile dev`,
			code:   1, first: "Error: AWS authentication refresh failed: %CMD%: command not found.",
			maxTime: 5 * time.Second,
		},
		{
			name:   "leaves a background child behind after exiting 1",
			script: `echo $$ > %PID%; (sleep 600) & exit 1`,
			code:   1, first: "Error: AWS authentication refresh failed: %CMD% exited with status 1.",
			maxTime: grace + time.Second, checkPGID: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			pidFile := filepath.Join(s.home, "pid")
			script := strings.ReplaceAll(tt.script, "%PID%", pidFile)
			r := s.run("refresh", "--timeout", deadline.String(), "--command", script)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\n%s", r.code, tt.code, r)
			}
			if want := strings.ReplaceAll(tt.first, "%CMD%", script); r.firstLine() != want {
				t.Errorf("first error line:\n got %q\nwant %q\n%s", r.firstLine(), want, r)
			}
			if r.elapsed < tt.minTime || r.elapsed > tt.maxTime {
				t.Errorf("took %s, want between %s and %s", r.elapsed, tt.minTime, tt.maxTime)
			}
			if tt.inStderr != "" && !strings.Contains(r.stderr, tt.inStderr) {
				t.Errorf("stderr lacks the command's output %q:\n%s", tt.inStderr, r)
			}
			if r.stdout != "" {
				t.Errorf("refresh printed on stdout: %q", r.stdout)
			}
			if tt.checkPGID {
				assertGroupGone(t, readPID(t, pidFile, time.Second))
			}
		})
	}
}

func TestTimeoutMessageNamesTheDuration(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	s.env["AWSFRESH_TIMEOUT"] = "1500ms"
	r := s.run("refresh", "--command", "sleep 60")
	if r.code != 124 {
		t.Fatalf("exit %d, want 124\n%s", r.code, r)
	}
	want := []string{
		"Error: AWS authentication refresh timed out after 2 seconds.",
		"Please check your AWS credentials and try again.",
		"To log in by hand, run: sleep 60",
	}
	if !strings.Contains(r.stderr, strings.Join(want, "\n")) {
		t.Errorf("stderr lacks the SPEC's lines %q:\n%s", want, r)
	}
}

func TestExportFaults(t *testing.T) {
	t.Parallel()
	const fakeSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKESECRET"
	tests := []struct {
		name, script, first string
		code                int
		maxTime             time.Duration
	}{
		{
			name:    "prints 50 MiB",
			script:  `echo $$ > %PID%; head -c 52428800 /dev/zero | tr '\0' 'a'`,
			first:   "Error: AWS credential export failed: %CMD% printed more output than awsfresh accepts; it was stopped.",
			code:    1,
			maxTime: grace + 3*time.Second,
		},
		{
			name:   "invalid JSON with a secret",
			script: `echo $$ > %PID%; echo '{"AccessKeyId": "AKIAFAKEKEY123456789", "SecretAccessKey": "` + fakeSecret + `", oops'; echo "debug: secret is ` + fakeSecret + `" >&2`,
			first:  "Error: AWS credential export failed: %CMD% printed no usable credentials: credentials output is not valid JSON (syntax error at byte 104).",
			code:   1, maxTime: 5 * time.Second,
		},
		{
			name:   "missing key",
			script: `echo $$ > %PID%; echo '{"Version": 1, "SecretAccessKey": "` + fakeSecret + `"}'`,
			first:  `Error: AWS credential export failed: %CMD% printed no usable credentials: credentials output: "AccessKeyId" is missing.`,
			code:   1, maxTime: 5 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			pidFile := filepath.Join(s.home, "pid")
			script := strings.ReplaceAll(tt.script, "%PID%", pidFile)
			r := s.run("export", "--command", script)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\n%s", r.code, tt.code, r)
			}
			// The command line itself holds the secret in these tests, and
			// the message names the command: judge the rest of the output.
			rest := strings.ReplaceAll(r.stderr, script, "%CMD%")
			if want := strings.ReplaceAll(tt.first, "%CMD%", script); r.firstLine() != want {
				t.Errorf("first error line:\n got %q\nwant %q", r.firstLine(), want)
			}
			if strings.Contains(rest, fakeSecret) || strings.Contains(r.stdout, fakeSecret) || strings.Contains(rest, "AKIAFAKEKEY123456789") {
				t.Errorf("output leaks the secret:\n%s", r)
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty on failure: %q", r.stdout)
			}
			if r.elapsed > tt.maxTime {
				t.Errorf("took %s, want at most %s", r.elapsed, tt.maxTime)
			}
			assertGroupGone(t, readPID(t, pidFile, time.Second))
		})
	}
}

// TestInterruptMidRefresh sends SIGINT to awsfresh while its login command
// runs: the command's group is killed and awsfresh exits 130.
func TestInterruptMidRefresh(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	pidFile := filepath.Join(s.home, "pid")
	cmd, _, stderr := s.start("refresh", "--command", "echo $$ > "+pidFile+"; trap '' INT; (sleep 600) & sleep 600")
	pgid := readPID(t, pidFile, 10*time.Second)
	begin := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	elapsed := time.Since(begin)
	code := cmd.ProcessState.ExitCode()
	if code != 130 {
		t.Errorf("exit %d (%v), want 130\n%s", code, err, stderr)
	}
	if !strings.Contains(stderr.String(), "AWS authentication refresh interrupted.") {
		t.Errorf("stderr lacks the interrupted message:\n%s", stderr)
	}
	if elapsed > grace+time.Second {
		t.Errorf("awsfresh took %s to exit after SIGINT", elapsed)
	}
	assertGroupGone(t, pgid)
	// An interrupt is the user's choice, not a failure: no cooldown.
	if _, err := os.Stat(filepath.Join(s.home, ".cache")); err == nil {
		r := s.run("refresh", "--command", "exit 0")
		if strings.Contains(r.stderr, "not retrying") {
			t.Errorf("an interrupted login started a cooldown:\n%s", r)
		}
	}
}
