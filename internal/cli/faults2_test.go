//go:build unix

package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

// cacheView is the part of the engine's cache file (engine/cache.go) the
// fault tests judge: a complete file parses and names its credentials.
type cacheView struct {
	Version     int    `json:"version"`
	Profile     string `json:"profile"`
	Credentials *struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
	} `json:"credentials"`
}

// cacheFiles returns the credential cache files (*.json) in dir and the
// number of other entries whose name starts with ".tmp-" (temporary files
// a killed writer left behind).
func cacheFiles(t *testing.T, dir string) (files []string, leftovers int) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch {
		case strings.HasSuffix(e.Name(), ".json"):
			files = append(files, filepath.Join(dir, e.Name()))
		case strings.HasPrefix(e.Name(), ".tmp-"):
			leftovers++
		}
	}
	return files, leftovers
}

// numberedExport is an export command that prints new credentials on every
// run, numbered by the time in microseconds (16 digits): later runs print
// greater numbers. (A counter file would not do: the export command of a
// killed awsfresh lives on and races with the next run's.)
const numberedExport = `n=$(date +%s%6N); ` +
	`printf '{"Version":1,"AccessKeyId":"ASIA%016d","SecretAccessKey":"killsecret%d","SessionToken":"killtoken","Expiration":"2099-01-01T00:00:00Z"}' $n $n`

// TestSIGKILLMidCacheWrite kills awsfresh with SIGKILL at random moments
// of runs that rewrite the cache, 200 times: after each kill the cache
// file is absent (before the first write), the old complete file or the
// new complete file, never partial; and awsfresh works afterwards.
func TestSIGKILLMidCacheWrite(t *testing.T) {
	t.Parallel()
	const runs = 200
	s := newSandbox(t)
	cacheDir := filepath.Join(s.home, "cache")
	s.env["AWSFRESH_CACHE_DIR"] = cacheDir
	s.env["AWSFRESH_EXPORT_COMMAND"] = numberedExport
	// refresh --force runs the (instant) login command, then the export
	// command, then rewrites the profile's cache file: every run writes.
	args := []string{"refresh", "--force", "--command", "true"}
	last := 0

	// Kills land in the second half of a run, where the write is. How long
	// a run takes varies with the machine's load: the kill time adapts,
	// later after a kill, earlier after a run that completed, so that
	// about a third of the runs complete and most are cut short near
	// their end.
	full := 20 * time.Millisecond
	var killedOld, killedNew, completed int
	for i := range runs {
		cmd, _, stderr := s.start(args...)
		time.Sleep(full/2 + rand.N(full/2+1))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		signaled := cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled()
		if !signaled && cmd.ProcessState.ExitCode() != 0 {
			t.Fatalf("run %d exited %d without being killed:\n%s", i, cmd.ProcessState.ExitCode(), stderr)
		}
		n := readCacheNumber(t, cacheDir, last)
		switch {
		case !signaled:
			completed++
			full = full * 92 / 100
		case n == last:
			killedOld++
			full = full * 104 / 100
		default:
			killedNew++
			full = full * 104 / 100
		}
		last = n
	}
	_, leftovers := cacheFiles(t, cacheDir)
	t.Logf("%d runs (kills near %s): %d killed leaving the old file, %d killed after writing the new one, %d completed; "+
		"%d temporary files left behind (kills in the middle of a write)",
		runs, full.Round(time.Millisecond), killedOld, killedNew, completed, leftovers)
	if killedOld+killedNew < runs/2 {
		t.Errorf("only %d of %d runs were killed: the kills come too late to test anything", killedOld+killedNew, runs)
	}

	// Afterwards awsfresh works: export is served from the surviving file
	// without running the export command, and a refresh rewrites it.
	c := parseExport(t, s.run("export"))
	if want := fmt.Sprintf("ASIA%016d", last); c.AccessKeyID != want {
		t.Errorf("export after the kills served %s, want the cached %s", c.AccessKeyID, want)
	}
	if r := s.run(args...); r.code != 0 {
		t.Fatalf("refresh after the kills failed:\n%s", r)
	}
	if n := readCacheNumber(t, cacheDir, last); n <= last {
		t.Errorf("refresh after the kills left credentials #%d in the cache, want newer than #%d", n, last)
	}
}

