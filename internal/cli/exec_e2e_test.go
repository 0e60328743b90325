//go:build unix

package cli_test

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/simaws"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

// longRunSeconds is how long the clients under exec keep calling.
const longRunSeconds = 42

// startExpiringWorld prepares an SSO profile whose role credentials live
// 10 s and whose SSO session ends about halfway through the run, so the
// login command must renew it once.
func startExpiringWorld(t *testing.T) *simSandbox {
	s := newSimSandbox(t, simaws.Options{RoleCredentialLifetime: 10 * time.Second, SSOTokenLifetime: 20 * time.Second})
	s.ssoProfile(t)
	s.userSettings(t, map[string]any{"awsAuthRefresh": s.loginCommand()})
	// The refresh token dies before the first access token does: when the
	// session ends, only the login command can renew it.
	go func() {
		time.Sleep(15 * time.Second)
		s.sim.RevokeRefreshTokens()
	}()
	return s
}

// checkLongRun judges a long run by what must hold however fast the
// machine is: no call failed, the login ran exactly when it had to, and the
// credentials were renewed. How many calls fit in the run is not judged.
func checkLongRun(t *testing.T, s *simSandbox, r result, okLine string) {
	t.Helper()
	oks := strings.Count(r.stdout, okLine)
	fails := strings.Count(r.stdout, "FAIL") + strings.Count(r.stderr, "FAIL")
	if r.code != 0 || fails > 0 {
		t.Errorf("calls failed under exec (exit %d, %d failures):\n%s", r.code, fails, r)
	}
	if oks == 0 {
		t.Errorf("no successful call:\n%s", r)
	}
	// One login before the program starts, one when the session ended.
	if n := s.sim.Count("SSOLogin"); n != 2 {
		t.Errorf("login command ran %d times, want 2 (start, and once when the SSO session ended)\n%s", n, r)
	}
	if !strings.Contains(r.stderr, `warning: the AWS login for profile "dev" has ended and cannot be renewed silently`) {
		t.Errorf("no warning ahead of the login when the session ended:\n%s", r.stderr)
	}
	// Credentials that live 10 s were renewed during the run, and again
	// after the second login.
	if n := s.sim.Count("GetRoleCredentials"); n < 3 {
		t.Errorf("role credentials were fetched only %d times in %ds", n, longRunSeconds)
	}
	t.Logf("%d calls ok; simulation counts %v", oks, s.sim.Counts())
}

// TestExecAWSCLI: the real AWS CLI v2, in a loop for over 40 s, while
// credentials expire every 10 s and the SSO session ends.
func TestExecAWSCLI(t *testing.T) {
	t.Parallel()
	aws := testtools.RequireAWSCLIv2(t)
	s := startExpiringWorld(t)
	loop := `end=$(( $(date +%s) + ` + itoa(longRunSeconds) + ` )); while [ $(date +%s) -lt $end ]; do ` +
		aws + ` sts get-caller-identity --endpoint-url "$SIM_URL" --query Arn --output text 2>&1 | sed 's/^arn:/ok arn:/; /^ok /!s/^/FAIL /'; sleep 1; done`
	s.env["SIM_URL"] = s.sim.URL()
	r := s.run("exec", "--profile", "dev", "--", "sh", "-c", loop)
	checkLongRun(t, s, r, "ok arn:aws:sts::")
}

// TestExecGoSDK: the AWS SDK for Go v2's default chain (its endpointcreds
// provider) in a long-running program under exec.
func TestExecGoSDK(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "stsloop")
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/stsloop").CombinedOutput(); err != nil {
		t.Fatalf("build stsloop: %v\n%s", err, out)
	}
	s := startExpiringWorld(t)
	r := s.run("exec", "--profile", "dev", "--", bin, "-for", itoa(longRunSeconds)+"s", "-every", "500ms")
	checkLongRun(t, s, r, "ok ")
}

