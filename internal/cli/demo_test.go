//go:build unix

package cli_test

import (
	"strings"
	"testing"
)

// TestDemo runs `awsfresh demo`, the README's main job, and checks its
// exit status and the key lines of its timeline.
func TestDemo(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	r := s.run("demo")
	if r.code != 0 {
		t.Fatalf("demo failed:\n%s", r)
	}
	for _, want := range []string{
		"awsfresh demo (about " + demoLength(t, s) + "):",
		"✓ refresh ran the login command once",
		"✓ a second refresh right after does not run it again (no refresh loop)",
		"proactive refresh: new credentials ASIA…",
		"calls succeeded, 0 failed",
		"✓ the SSO session ended once and the login command renewed it once (2 logins in all)",
		"│ Error: AWS authentication refresh timed out after 2 seconds.",
		"✓ the login command did not run again (cooldown, not a loop)",
		"Demo finished in",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "✗") {
		t.Errorf("a demo step failed:\n%s", r.stdout)
	}
}
