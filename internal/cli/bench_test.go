//go:build unix

package cli_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

const benchExportCommand = `printf '{"Version":1,"AccessKeyId":"ASIABENCHMARK0000001","SecretAccessKey":"benchsecret","SessionToken":"benchtoken","Expiration":"2099-01-01T00:00:00Z"}'`

func runOrFail(b *testing.B, cmd *exec.Cmd) {
	b.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%v: %v\n%s", cmd.Args, err, out)
	}
}

// BenchmarkExportCommandDirect runs the export command itself: what
// `awsfresh export` adds is measured against this.
func BenchmarkExportCommandDirect(b *testing.B) {
	for b.Loop() {
		runOrFail(b, exec.Command("sh", "-c", benchExportCommand))
	}
}

// BenchmarkExportCold runs `awsfresh export --command` with an empty cache
// every time: the export command runs, its output is parsed, cached and
// printed.
func BenchmarkExportCold(b *testing.B) {
	s := newSandbox(&testing.T{})
	s.home = b.TempDir()
	i := 0
	for b.Loop() {
		i++
		cmd := exec.Command(awsfreshBin, "export", "--command", benchExportCommand)
		cmd.Env = append(s.environ(), "HOME="+s.home, "AWSFRESH_CACHE_DIR="+filepath.Join(s.home, "cache", strconv.Itoa(i)))
		runOrFail(b, cmd)
	}
}

// BenchmarkExportWarm is `awsfresh export` served from its cache.
func BenchmarkExportWarm(b *testing.B) {
	s := newSandbox(&testing.T{})
	s.home = b.TempDir()
	env := append(s.environ(), "HOME="+s.home, "AWSFRESH_CACHE_DIR="+filepath.Join(s.home, "cache"))
	warm := exec.Command(awsfreshBin, "export", "--command", benchExportCommand)
	warm.Env = env
	runOrFail(b, warm)
	for b.Loop() {
		cmd := exec.Command(awsfreshBin, "export", "--command", benchExportCommand)
		cmd.Env = env
		runOrFail(b, cmd)
	}
}

// BenchmarkTrivialGoBinary runs a Go program that only prints the same
// JSON: the floor for a warm export.
func BenchmarkTrivialGoBinary(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "printcreds")
	runOrFail(b, exec.Command("go", "build", "-o", bin, "./testdata/printcreds"))
	for b.Loop() {
		runOrFail(b, exec.Command(bin))
	}
}
