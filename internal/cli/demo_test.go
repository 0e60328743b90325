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
		"✓ refresh signed in once, with a device code the simulated user approved",
		"The page must show this code: ",
		"✓ a second refresh right after does not sign in again (no refresh loop)",
		"proactive refresh: new credentials ASIA…",
		"the SSO access token had expired: renewed silently with its refresh token (no sign-in)",
		"calls succeeded, 0 failed",
		"✓ the SSO session ended once and one sign-in renewed it (2 sign-ins in all)",
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
