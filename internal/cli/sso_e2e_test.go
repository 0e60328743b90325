//go:build unix

package cli_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/awsfresh/awsfresh/internal/simaws"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

const (
	ssoProfile = "dev"
	devSession = "dev-sso"
	ssoRole    = "Developer"
)

// ssoWorld is a user with an sso-session profile, no login command
// configured, a simulated AWS, and a simulated person who approves (or
// not) each device sign-in with one request to its verification page.
type ssoWorld struct {
	*sandbox
	sim     *simaws.Server
	approve atomic.Bool
	devices chan simaws.DeviceAuthorization
}

func newSSOWorld(t *testing.T, opts simaws.Options) *ssoWorld {
	t.Helper()
	w := &ssoWorld{sandbox: newSandbox(t), devices: make(chan simaws.DeviceAuthorization, 16)}
	w.approve.Store(true)
	// Whatever machine runs the test (a desktop would get the browser
	// flow): the device flow, and a browser that opens nothing.
	w.env["AWSFRESH_LOGIN_FLOW"] = "device-code"
	w.env["BROWSER"] = "true"
	opts.SignIn.OnDeviceAuthorization = func(d simaws.DeviceAuthorization) {
		if w.approve.Load() {
			resp, err := http.Post(d.VerificationURIComplete, "", nil)
			if err != nil {
				t.Errorf("approving the sign-in: %v", err)
			} else {
				resp.Body.Close()
			}
		}
		w.devices <- d
	}
	w.sim = simaws.New(opts)
	if err := w.sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.sim.Close() })
	for _, kv := range w.sim.Env() {
		k, v, _ := strings.Cut(kv, "=")
		w.env[k] = v
	}
	if err := simaws.WriteSSOProfile(w.home, ssoProfile, devSession, ssoStartURL, ssoRegion, w.sim.AccountID(), ssoRole); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *ssoWorld) tokenFile() string { return simaws.SSOCachePath(w.home, devSession) }

// token reads the SSO token cache.
func (w *ssoWorld) token() map[string]string {
	w.t.Helper()
	data, err := os.ReadFile(w.tokenFile())
	if err != nil {
		w.t.Fatal(err)
	}
	var tok map[string]string
	if err := json.Unmarshal(data, &tok); err != nil {
		w.t.Fatal(err)
	}
	return tok
}

// timePasses plays the hours after a sign-in: the access token and the
// role credentials expire (in the simulation and in the token cache), and
// awsfresh's own cache is gone, so the next call must renew.
func (w *ssoWorld) timePasses() {
	w.t.Helper()
	tok := w.token()
	tok["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	data, _ := json.Marshal(tok)
	if err := os.WriteFile(w.tokenFile(), data, 0o600); err != nil {
		w.t.Fatal(err)
	}
	w.sim.ExpireSSOTokens()
	w.sim.ExpireCredentials()
	if err := os.RemoveAll(filepath.Join(w.env["XDG_CACHE_HOME"], "awsfresh")); err != nil {
		w.t.Fatal(err)
	}
}

// refreshGrants counts CreateToken calls that were not device polls: the
// refresh token and authorization code grants.
func (w *ssoWorld) refreshGrants() int {
	polls := 0
	for _, d := range w.sim.DeviceAuthorizations() {
		polls += len(d.Polls)
	}
	return w.sim.Count(simaws.OpCreateToken) - polls
}

var userCodeLine = regexp.MustCompile(`(?m)^The page must show this code: [A-Z0-9]{4}-[A-Z0-9]{4}$`)

func assertExported(t *testing.T, r result) {
	t.Helper()
	var out struct {
		Version     int
		AccessKeyId string
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || out.Version != 1 || !strings.HasPrefix(out.AccessKeyId, "ASIA") {
		t.Fatalf("export did not print credentials:\n%s", r)
	}
}

func TestLoginDeviceFlowThenExport(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, simaws.Options{})
	r := w.run("login", "--profile", ssoProfile)
	if r.code != 0 {
		t.Fatalf("login failed:\n%s", r)
	}
	if r.stdout != "" {
		t.Errorf("login printed on stdout: %q", r.stdout)
	}
	auths := w.sim.DeviceAuthorizations()
	if len(auths) != 1 {
		t.Fatalf("%d device authorizations, want 1", len(auths))
	}
	if !strings.Contains(r.stderr, "\n    "+auths[0].VerificationURIComplete+"\n") || !userCodeLine.MatchString(r.stderr) ||
		!strings.Contains(r.stderr, `Signed in to IAM Identity Center for profile "dev"`) {
		t.Errorf("login output lacks the URL on a line of its own, the code or the result:\n%s", r)
	}

	fi, err := os.Stat(w.tokenFile())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token cache %s: %v, mode %v", w.tokenFile(), err, fi.Mode())
	}
	tok := w.token()
	for _, k := range []string{"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"} {
		if tok[k] == "" {
			t.Errorf("the token cache lacks %s", k)
		}
	}
	if tok["startUrl"] != ssoStartURL || tok["region"] != ssoRegion {
		t.Errorf("token cache startUrl %q region %q", tok["startUrl"], tok["region"])
	}
	assertNoSecret(t, r, tok["accessToken"], tok["refreshToken"], tok["clientSecret"])

	e := w.run("export", "--profile", ssoProfile)
	assertExported(t, e)
	if n := w.sim.Count(simaws.OpStartDeviceAuthorization); n != 1 {
		t.Errorf("export signed in again (%d device authorizations)", n)
	}

	// The Go SDK's own SSO credential provider reads the cache as it is.
	cfg := aws.Config{Region: ssoRegion, BaseEndpoint: aws.String(w.sim.URL())}
	tp := ssocreds.NewSSOTokenProvider(ssooidc.NewFromConfig(cfg), w.tokenFile())
	c, err := ssocreds.New(sso.NewFromConfig(cfg), w.sim.AccountID(), ssoRole, ssoStartURL, func(o *ssocreds.Options) {
		o.SSOTokenProvider = tp
	}).Retrieve(context.Background())
	if err != nil || !strings.HasPrefix(c.AccessKeyID, "ASIA") {
		t.Errorf("the SDK's SSO credential provider could not use the cache: %v", err)
	}
}