// TestExecJSSDK: the AWS SDK for JavaScript v3 (npm, installed by .ci/run
// into testdata/jsloop) under exec, with the same expiring world.
func TestExecJSSDK(t *testing.T) {
	t.Parallel()
	node := testtools.Require(t, "node")
	dir, _ := filepath.Abs("testdata/jsloop")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-sts")); err != nil {
		testtools.Skip(t, "the AWS SDK for JavaScript is not installed (npm ci --prefix internal/cli/testdata/jsloop)")
	}
	s := startExpiringWorld(t)
	s.env["SIM_URL"] = s.sim.URL()
	r := s.run("exec", "--profile", "dev", "--", node, filepath.Join(dir, "loop.mjs"), itoa(longRunSeconds), "500")
	checkLongRun(t, s, r, "ok ")
}

func itoa(n int) string { return strconv.Itoa(n) }

// execSandbox has credentials from an export command: no network.
func execSandbox(t *testing.T) *sandbox {
	s := newSandbox(t)
	s.userSettings(t, map[string]any{
		"awsCredentialExport": `printf '{"Version":1,"AccessKeyId":"ASIAEXECTEST00000001","SecretAccessKey":"execsecret","SessionToken":"exectoken","Expiration":"2099-01-01T00:00:00Z"}'`,
		"env":                 map[string]any{"FROM_SETTINGS": "yes"},
	})
	return s
}

func TestExecExitStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		code   int
	}{
		{"exits 7", "exit 7", 7},
		{"killed by SIGKILL", "kill -9 $$", 128 + 9},
		{"exits 0", "true", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := execSandbox(t)
			r := s.run("exec", "--", "sh", "-c", tt.script)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\n%s", r.code, tt.code, r)
			}
		})
	}
	t.Run("missing program", func(t *testing.T) {
		t.Parallel()
		r := execSandbox(t).run("exec", "--", "no-such-program-xyz")
		if r.code != 127 || !strings.Contains(r.stderr, "no-such-program-xyz") {
			t.Errorf("want 127 naming the program:\n%s", r)
		}
	})
}

