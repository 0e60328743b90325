package testtools_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/awsfresh/awsfresh/internal/testtools"
)

func TestMain(m *testing.M) { os.Exit(testtools.Main(m)) }

// envChild marks this test binary run again by TestSummaryLine: only then
// do the TestChild tests look for their missing tools.
const envChild = "TESTTOOLS_CHILD"

func TestChildMissingTool(t *testing.T) {
	if os.Getenv(envChild) == "" {
		return
	}
	testtools.Require(t, "no-such-tool-xyz")
	t.Error("Require returned for a missing tool")
}

func TestChildMissingToolAgain(t *testing.T) {
	if os.Getenv(envChild) == "" {
		return
	}
	testtools.Require(t, "no-such-tool-xyz")
}

func TestChildMissingSDK(t *testing.T) {
	if os.Getenv(envChild) == "" {
		return
	}
	testtools.Skip(t, "the SDK is not installed")
}

// child runs the TestChild tests of this binary with env added.
func child(t *testing.T, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild", "-test.v", "-test.count=1")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, testtools.EnvRequire+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, append([]string{envChild + "=1"}, env...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestSummaryLine(t *testing.T) {
	t.Parallel()
	out, err := child(t)
	if err != nil {
		t.Fatalf("the run with skips failed: %v\n%s", err, out)
	}
	want := "github.com/awsfresh/awsfresh/internal/testtools: 3 tests skipped: no-such-tool-xyz is not installed ×2, the SDK is not installed; AWSFRESH_REQUIRE_TOOLS=1 makes them fail\n"
	if !strings.Contains(out, want) {
		t.Errorf("no summary line %q in:\n%s", want, out)
	}
}

func TestRequiredToolsFail(t *testing.T) {
	t.Parallel()
	out, err := child(t, testtools.EnvRequire+"=1")
	if err == nil || !strings.Contains(out, "no-such-tool-xyz is required") || !strings.Contains(out, "the SDK is not installed, and AWSFRESH_REQUIRE_TOOLS is set") {
		t.Errorf("missing tools did not fail the run with %s set (%v):\n%s", testtools.EnvRequire, err, out)
	}
	if strings.Contains(out, "skipped:") {
		t.Errorf("a failing run printed a skip summary:\n%s", out)
	}
}

func TestNoSkipsNoLine(t *testing.T) {
	t.Parallel()
	if line := testtools.Summary(); line != "" {
		t.Errorf("Summary() = %q in a run that skipped nothing", line)
	}
}