// browserScript writes a "browser": a program that follows the authorize
// page's redirect to awsfresh's listener, as a real browser would.
func browserScript(t *testing.T, dir, name string) string {
	t.Helper()
	curl := testtools.Require(t, "curl")
	p := filepath.Join(dir, name)
	script := "#!/bin/sh\nexec " + curl + " -fsSL --noproxy '*' -o /dev/null \"$1\"\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoginPKCEWithScriptedBrowser(t *testing.T) {
	t.Parallel()
	for _, via := range []string{"BROWSER", "xdg-open on PATH"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			w := newSSOWorld(t, simaws.Options{})
			w.env["AWSFRESH_LOGIN_FLOW"] = "auth-code"
			delete(w.env, "BROWSER")
			bin := filepath.Join(w.home, "bin")
			os.MkdirAll(bin, 0o755)
			if via == "BROWSER" {
				w.env["BROWSER"] = browserScript(t, bin, "browser")
			} else {
				browserScript(t, bin, "xdg-open")
				w.env["PATH"] = bin + ":" + w.env["PATH"]
			}
			r := w.run("--debug", "login", "--profile", ssoProfile)
			if r.code != 0 {
				t.Fatalf("login failed:\n%s", r)
			}
			if !strings.Contains(r.stderr, "sign-in flow: authorization code with PKCE — AWSFRESH_LOGIN_FLOW=auth-code") {
				t.Errorf("--debug does not say which flow and why:\n%s", r)
			}
			if w.sim.Count(simaws.OpAuthorize) != 1 || w.sim.Count(simaws.OpStartDeviceAuthorization) != 0 {
				t.Errorf("counts %v: want one authorize page visit, no device flow", w.sim.Counts())
			}
			if tok := w.token(); tok["refreshToken"] == "" || tok["clientId"] == "" {
				t.Errorf("the browser flow's token cache lacks the refresh token or registration")
			}
			assertExported(t, w.run("export", "--profile", ssoProfile))
		})
	}
}

// redirectPort is the listener port in the authorize URL awsfresh printed.
func redirectPort(t *testing.T, stderr string) string {
	t.Helper()
	for _, l := range strings.Split(stderr, "\n") {
		if l = strings.TrimSpace(l); strings.Contains(l, "/authorize?") {
			u, err := url.Parse(l)
			if err != nil {
				t.Fatal(err)
			}
			r, err := url.Parse(u.Query().Get("redirect_uri"))
			if err != nil {
				t.Fatal(err)
			}
			return r.Port()
		}
	}
	t.Fatalf("no authorize URL in:\n%s", stderr)
	return ""
}

