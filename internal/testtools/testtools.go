// Package testtools helps tests that need a program from outside the Go
// toolchain (the AWS CLI, curl, tmux): they skip on a developer machine
// that lacks it, and fail in CI, where .ci/run sets AWSFRESH_REQUIRE_TOOLS
// so that a missing install step can never pass as a green run.
package testtools

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Require returns the path of the named program, skipping the test when it
// is missing, or failing it when AWSFRESH_REQUIRE_TOOLS is set.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	missing(t, name+" is not installed ("+err.Error()+")")
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
	missing(t, why)
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

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("AWSFRESH_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s, and AWSFRESH_REQUIRE_TOOLS is set", why)
	}
	t.Skipf("!!! SKIPPING: %s", why)
}