// readCacheNumber checks the cache directory holds at most one complete
// cache file with numbered credentials at least as new as prev (old or
// new, never older, never gone once written), and returns their number (0:
// no file yet).
func readCacheNumber(t *testing.T, dir string, prev int) int {
	t.Helper()
	files, _ := cacheFiles(t, dir)
	switch {
	case len(files) == 0 && prev == 0:
		return 0
	case len(files) == 0:
		t.Fatalf("the cache file disappeared (it held credentials #%d)", prev)
	case len(files) > 1:
		t.Fatalf("more than one cache file: %v", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var v cacheView
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("partial or corrupt cache file after SIGKILL (%v), %d bytes", err, len(data))
	}
	if v.Version != 1 || v.Credentials == nil || len(v.Credentials.AccessKeyID) != 20 || v.Credentials.SecretAccessKey == "" {
		t.Fatalf("cache file parses but is incomplete: version %d, credentials present %v", v.Version, v.Credentials != nil)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(v.Credentials.AccessKeyID, "ASIA"))
	if err != nil {
		t.Fatalf("cache holds an unexpected access key id: %v", err)
	}
	if v.Credentials.SecretAccessKey != "killsecret"+strconv.Itoa(n) {
		t.Fatalf("cache file mixes two writes: key #%d with another secret", n)
	}
	if n < prev {
		t.Fatalf("the cache went back from credentials #%d to #%d", prev, n)
	}
	return n
}

// TestTwoRefreshesDifferentLoginCommands: two processes refresh the same
// profile at once, each with its own login command. Exactly one login
// runs; the other process waits for the profile's lock and reuses the
// result.
func TestTwoRefreshesDifferentLoginCommands(t *testing.T) {
	t.Parallel()
	s := newSandbox(t)
	marker := filepath.Join(s.home, "logged-in")
	logins := filepath.Join(s.home, "logins")
	// The credentials exist only once some login has written its marker.
	s.userSettings(t, map[string]any{"awsCredentialExport": `if test -f ` + marker + `; then ` +
		`printf '{"Version":1,"AccessKeyId":"ASIATWOLOGINS0000001","SecretAccessKey":"twosecret","SessionToken":"twotoken","Expiration":"2099-01-01T00:00:00Z"}'; ` +
		`else echo "not logged in" >&2; exit 1; fi`})
	login := func(name string) string {
		return "echo " + name + " >> " + logins + "; sleep 1; touch " + marker
	}

	begin := time.Now()
	type run struct {
		name   string
		cmd    *exec.Cmd
		stderr *bytes.Buffer
	}
	var runs []run
	for _, name := range []string{"A", "B"} {
		cmd, _, stderr := s.start("refresh", "--command", login(name))
		runs = append(runs, run{name, cmd, stderr})
	}
	ran := 0
	for _, r := range runs {
		r.cmd.Wait()
		if code := r.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("refresh with login %s: exit %d\n%s", r.name, code, r.stderr)
		}
		if strings.Contains(r.stderr.String(), "running the login command") {
			ran++
		}
		if !strings.Contains(r.stderr.String(), `Credentials for profile "default" are valid`) {
			t.Errorf("refresh with login %s does not say the credentials are valid:\n%s", r.name, r.stderr)
		}
	}
	data, _ := os.ReadFile(logins)
	if lines := strings.Fields(string(data)); len(lines) != 1 {
		t.Errorf("login commands that ran: %q, want exactly one", lines)
	}
	if ran != 1 {
		t.Errorf("%d processes say they ran the login command, want 1", ran)
	}
	if elapsed := time.Since(begin); elapsed > 10*time.Second {
		t.Errorf("the two refreshes took %s", elapsed)
	}
}