func TestExecEnvironment(t *testing.T) {
	t.Parallel()
	s := execSandbox(t)
	s.env["AWS_ACCESS_KEY_ID"] = "AKIASHADOWING0000001"
	s.env["AWS_SECRET_ACCESS_KEY"] = "shadowsecret"
	s.env["AWS_PROFILE"] = "shadow"
	r := s.run("exec", "--debug", "--", "sh", "-c", `env | grep -E '^(AWS_|FROM_SETTINGS|AWSFRESH)' | sort`)
	if r.code != 0 {
		t.Fatalf("exec failed:\n%s", r)
	}
	for _, want := range []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:", "AWS_CONTAINER_AUTHORIZATION_TOKEN=", "FROM_SETTINGS=yes", "AWS_REGION=us-east-1"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("program environment lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, gone := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE=", "AWSFRESH_NESTED"} {
		if strings.Contains(r.stdout, gone) {
			t.Errorf("program environment still has %s:\n%s", gone, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "removed from the program's environment") || !strings.Contains(r.stderr, "AWS_PROFILE") {
		t.Errorf("--debug does not say what was removed:\n%s", r.stderr)
	}
	assertNoSecret(t, r, "execsecret", "exectoken")
}

// TestExecSignalsAndCleanup: SIGTERM to awsfresh reaches the program,
// awsfresh exits with the program's status, nothing is left behind, and
// the endpoint is gone.
func TestExecSignalsAndCleanup(t *testing.T) {
	t.Parallel()
	s := execSandbox(t)
	pidFile := filepath.Join(s.home, "pid")
	uriFile := filepath.Join(s.home, "uri")
	cmd, _, stderr := s.start("exec", "--", "sh", "-c",
		`echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > `+uriFile+`; trap 'exit 42' TERM; echo $$ > `+pidFile+`; while :; do sleep 0.1; done`)
	pid := readPID(t, pidFile, 10*time.Second)
	data, _ := os.ReadFile(uriFile)
	u, err := url.Parse(strings.TrimSpace(string(data)))
	if err != nil || u.Host == "" {
		t.Fatalf("no endpoint URI: %q", data)
	}
	if c, err := net.Dial("tcp", u.Host); err != nil {
		t.Fatalf("endpoint not reachable while the program runs: %v", err)
	} else {
		c.Close()
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 42 {
		t.Errorf("exit %d, want the program's 42\n%s", code, stderr)
	}
	if processAlive(pid) {
		t.Errorf("program %d survived", pid)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Errorf("endpoint %s still reachable after exec returned", u.Host)
	}
}

// TestExecDefaultProfileDoesNotShadow: static keys of the default profile
// would win over the endpoint in the AWS CLI; under exec the program must
// act as the served profile.
func TestExecDefaultProfileDoesNotShadow(t *testing.T) {
	t.Parallel()
	aws := testtools.RequireAWSCLIv2(t)
	s := newSimSandbox(t, simaws.Options{})
	defID, defSecret := s.sim.CreateUser("default-user")
	servedID, servedSecret := s.sim.CreateUser("served-user")
	s.write(".aws/credentials", "[default]\naws_access_key_id = "+defID+"\naws_secret_access_key = "+defSecret+
		"\n[served]\naws_access_key_id = "+servedID+"\naws_secret_access_key = "+servedSecret+"\n", 0o600)
	r := s.run("exec", "--profile", "served", "--", aws, "sts", "get-caller-identity", "--endpoint-url", s.sim.URL(), "--query", "Arn", "--output", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "user/served-user") {
		t.Errorf("the program did not act as the served profile:\n%s", r)
	}
	assertNoSecret(t, r, defSecret, servedSecret)
}

// TestExecWaitsForItsLogin: the program exits while a login that the
// endpoint started (because the SSO session ended) still runs and ignores
// SIGTERM. awsfresh exits with the program's status only once the login's
// whole group is gone: nothing is left running.
func TestExecWaitsForItsLogin(t *testing.T) {
	t.Parallel()
	testtools.Require(t, "curl")
	s := newSimSandbox(t, simaws.Options{RoleCredentialLifetime: 4 * time.Second})
	s.ssoProfile(t)
	once := filepath.Join(s.home, "logged-in-once")
	loginPID := filepath.Join(s.home, "login-pid")
	loginChild := filepath.Join(s.home, "login-child")
	started := filepath.Join(s.home, "program-started")
	// The first login (before the program starts) works; the second hangs,
	// ignoring SIGTERM, with a child of its own.
	login := `if [ -e ` + once + ` ]; then trap '' TERM; sleep 1000 & echo $! > ` + loginChild + `; echo $$ > ` + loginPID +
		`.tmp; mv ` + loginPID + `.tmp ` + loginPID + `; wait; else touch ` + once + `; ` + s.loginCommand() + `; fi`
	s.userSettings(t, map[string]any{"awsAuthRefresh": login})
	// The program asks for credentials until the second login runs, then
	// exits 7 (or 9 if that never happens).
	program := `touch ` + started + `; end=$(( $(date +%s) + 60 )); while [ ! -e ` + loginPID + ` ]; do ` +
		`[ $(date +%s) -lt $end ] || exit 9; ` +
		`curl -s -o /dev/null -H "Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN" "$AWS_CONTAINER_CREDENTIALS_FULL_URI"; sleep 0.2; done; exit 7`
	cmd, _, stderr := s.start("exec", "--profile", "dev", "--", "sh", "-c", program)
	waitForFile(t, started)
	// The SSO session ends: only the login command can renew it now.
	s.sim.ExpireSSOTokens()
	s.sim.RevokeRefreshTokens()
	code := waitExit(t, cmd)
	if code != 7 {
		t.Fatalf("exit %d, want the program's 7 (9: the second login never ran)\n%s", code, stderr)
	}
	// awsfresh has exited: the login and its child must be gone already
	// (processGone only allows the kernel a moment to finish them off).
	pgid := readPID(t, loginPID, time.Second)
	child := readPID(t, loginChild, time.Second)
	if !processGone(child) {
		syscall.Kill(-pgid, syscall.SIGKILL)
		t.Errorf("the login's child %d outlived awsfresh exec\n%s", child, stderr)
	}
	assertGroupGone(t, pgid)
}
