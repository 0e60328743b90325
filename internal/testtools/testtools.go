// Package testtools helps tests that need a program from outside the Go
// toolchain (the AWS CLI, curl, tmux, Node.js): they skip on a developer
// machine that lacks it, and fail in CI, where .ci/run sets
// AWSFRESH_REQUIRE_TOOLS so that a missing install step can never pass as
// a green run. A package whose TestMain calls Main ends its run with one
// line that counts those skips and says why, so a green run that skipped
// them says so.
package testtools

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvRequire makes a missing tool fail the test instead of skipping it.
const EnvRequire = "AWSFRESH_REQUIRE_TOOLS"

// Require returns the path of the named program, skipping the test when it
// is missing, or failing it when AWSFRESH_REQUIRE_TOOLS is set.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv(EnvRequire) != "" {
		t.Fatalf("%s is required (%s is set) but not found: %v", name, EnvRequire, err)
	}
	Skip(t, name+" is not installed")
	return ""
}

// RequireAWSCLIv2 returns the path of the first `aws` on PATH that is the
// AWS CLI version 2 (an older one may come first, e.g. from pip), skipping
// the test when there is none, or failing it when AWSFRESH_REQUIRE_TOOLS is
// set.
func RequireAWSCLIv2(t testing.TB) string {
	t.Helper()
	var seen []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" {
			continue
		}
		path := filepath.Join(dir, "aws")
		if _, err := exec.LookPath(path); err != nil {
			continue
		}
		v := version(path)
		if strings.HasPrefix(v, "aws-cli/2.") {
			return path
		}
		seen = append(seen, path+": "+v)
	}
	why := "the AWS CLI v2 is not on PATH"
	if len(seen) > 0 {
		why += " (found " + strings.Join(seen, "; ") + ")"
	}
	Skip(t, why)
	return ""
}

// version returns the first word of `path --version`'s output.
func version(path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	if f := strings.Fields(string(out)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "no version (" + strings.TrimSpace(string(out)) + ")"
}

// Skip skips the test for something missing on this machine that CI
// installs (so it fails instead when AWSFRESH_REQUIRE_TOOLS is set), and
// records the reason for Main's summary.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(EnvRequire) != "" {
		t.Fatalf("%s, and %s is set", reason, EnvRequire)
	}
	skips.add(reason)
	t.Skipf("!!! SKIPPING: %s", reason)
}

// skipLog counts skips by reason. It is the package's one variable: the
// testing package tells TestMain nothing about which tests skipped or why,
// so the tests of one binary record it here.
type skipLog struct {
	mu     sync.Mutex
	counts map[string]int
}

var skips skipLog

func (l *skipLog) add(reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	l.counts[reason]++
}

// Summary is the line Main prints: "N tests skipped: REASON ×n, …", or ""
// when nothing was skipped through Require or Skip.
func Summary() string {
	skips.mu.Lock()
	defer skips.mu.Unlock()
	total := 0
	reasons := make([]string, 0, len(skips.counts))
	for r, n := range skips.counts {
		total += n
		if n > 1 {
			r += fmt.Sprintf(" ×%d", n)
		}
		reasons = append(reasons, r)
	}
	if total == 0 {
		return ""
	}
	slices.Sort(reasons)
	noun := "tests"
	if total == 1 {
		noun = "test"
	}
	return fmt.Sprintf("%d %s skipped: %s; %s=1 makes them fail", total, noun, strings.Join(reasons, ", "), EnvRequire)
}

// Main runs the tests and then prints Summary, naming the package, and
// returns the exit code for os.Exit. `go test ./...` shows a passing
// package's output only with -v, so without -v the line goes to the
// terminal (/dev/tty) as well, when there is one.
func Main(m *testing.M) int {
	code := m.Run()
	line := Summary()
	if line == "" {
		return code
	}
	line = packageName() + ": " + line + "\n"
	io.WriteString(os.Stdout, line)
	if !testing.Verbose() && code == 0 {
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			io.WriteString(tty, line)
			tty.Close()
		}
	}
	return code
}

// packageName is the import path of the package under test, or the test
// binary's name.
func packageName() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path != "" {
		return strings.TrimSuffix(bi.Path, ".test")
	}
	return strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
}

// Clock is a settable clock for tests: its Now stands in for time.Now
// (an Options.Now, a simulated AWS's clock), and Advance moves it, so that
// tests order events by moving time instead of sleeping.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock that reads at.
func NewClock(at time.Time) *Clock { return &Clock{t: at} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}
