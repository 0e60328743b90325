//go:build unix

package cli_test

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

var soakFlag = flag.Bool("soak", false, "run TestSoakExec (also AWSFRESH_SOAK=1); AWSFRESH_SOAK_DURATION sets its length (default 10m)")

// soakDuration reads a Go duration from the environment variable name.
func soakDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q is not a positive Go duration", name, v)
	}
	return d
}

// TestSoakExec is the soak run of issue 7: a Go SDK client under
// `awsfresh exec` calls STS 20 times a second while role credentials live
// 5 seconds and each SSO session 2 minutes, which only the login command
// can renew (every refresh token is revoked right after its login). It
// asserts zero failed calls, one login per SSO session end (plus the
// first), never a login while the session was valid, and flat memory of
// the awsfresh process.
//
// It runs only with -soak or AWSFRESH_SOAK=1: go test ./internal/cli -run
// TestSoakExec -soak -v -timeout 30m. AWSFRESH_SOAK_DURATION (default 10m)
// and AWSFRESH_SOAK_SSO_SESSION (default 2m) change the run's length and
// the SSO session's.
func TestSoakExec(t *testing.T) {
	if !*soakFlag && os.Getenv("AWSFRESH_SOAK") != "1" {
		t.Skip("soak run: enable with -soak or AWSFRESH_SOAK=1")
	}
	duration := soakDuration(t, "AWSFRESH_SOAK_DURATION", 10*time.Minute)
	ssoLife := soakDuration(t, "AWSFRESH_SOAK_SSO_SESSION", 2*time.Minute)
	const (
		roleLife    = 5 * time.Second
		every       = 48 * time.Millisecond // + about 2 ms per call: 20 calls a second
		sampleEvery = 10 * time.Second
	)

	bin := filepath.Join(t.TempDir(), "stsloop")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/stsloop").CombinedOutput(); err != nil {
		t.Fatalf("build stsloop: %v\n%s", err, out)
	}
	s := newSimSandbox(t, simaws.Options{RoleCredentialLifetime: roleLife, SSOTokenLifetime: ssoLife})
	s.ssoProfile(t)
	s.userSettings(t, map[string]any{"awsAuthRefresh": s.loginCommand()})

	// Revoke each session's refresh token as soon as its login is seen,
	// and keep when each login happened.
	var (
		mu     sync.Mutex
		logins []time.Time
	)
	done := make(chan struct{})
	var watchers sync.WaitGroup
	watchers.Add(1)
	go func() {
		defer watchers.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if n := s.sim.Count("SSOLogin"); n > 0 {
				mu.Lock()
				if n > len(logins) {
					s.sim.RevokeRefreshTokens()
					for len(logins) < n {
						logins = append(logins, time.Now())
					}
				}
				mu.Unlock()
			}
		}
	}()

	begin := time.Now()
	cmd, stdout, stderr := s.start("exec", "--profile", "dev", "--", bin, "-for", duration.String(), "-every", every.String())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()

	// Resident memory of the awsfresh process, every 10 seconds.
	var rss []int64
	watchdog := time.NewTimer(duration + 2*time.Minute)
	defer watchdog.Stop()
	sample := time.NewTicker(sampleEvery)
	defer sample.Stop()
wait:
	for {
		select {
		case <-exited:
			break wait
		case <-watchdog.C:
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			t.Fatalf("awsfresh exec did not finish within %s of the run's end", 2*time.Minute)
		case <-sample.C:
			if kb, err := vmRSS(cmd.Process.Pid); err == nil {
				rss = append(rss, kb)
			}
		}
	}
	end := time.Now()
	close(done)
	watchers.Wait()

	out := stdout.String()
	oks := strings.Count(out, "\nok ") + boolInt(strings.HasPrefix(out, "ok "))
	fails := strings.Count(out, "FAIL")
	code := cmd.ProcessState.ExitCode()
	elapsed := end.Sub(begin)
	rate := float64(oks) / elapsed.Seconds()

	// A session ends ssoLife after its login; the last one may end too
	// close to the end of the run for its renewal to be needed yet.
	var ended, endedEarly int
	for _, l := range logins {
		if l.Add(ssoLife).Before(end) {
			ended++
		}
		if l.Add(ssoLife).Before(end.Add(-roleLife - time.Second)) {
			endedEarly++
		}
	}
	var gaps []string
	for i := 1; i < len(logins); i++ {
		gap := logins[i].Sub(logins[i-1])
		gaps = append(gaps, gap.Round(100*time.Millisecond).String())
		// The SSO cache keeps whole seconds: a session may be judged over up
		// to a second before the simulation ends it.
		if gap < ssoLife-2*time.Second {
			t.Errorf("login %d came %s after the previous one, while that SSO session (%s) was still valid", i+1, gap, ssoLife)
		}
	}
	var rssMiB []string
	for _, kb := range rss {
		rssMiB = append(rssMiB, strconv.FormatFloat(float64(kb)/1024, 'f', 1, 64))
	}
	t.Logf("soak: %s, %d calls ok (%.1f/s), %d failed, exit %d; %d logins (gaps %v) for %d SSO session ends; simulation %v; awsfresh RSS MiB every %s: %v",
		elapsed.Round(time.Second), oks, rate, fails, code, len(logins), gaps, ended, s.sim.Counts(), sampleEvery, rssMiB)

	if code != 0 || fails > 0 {
		var failed []string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "FAIL") && len(failed) < 10 {
				failed = append(failed, l)
			}
		}
		t.Errorf("calls failed under exec (exit %d, %d failures); first failures:\n%s\nawsfresh stderr:\n%s", code, fails, strings.Join(failed, "\n"), stderr)
	}
	if rate < 15 {
		t.Errorf("only %.1f calls a second, want about 20", rate)
	}
	if len(logins) < endedEarly+1 || len(logins) > ended+1 {
		t.Errorf("%d logins for %d SSO session ends (%d well before the end of the run), want one per session end plus the first",
			len(logins), ended, endedEarly)
	}
	if len(rss) < 2 {
		t.Errorf("only %d memory samples", len(rss))
	} else if first, last := rss[0], rss[len(rss)-1]; last >= first+10*1024 {
		t.Errorf("awsfresh resident memory grew from %.1f MiB to %.1f MiB", float64(first)/1024, float64(last)/1024)
	}
}

// vmRSS returns the resident set size of a process in KiB.
func vmRSS(pid int) (int64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, os.ErrNotExist
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
