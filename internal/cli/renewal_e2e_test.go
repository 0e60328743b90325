//go:build unix

package cli_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

// TestExecRenewalBacksOffAndWarnsOnce: the SSO session ends right after
// exec got its first 12-second role credentials (their windows scale to 6
// and 4 seconds). The background renewal fails inside the advisory window:
// it says so once, tries again at the mandatory window (not every second,
// as it used to), says once that the login has ended, and stops before the
// credentials expire.
func TestExecRenewalBacksOffAndWarnsOnce(t *testing.T) {
	t.Parallel()
	var s *simSandbox
	var once sync.Once
	s = newSimSandbox(t, simaws.Options{RoleCredentialLifetime: 12 * time.Second, Logf: func(format string, args ...any) {
		if strings.Contains(fmt.Sprintf(format, args...), simaws.OpGetRoleCredentials+" -> 200") {
			once.Do(func() { // the first credentials are out: end the session
				s.sim.ExpireSSOTokens()
				s.sim.RevokeRefreshTokens()
			})
		}
	}})
	if err := simaws.WriteSSOProfile(s.home, "dev", ssoSession, ssoStartURL, ssoRegion, s.sim.AccountID(), "Developer"); err != nil {
		t.Fatal(err)
	}
	if _, err := simaws.WriteSSOCache(s.home, ssoSession, ssoStartURL, ssoRegion, s.sim.IssueSSOToken()); err != nil {
		t.Fatal(err)
	}

	// The program ends before the credentials expire (the next request
	// would then run the login command).
	r := s.run("exec", "--profile", "dev", "--", "sh", "-c", "sleep 10")
	if r.code != 0 {
		t.Fatalf("exec failed:\n%s", r)
	}
	if n := strings.Count(r.stderr, "could not renew the credentials"); n != 1 {
		t.Errorf("%d warnings that renewing failed, want 1 (one cause):\n%s", n, r.stderr)
	}
	if n := strings.Count(r.stderr, "has ended and cannot be renewed silently"); n != 1 {
		t.Errorf("%d warnings that the login ended, want 1:\n%s", n, r.stderr)
	}
	// The first, one in the advisory window, one at the mandatory window.
	if n := s.sim.Count(simaws.OpGetRoleCredentials); n > 3 {
		t.Errorf("GetRoleCredentials was called %d times in 10 s, want at most 3 (renewal backs off)\n%s", n, r.stderr)
	}
	if n := s.sim.Count(simaws.OpSSOLogin); n != 0 {
		t.Errorf("the background renewal ran the login command (%d times)", n)
	}
}

// TestNoHomeRunsWithoutCache: with neither HOME nor XDG_CACHE_HOME (some
// service managers), export and refresh work without the cache and say so.
func TestNoHomeRunsWithoutCache(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	delete(s.env, "HOME")
	delete(s.env, "XDG_CACHE_HOME")
	const out = `{"Version":1,"AccessKeyId":"ASIANOHOME0000000001","SecretAccessKey":"nohomesecret","SessionToken":"nohometoken","Expiration":"2099-01-01T00:00:00Z"}`
	s.env["AWSFRESH_EXPORT_COMMAND"] = "printf '" + out + "'"
	s.env["AWSFRESH_REFRESH_COMMAND"] = "true"
	for _, args := range [][]string{{"export"}, {"refresh"}} {
		r := s.run(args...)
		if r.code != 0 {
			t.Errorf("awsfresh %s without HOME:\n%s", args[0], r)
			continue
		}
		if n := strings.Count(r.stderr, "no cache directory"); n != 1 {
			t.Errorf("awsfresh %s: %d warnings about the missing cache directory, want 1:\n%s", args[0], n, r.stderr)
		}
		assertNoSecret(t, result{stderr: r.stderr}, "nohomesecret", "nohometoken", "ASIANOHOME0000000001")
		if args[0] == "export" && strings.TrimSpace(r.stdout) != out {
			t.Errorf("export printed %q", r.stdout)
		}
	}
}
