//go:build unix

package cli_test

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestNoWorkAtInit: none of our packages does work when the binary starts
// (a regular expression compiled at init costs every run of awsfresh),
// measured by what the runtime's init trace says each one allocates — a
// count, not a time, so a busy machine does not change it.
func TestNoWorkAtInit(t *testing.T) {
	t.Parallel()
	if coverDir != "" {
		t.Skip("the coverage instrumentation registers every package at init")
	}
	cmd := exec.Command(awsfreshBin, "--version")
	cmd.Env = []string{"GODEBUG=inittrace=1", "HOME=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// init github.com/awsfresh/awsfresh/internal/creds @23 ms, 0.001 ms clock, 216 bytes, 6 allocs
	line := regexp.MustCompile(`^init (github\.com/awsfresh/awsfresh\S*) @.* clock, (\d+) bytes, (\d+) allocs$`)
	const maxBytes, maxAllocs = 1024, 16 // a few sentinel errors
	seen := 0
	for _, l := range strings.Split(string(out), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		seen++
		bytes, _ := strconv.Atoi(m[2])
		allocs, _ := strconv.Atoi(m[3])
		if bytes > maxBytes || allocs > maxAllocs {
			t.Errorf("package %s does work at init: %d bytes in %d allocations", m[1], bytes, allocs)
		}
	}
	if seen == 0 {
		t.Fatalf("no init trace of our packages in:\n%s", out)
	}
}