func TestLoginNeverApproved(t *testing.T) {
	t.Parallel()
	t.Run("device code", func(t *testing.T) {
		t.Parallel()
		w := newSSOWorld(t, simaws.Options{})
		w.approve.Store(false)
		r := w.run("login", "--profile", ssoProfile, "--timeout", "2s")
		if r.code != 124 || r.firstLine() != "Error: AWS authentication refresh timed out after 2 seconds." {
			t.Fatalf("want exit 124 and the timeout message:\n%s", r)
		}
		if !strings.Contains(r.stderr, "Please check your AWS credentials and try again.") {
			t.Errorf("the SPEC's second line is missing:\n%s", r)
		}
		if !strings.Contains(r.stderr, "Nobody approved the sign-in in time. Sign in again and approve it in a browser on any device: awsfresh login --profile "+ssoProfile+" --device-code") ||
			strings.Contains(r.stderr, "--interactive") {
			t.Errorf("want the sign-in's own advice, not a login command's:\n%s", r)
		}
		if _, err := os.Stat(w.tokenFile()); err == nil {
			t.Error("a token cache was written")
		}
	})
	t.Run("browser", func(t *testing.T) {
		t.Parallel()
		w := newSSOWorld(t, simaws.Options{})
		w.env["AWSFRESH_LOGIN_FLOW"] = "auth-code"
		// A browser launcher that never returns and never visits the page.
		pidFile := filepath.Join(w.home, "browser.pid")
		launcher := filepath.Join(w.home, "browser")
		os.WriteFile(launcher, []byte("#!/bin/sh\necho $$ > "+pidFile+"\nexec sleep 600\n"), 0o755)
		w.env["BROWSER"] = launcher
		r := w.run("login", "--profile", ssoProfile, "--timeout", "2s")
		if r.code != 124 || r.firstLine() != "Error: AWS authentication refresh timed out after 2 seconds." {
			t.Fatalf("want exit 124 and the timeout message:\n%s", r)
		}
		// Nothing is left: not the launcher, not the listener.
		assertGroupGone(t, readPID(t, pidFile, time.Second))
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+redirectPort(t, r.stderr), time.Second); err == nil {
			c.Close()
			t.Error("the listener is still open")
		}
	})
}

func TestLoginInterrupted(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, simaws.Options{})
	w.approve.Store(false)
	cmd, _, stderr := w.start("login", "--profile", ssoProfile)
	select {
	case <-w.devices: // awsfresh is waiting for the approval
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no device authorization started")
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if code != 130 || !strings.Contains(stderr.String(), "AWS authentication refresh interrupted.") {
		t.Errorf("after Ctrl+C: exit %d (%v), stderr:\n%s", code, err, stderr.String())
	}
}

func TestLoginHonoursSlowDown(t *testing.T) {
	t.Parallel()
	// AWS asks for one poll a second and answers the first poll with
	// SlowDownException: the next must come at least 1 + 5 seconds later.
	w := newSSOWorld(t, simaws.Options{SignIn: simaws.SignInOptions{DeviceSlowDowns: 1}})
	r := w.run("login", "--profile", ssoProfile)
	if r.code != 0 {
		t.Fatalf("login failed:\n%s", r)
	}
	polls := w.sim.DeviceAuthorizations()[0].Polls
	if len(polls) < 2 || polls[0].Answer != "SlowDownException" || polls[len(polls)-1].Answer != "token" {
		t.Fatalf("polls = %+v", polls)
	}
	for i, p := range polls {
		if p.Early {
			t.Errorf("poll %d came sooner than the interval allowed: %+v", i, polls)
		}
	}
	if gap := polls[1].At.Sub(polls[0].At); gap < time.Second+simaws.SlowDownStep {
		t.Errorf("the poll after the slow-down came %s later, want at least %s", gap, time.Second+simaws.SlowDownStep)
	}
}