// TestCacheDirNotWritable: when the cache cannot be used, export still
// prints the credentials (only them, on stdout), uncached, and warns on
// stderr. The paths under a regular file fail even for root.
func TestCacheDirNotWritable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, s *sandbox)
	}{
		{"AWSFRESH_CACHE_DIR under a regular file", func(t *testing.T, s *sandbox) {
			s.env["AWSFRESH_CACHE_DIR"] = filepath.Join(s.write("afile", "x", 0o600), "sub")
		}},
		{"XDG_CACHE_HOME is a regular file", func(t *testing.T, s *sandbox) {
			s.env["XDG_CACHE_HOME"] = s.write("notadir", "x", 0o600)
		}},
		{"cache file path taken by a directory", func(t *testing.T, s *sandbox) {
			// The lock works, the directory exists, but the file cannot be
			// replaced.
			dir := filepath.Join(s.home, "cache")
			s.env["AWSFRESH_CACHE_DIR"] = dir
			parseExport(t, s.run("export"))
			files, _ := cacheFiles(t, dir)
			if len(files) != 1 {
				t.Fatalf("want one cache file after a first export, found %v", files)
			}
			if err := os.Remove(files[0]); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(files[0], 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(s.home, "runs")); err != nil {
				t.Fatal(err)
			}
		}},
		{"cache directory read-only (not for root)", func(t *testing.T, s *sandbox) {
			if os.Geteuid() == 0 {
				t.Skip("root writes into a read-only directory; the cases above cover root")
			}
			dir := filepath.Join(s.home, "cache")
			if err := os.Mkdir(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			s.env["AWSFRESH_CACHE_DIR"] = dir
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSandbox(t)
			runs := filepath.Join(s.home, "runs")
			const out = `{"Version":1,"AccessKeyId":"ASIANOCACHE000000001","SecretAccessKey":"nocachesecret","SessionToken":"nocachetoken","Expiration":"2099-01-01T00:00:00Z"}`
			s.userSettings(t, map[string]any{"awsCredentialExport": "echo ran >> " + runs + "; printf '" + out + "'"})
			tt.setup(t, s)
			for i := range 2 {
				r := s.run("export")
				c := parseExport(t, r)
				if c.AccessKeyID != "ASIANOCACHE000000001" {
					t.Errorf("export %d served %s", i, c.AccessKeyID)
				}
				if strings.TrimSpace(r.stdout) != out {
					t.Errorf("stdout holds more than the credentials:\n%s", r.stdout)
				}
				if !strings.Contains(r.stderr, "Warning:") || !strings.Contains(r.stderr, "cache") {
					t.Errorf("export %d does not warn that the cache cannot be used:\n%s", i, r)
				}
				assertNoSecret(t, result{stderr: r.stderr}, "nocachesecret", "nocachetoken", "ASIANOCACHE000000001")
			}
			// Uncached: the export command ran for both exports.
			data, _ := os.ReadFile(runs)
			if n := strings.Count(string(data), "ran"); n != 2 {
				t.Errorf("the export command ran %d times for 2 uncached exports, want 2", n)
			}
		})
	}
}

// TestClockJumpPastExpiry: credentials cached by one export, whose real
// expiry then passes (3-second role credentials, and a sleep past them),
// are not served again: the next export obtains new ones silently from the
// still-valid SSO session, and AWS accepts them.
func TestClockJumpPastExpiry(t *testing.T) {
	t.Parallel()
	s := newSimSandbox(t, simaws.Options{RoleCredentialLifetime: 3 * time.Second})
	s.ssoProfile(t)
	s.userSettings(t, map[string]any{"awsAuthRefresh": s.loginCommand()})

	first := parseExport(t, s.run("export", "--profile", "dev"))
	if !first.HasExpiration() || time.Until(first.Expiration) > 4*time.Second {
		t.Fatalf("want 3-second credentials, got expiry %s", first.Expiration)
	}
	if n := s.sim.Count("SSOLogin"); n != 1 {
		t.Fatalf("first export: %d logins, want 1", n)
	}
	time.Sleep(time.Until(first.Expiration) + 200*time.Millisecond)

	before := s.sim.Count("GetRoleCredentials")
	second := parseExport(t, s.run("export", "--profile", "dev"))
	if second.AccessKeyID == first.AccessKeyID {
		t.Fatalf("export served the cached credentials %s after they expired at %s", first.MaskedKeyID(), first.Expiration.Format(time.RFC3339Nano))
	}
	if n := s.sim.Count("GetRoleCredentials"); n != before+1 {
		t.Errorf("GetRoleCredentials calls %d → %d, want one more", before, n)
	}
	if !second.Expiration.After(time.Now()) {
		t.Errorf("the new credentials are already expired (%s)", second.Expiration)
	}
	if n := s.sim.Count("SSOLogin"); n != 1 {
		t.Errorf("the SSO session was still valid, yet the login ran again (%d logins)", n)
	}
	s.acceptedBySTS(t, second)
}

// faultyAWS is a fake AWS endpoint on loopback that answers every request
// badly, counting them.
type faultyAWS struct {
	url      string
	requests atomic.Int64
}

// newFaultyAWS starts an endpoint in one of the modes: "closed" (nothing
// listens on the port), "500" (Internal Server Error with a text body),
// "garbage" (200 with a body that is neither XML nor JSON), "hang"
// (accepts the request and never answers, until the test ends).
func newFaultyAWS(t *testing.T, mode string) *faultyAWS {
	t.Helper()
	f := &faultyAWS{}
	if mode == "closed" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f.url = "http://" + ln.Addr().String()
		ln.Close()
		return f
	}
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		switch mode {
		case "500":
			http.Error(w, "internal error, please retry", http.StatusInternalServerError)
		case "garbage":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("<<<{{{ \x00\xff not xml, not json"))
		case "hang":
			select {
			case <-stop:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(func() { close(stop); srv.CloseClientConnections(); srv.Close() })
	f.url = srv.URL
	return f
}

