//go:build unix

package cli_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECommandsExist runs `--help` of every awsfresh command the README
// shows, and checks each help carries an example. (.ci/run runs the set-up
// commands themselves as written.)
func TestREADMECommandsExist(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`awsfresh (refresh|export|exec|status|doctor|setup|trust|demo|completion)\b`).FindAllStringSubmatch(string(data), -1) {
		seen[m[1]] = true
	}
	if len(seen) < 6 {
		t.Fatalf("README mentions only %v", seen)
	}
	s := newSandbox(t)
	for cmd := range seen {
		r := s.run(cmd, "--help")
		if r.code != 0 {
			t.Errorf("awsfresh %s --help failed:\n%s", cmd, r)
			continue
		}
		if cmd != "completion" && !strings.Contains(r.stdout, "Examples:") {
			t.Errorf("awsfresh %s --help has no example:\n%s", cmd, r.stdout)
		}
	}
	if r := s.run("--version"); r.code != 0 || !strings.HasPrefix(r.stdout, "awsfresh version ") {
		t.Errorf("--version:\n%s", r)
	}
}