func TestSilentRenewalWithoutLogin(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, simaws.Options{})
	if r := w.run("login", "--profile", ssoProfile); r.code != 0 {
		t.Fatalf("login failed:\n%s", r)
	}
	before := w.token()
	w.timePasses()
	r := w.run("export", "--profile", ssoProfile)
	assertExported(t, r)
	if n := w.sim.Count(simaws.OpStartDeviceAuthorization); n != 1 {
		t.Errorf("a sign-in ran (%d device authorizations); the refresh token should have renewed the session", n)
	}
	if n := w.refreshGrants(); n != 1 {
		t.Errorf("%d refresh grants, want 1", n)
	}
	after := w.token()
	if after["accessToken"] == before["accessToken"] || after["refreshToken"] == before["refreshToken"] {
		t.Error("the token cache was not renewed")
	}
	if exp, err := time.Parse(time.RFC3339, after["expiresAt"]); err != nil || time.Until(exp) < time.Hour {
		t.Errorf("renewed expiresAt %q", after["expiresAt"])
	}
	st := w.run("status", "--profile", ssoProfile)
	if !strings.Contains(st.stdout, `SSO session:  sso-session "dev-sso" (refreshable); access token expires`) ||
		!strings.Contains(st.stdout, "renewed silently with its refresh token") {
		t.Errorf("status does not show the refreshable session:\n%s", st)
	}
}

func TestRevokedSessionRunsOneLogin(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, simaws.Options{})
	if r := w.run("login", "--profile", ssoProfile); r.code != 0 {
		t.Fatalf("login failed:\n%s", r)
	}
	w.timePasses()
	w.sim.RevokeRefreshTokens()
	r := w.run("export", "--profile", ssoProfile)
	assertExported(t, r)
	if n := w.sim.Count(simaws.OpStartDeviceAuthorization); n != 2 {
		t.Errorf("%d device authorizations, want 2 (the first login, then exactly one)", n)
	}
	if !strings.Contains(r.stderr, `running the login command for profile "dev"`) || !userCodeLine.MatchString(r.stderr) {
		t.Errorf("export did not show the sign-in:\n%s", r)
	}
	assertExported(t, w.run("export", "--profile", ssoProfile))
	if n := w.sim.Count(simaws.OpStartDeviceAuthorization); n != 2 {
		t.Errorf("a second export signed in again")
	}
}

func TestBuiltinLoginIsTheDefault(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, simaws.Options{})
	r := w.run("--debug", "refresh", "--profile", ssoProfile)
	if r.code != 0 {
		t.Fatalf("refresh failed:\n%s", r)
	}
	for _, want := range []string{
		"login: the built-in IAM Identity Center sign-in (awsfresh login --profile dev); sign-in flow: ",
		`running the login command for profile "dev" (timeout 3 minutes): awsfresh login --profile dev`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("refresh --debug lacks %q:\n%s", want, r)
		}
	}
	if w.sim.Count(simaws.OpStartDeviceAuthorization) != 1 {
		t.Errorf("counts %v", w.sim.Counts())
	}
	st := w.run("status", "--profile", ssoProfile, "--json")
	var rep struct {
		LoginCommand struct {
			Command, Flow, FlowReason string
			Builtin                   bool
		}
	}
	if json.Unmarshal([]byte(st.stdout), &rep) != nil || !rep.LoginCommand.Builtin || rep.LoginCommand.Flow == "" || rep.LoginCommand.FlowReason == "" {
		t.Errorf("status --json does not report the built-in sign-in and its flow:\n%s", st)
	}

	// A configured command still wins.
	r = w.run("refresh", "--profile", ssoProfile, "--force", "--command", "true")
	if r.code != 0 || w.sim.Count(simaws.OpStartDeviceAuthorization) != 1 {
		t.Errorf("--command did not win over the built-in sign-in:\n%s", r)
	}
	w.env["AWSFRESH_REFRESH_COMMAND"] = "true"
	if st := w.run("status", "--profile", ssoProfile); !strings.Contains(st.stdout, "Login:        true  (from AWSFRESH_REFRESH_COMMAND)") {
		t.Errorf("status:\n%s", st)
	}
}

func TestLoginRefusesProfilesWithoutSSO(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, simaws.Options{})
	w.write(".aws/credentials", "[keys]\naws_access_key_id = AKIAEXAMPLE000000000\naws_secret_access_key = x\n", 0o600)
	config, _ := os.ReadFile(filepath.Join(w.home, ".aws", "config"))
	w.write(".aws/config", string(config)+"\n[profile half]\nsso_session = half\n\n[sso-session half]\nsso_start_url = "+ssoStartURL+"\n", 0o600)
	for profile, want := range map[string]string{
		"keys":    `Error: profile "keys" does not use IAM Identity Center`,
		"missing": `Error: profile "missing" is not in ~/.aws/config or ~/.aws/credentials`,
		"half":    `Error: profile "half" uses IAM Identity Center, but [sso-session half] in ~/.aws/config has no sso_region.`,
	} {
		r := w.run("login", "--profile", profile)
		if r.code != 2 || !strings.HasPrefix(r.stderr, want) {
			t.Errorf("login --profile %s: want exit 2 and %q:\n%s", profile, want, r)
		}
	}
}