// TestAWSUnreachableOrBroken: with AWS unreachable, failing with 500s,
// answering garbage or never answering, export and refresh of an SSO
// profile and of static keys end in bounded time with a clear error (or,
// for static keys that cannot be verified for a network reason, serve
// them with a warning), make few requests, and never run the login
// command: a login cannot fix the network.
func TestAWSUnreachableOrBroken(t *testing.T) {
	t.Parallel()
	type want struct {
		code  int
		first string // substring of the first error line; "" with code 0
		extra string // substring of stderr
	}
	tests := []struct {
		mode, profile string
		want          want
		bug           string
	}{
		{"closed", "dev", want{1, "connection refused", "Could not reach AWS"}, ""},
		{"500", "dev", want{1, "StatusCode: 500", "AWS answered with a server error"}, ""},
		{"garbage", "dev", want{1, "GetRoleCredentials", "AWS answered with a server error or an unreadable response"}, ""},
		{"hang", "dev", want{1, "", "Could not reach AWS"}, ""},
		// A network failure says nothing about long-term keys: they are
		// served unverified, with a warning.
		{"closed", "static", want{0, "", "could not verify the credentials with AWS STS (network)"}, ""},
		// A server error or garbage from STS says nothing about them either.
		{"500", "static", want{0, "", "could not verify the credentials with AWS STS (it answered with a server error)"}, ""},
		{"garbage", "static", want{0, "", "could not verify the credentials with AWS STS (it answered with a server error)"}, ""},
		{"hang", "static", want{0, "", "could not verify the credentials with AWS STS (network)"}, ""},
	}
	for _, tt := range tests {
		for _, verb := range []string{"export", "refresh"} {
			t.Run(tt.mode+"/"+tt.profile+"/"+verb, func(t *testing.T) {
				t.Parallel()
				if tt.bug != "" {
					t.Skip(tt.bug)
				}
				s := newSandbox(t)
				f := newFaultyAWS(t, tt.mode)
				for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC"} {
					s.env[k] = f.url
				}
				if err := simaws.WriteSSOProfile(s.home, "dev", ssoSession, ssoStartURL, ssoRegion, simaws.DefaultAccountID, "Developer"); err != nil {
					t.Fatal(err)
				}
				// A valid SSO session: only AWS itself can fail.
				tok := simaws.SSOToken{AccessToken: "aoa-unreachable-test-token", RefreshToken: "aor-unreachable-test-token",
					ClientID: "client", ClientSecret: "clientsecret", ExpiresAt: time.Now().Add(8 * time.Hour), RegistrationExpiresAt: time.Now().Add(24 * time.Hour)}
				if _, err := simaws.WriteSSOCache(s.home, ssoSession, ssoStartURL, ssoRegion, tok); err != nil {
					t.Fatal(err)
				}
				const staticID, staticSecret = "AKIAUNREACHABLE00001", "unreachableStaticSecret0000000000000000"
				s.write(".aws/credentials", "[static]\naws_access_key_id = "+staticID+"\naws_secret_access_key = "+staticSecret+"\n", 0o600)
				marker := filepath.Join(s.home, "login-ran")
				s.userSettings(t, map[string]any{"awsAuthRefresh": "touch " + marker})

				r := s.run(verb, "--profile", tt.profile, "--timeout", "10s")
				t.Logf("%d requests; %s", f.requests.Load(), r)
				if r.elapsed > 30*time.Second {
					t.Errorf("took %s, want a bounded failure", r.elapsed)
				}
				if n := f.requests.Load(); n >= 20 {
					t.Errorf("%d requests to AWS: a retry loop", n)
				}
				if _, err := os.Stat(marker); err == nil {
					t.Errorf("the login command ran for an AWS-side failure")
				}
				if r.code != tt.want.code {
					t.Fatalf("exit %d, want %d\n%s", r.code, tt.want.code, r)
				}
				if tt.want.code != 0 {
					if r.stdout != "" {
						t.Errorf("stdout not empty on failure: %q", r.stdout)
					}
					if first := r.firstLine(); !strings.HasPrefix(first, "Error: ") || !strings.Contains(first, tt.want.first) {
						t.Errorf("first line %q, want an error naming %q", first, tt.want.first)
					}
				} else if verb == "export" {
					if c := parseExport(t, r); c.AccessKeyID != staticID {
						t.Errorf("served %s", c.MaskedKeyID())
					}
				}
				if tt.want.extra != "" && !strings.Contains(r.stderr, tt.want.extra) {
					t.Errorf("stderr lacks %q", tt.want.extra)
				}
				assertNoSecret(t, result{stderr: r.stderr}, staticSecret, staticID, tok.AccessToken, tok.RefreshToken)
			})
		}
	}
}
