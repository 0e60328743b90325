// Package testtools helps tests that need a program from outside the Go
// toolchain (the AWS CLI, curl, tmux): they skip on a developer machine
// that lacks it, and fail in CI, where .ci/run sets AWSFRESH_REQUIRE_TOOLS
// so that a missing install step can never pass as a green run.
package testtools

import (
	"os"
	"os/exec"
	"testing"
)

// Require returns the path of the named program, skipping the test when it
// is missing, or failing it when AWSFRESH_REQUIRE_TOOLS is set.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("AWSFRESH_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s is required (AWSFRESH_REQUIRE_TOOLS is set) but not found: %v", name, err)
	}
	t.Skipf("!!! SKIPPING: %s is not installed (%v)", name, err)
	return ""
}