// awsCLIReader returns a function that gets credentials for the profile
// the way the AWS CLI does, with the CLI's own code: its botocore when the
// CLI is a Python program (as Debian's awscli is), else the CLI itself,
// which then must know AWS_ENDPOINT_URL_SSO (v2.13 and later).
func awsCLIReader(t *testing.T, w *ssoWorld) func() string {
	t.Helper()
	awsCLI := testtools.RequireAWSCLIv2(t)
	run := func(name string, args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = append(w.environ(), "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
		}
		return string(out)
	}
	head, _ := os.ReadFile(awsCLI)
	first, _, _ := strings.Cut(string(head), "\n")
	if python, ok := strings.CutPrefix(first, "#!"); ok && strings.Contains(python, "python") {
		script, err := filepath.Abs("testdata/botocore/sso_credentials.py")
		if err != nil {
			t.Fatal(err)
		}
		fields := strings.Fields(python)
		return func() string {
			return run(fields[0], append(fields[1:], script, w.sim.URL(), ssoProfile)...)
		}
	}
	return func() string {
		return run(awsCLI, "configure", "export-credentials", "--profile", ssoProfile, "--format", "process")
	}
}

// TestCacheSharedWithTheAWSCLI: the AWS CLI uses a session awsfresh signed
// in, renews it with its refresh token and rewrites the cache, and
// awsfresh uses the cache as the AWS CLI rewrote it.
func TestCacheSharedWithTheAWSCLI(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, simaws.Options{})
	cli := awsCLIReader(t, w)
	if r := w.run("login", "--profile", ssoProfile); r.code != 0 {
		t.Fatalf("login failed:\n%s", r)
	}
	if out := cli(); !strings.Contains(out, "ASIA") {
		t.Errorf("the AWS CLI did not get credentials from awsfresh's sign-in: %s", out)
	}
	if n := w.sim.Count(simaws.OpGetRoleCredentials); n < 1 {
		t.Errorf("the AWS CLI did not ask IAM Identity Center for role credentials")
	}

	w.timePasses()
	before := w.token()
	if out := cli(); !strings.Contains(out, "ASIA") {
		t.Errorf("the AWS CLI did not renew the session: %s", out)
	}
	if n := w.refreshGrants(); n != 1 {
		t.Errorf("%d refresh grants, want 1 (by the AWS CLI)", n)
	}
	if after := w.token(); after["accessToken"] == before["accessToken"] {
		t.Fatal("the AWS CLI did not rewrite the token cache")
	}
	w.sim.ExpireCredentials()
	os.RemoveAll(filepath.Join(w.env["XDG_CACHE_HOME"], "awsfresh"))
	assertExported(t, w.run("export", "--profile", ssoProfile))
	if n := w.sim.Count(simaws.OpStartDeviceAuthorization); n != 1 {
		t.Errorf("awsfresh signed in again instead of using the cache the AWS CLI rewrote")
	}
}

// TestReadsTheAWSCLICache: a session `aws sso login` cached, in its
// format, is used and renewed by awsfresh without a sign-in.
func TestReadsTheAWSCLICache(t *testing.T) {
	t.Parallel()
	w := newSSOWorld(t, simaws.Options{})
	tok := w.sim.IssueSSOToken()
	tok.ExpiresAt = time.Now().Add(-time.Minute) // and it needs renewing
	if _, err := simaws.WriteSSOCache(w.home, devSession, ssoStartURL, ssoRegion, tok); err != nil {
		t.Fatal(err)
	}
	w.sim.ExpireSSOTokens()
	st := w.run("status", "--profile", ssoProfile)
	if !strings.Contains(st.stdout, "(refreshable); access token expires") {
		t.Errorf("status does not read the AWS CLI's cache:\n%s", st)
	}
	assertExported(t, w.run("export", "--profile", ssoProfile))
	if w.sim.Count(simaws.OpStartDeviceAuthorization) != 0 || w.refreshGrants() != 1 {
		t.Errorf("counts %v: want a silent renewal and no sign-in", w.sim.Counts())
	}
}
