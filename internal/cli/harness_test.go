//go:build unix

package cli_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/procfs"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

// awsfreshBin is the real binary, built once for all tests of this package.
var awsfreshBin string

// coverDir is where the binary writes its coverage counters when the tests
// measure coverage (go test -cover): the test binary's own coverage
// directory (-test.gocoverdir), so that `go tool covdata` counts what the
// binary ran together with what the tests ran in-process (.ci/cover does
// this; go test's own percentage counts the test binary alone). "" when
// coverage is off.
var coverDir string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "awsfresh-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	awsfreshBin = filepath.Join(dir, "awsfresh")
	args := []string{"build", "-o", awsfreshBin}
	if mode := testing.CoverMode(); mode != "" {
		if f := flag.Lookup("test.gocoverdir"); f != nil {
			coverDir = f.Value.String()
		}
		if coverDir == "" {
			coverDir = filepath.Join(dir, "covdata") // counted nowhere, but the binary needs somewhere to write
			if err := os.Mkdir(coverDir, 0o700); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		args = append(args, "-cover", "-covermode="+mode, "-coverpkg=github.com/awsfresh/awsfresh/...")
	}
	build := exec.Command("go", append(args, "github.com/awsfresh/awsfresh/cmd/awsfresh")...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // as the README's install command builds it
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building awsfresh:", err)
		os.Exit(1)
	}
	code := testtools.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// sandbox is a hermetic user: its own HOME, AWS files and working
// directory, and an environment with nothing of the real user's.
type sandbox struct {
	t    *testing.T
	home string
	dir  string // working directory
	env  map[string]string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	home := t.TempDir()
	work := filepath.Join(home, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &sandbox{t: t, home: home, dir: work, env: map[string]string{
		"HOME":                        home,
		"PATH":                        os.Getenv("PATH"),
		"AWS_CONFIG_FILE":             filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_REGION":                  "us-east-1",
		"XDG_CONFIG_HOME":             filepath.Join(home, ".config"),
		"XDG_CACHE_HOME":              filepath.Join(home, ".cache"),
	}}
	if coverDir != "" {
		s.env["GOCOVERDIR"] = coverDir
	}
	return s
}

func (s *sandbox) environ() []string {
	var out []string
	for k, v := range s.env {
		out = append(out, k+"="+v)
	}
	return out
}

// write creates a file under HOME (dirs included) and returns its path.
func (s *sandbox) write(rel, content string, mode os.FileMode) string {
	s.t.Helper()
	p := filepath.Join(s.home, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// result is one finished run of the binary.
type result struct {
	stdout, stderr string
	code           int
	elapsed        time.Duration
}

func (r result) firstLine() string {
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "Error:") || strings.HasPrefix(l, "AWS authentication") {
			return l
		}
	}
	return ""
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s\nstdout:\n%s\nstderr:\n%s", r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// start starts awsfresh without waiting.
func (s *sandbox) start(args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	s.t.Helper()
	cmd := exec.Command(awsfreshBin, args...)
	cmd.Dir = s.dir
	cmd.Env = s.environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

// run runs awsfresh to the end, bounded by a minute.
func (s *sandbox) run(args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, awsfreshBin, args...)
	cmd.Dir = s.dir
	cmd.Env = s.environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	begin := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(begin)}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		s.t.Fatalf("running awsfresh: %v", err)
	}
	return r
}

// readPID waits for a command to write its shell's pid (= its process
// group id, since awsfresh starts each command in a group of its own).
func readPID(t *testing.T, path string, wait time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		data, err := os.ReadFile(path)
		if err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid > 0 {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the command never wrote its pid to %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// assertGroupGone fails unless no process of group pgid is left.
func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		if !groupAlive(pgid) {
			return
		}
		if time.Now().After(deadline) {
			out, _ := exec.Command("ps", "-o", "pid,pgid,stat,args", "-g", strconv.Itoa(pgid)).CombinedOutput()
			syscall.Kill(-pgid, syscall.SIGKILL)
			t.Fatalf("processes of group %d survived awsfresh:\n%s", pgid, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertNoSecret fails if any of the secrets appears in the output.
func assertNoSecret(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("output leaks secret %q:\n%s", s, r)
		}
	}
}

// groupAlive reports whether a live (not zombie) process is in group pgid.
// Zombies are dead: whether they are reaped is up to init, and some
// container inits never reap.
func groupAlive(pgid int) bool {
	if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	alive, known := procfs.GroupAlive(pgid)
	return alive || !known // no /proc: trust kill(2)
}

// processAlive reports whether pid is a live (not zombie) process.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	alive, known := procfs.Alive(pid)
	return alive || !known
}
