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
	for _, m := range regexp.MustCompile(`awsfresh (refresh|export|exec|login|status|doctor|setup|trust|demo|completion)\b`).FindAllStringSubmatch(string(data), -1) {
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

// demoLength is how long `awsfresh demo --help` says the demo takes.
func demoLength(t *testing.T, s *sandbox) string {
	t.Helper()
	r := s.run("demo", "--help")
	m := regexp.MustCompile(`in about (\d+ seconds)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("demo --help does not say how long the demo takes:\n%s", r)
	}
	return m[1]
}

// TestREADMESetUp: the set-up section says what a new user meets (.ci/run
// runs its commands as written): the first run's download, the demo's
// length as demo --help says it, the install from a clone, and every
// outside tool the tests use.
func TestREADMESetUp(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	setUp := readme[strings.Index(readme, "## Set up"):strings.Index(readme, "## Commands")]
	for _, want := range []string{
		"downloads the\ndependencies and compiles for about a minute",
		"a tour of about " + demoLength(t, newSandbox(t)),
		"go install ./cmd/awsfresh",
		"Node.js with npm",
		"npm ci --prefix internal/cli/testdata/jsloop",
		"tests skipped",
	} {
		if !strings.Contains(setUp, want) {
			t.Errorf("the README's set-up section lacks %q", want)
		}
	}
	if strings.Contains(readme, "~/.cache/awsfresh") {
		t.Error("the README uses ~/.cache/awsfresh, which macOS does not have")
	}
}
