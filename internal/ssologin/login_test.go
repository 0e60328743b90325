package ssologin

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

const (
	testStartURL = "https://sim.awsapps.com/start"
	testRegion   = "us-east-1"
)

// syncBuffer is an Output several goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSim runs the simulation with HOME and the endpoint variables of this
// process pointed at a temporary directory and at it.
func startSim(t *testing.T, opts simaws.Options) (*simaws.Server, string) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL", "")
	s := simaws.New(opts)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return s, home
}

// approver is a simulated user who approves every device authorization
// with one request to its verification page.
func approver(t *testing.T) simaws.SignInOptions {
	return simaws.SignInOptions{OnDeviceAuthorization: func(d simaws.DeviceAuthorization) {
		resp, err := http.Post(d.VerificationURIComplete, "", nil)
		if err != nil {
			t.Errorf("approving: %v", err)
			return
		}
		resp.Body.Close()
	}}
}

// remote is a machine where the device flow is chosen and no browser opens.
var remote = Machine{GOOS: "linux", Getenv: func(k string) string {
	if k == "SSH_CONNECTION" {
		return "10.0.0.1 5000 10.0.0.2 22"
	}
	return ""
}, Exists: func(string) bool { return false }}

func TestDeviceLoginWritesTheCache(t *testing.T) {
	s, home := startSim(t, simaws.Options{SignIn: approver(t)})
	if err := simaws.WriteSSOProfile(home, "dev", "my-sso", testStartURL, testRegion, s.AccountID(), "Dev"); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	sess := Session{Name: "my-sso", StartURL: testStartURL, Region: testRegion}
	res, err := Login(t.Context(), Options{Session: sess, Profile: "dev", Machine: remote, Output: &out})
	if err != nil {
		t.Fatalf("Login: %v\n%s", err, out.String())
	}
	if res.Choice.Flow != FlowDeviceCode || !strings.Contains(res.Choice.Reason, "SSH") || res.Choice.OpenBrowser {
		t.Errorf("choice = %+v", res.Choice)
	}
	auths := s.DeviceAuthorizations()
	if len(auths) != 1 {
		t.Fatalf("%d device authorizations", len(auths))
	}
	// The URL on a line of its own, and the code as XXXX-XXXX.
	if !strings.Contains(out.String(), "\n    "+auths[0].VerificationURIComplete+"\n") ||
		!strings.Contains(out.String(), "The page must show this code: "+auths[0].UserCode+"\n") {
		t.Errorf("output:\n%s", out.String())
	}
	for _, p := range auths[0].Polls {
		if p.Early {
			t.Errorf("a poll came sooner than the interval: %+v", auths[0].Polls)
		}
	}

	want := filepath.Join(home, ".aws", "sso", "cache", sha1Hex("my-sso")+".json")
	if res.CacheFile != want {
		t.Errorf("cache file %s, want %s", res.CacheFile, want)
	}
	fi, err := os.Stat(want)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v, mode %v", err, fi.Mode())
	}
	tok, err := ReadToken(want)
	if err != nil {
		t.Fatal(err)
	}
	if tok.StartURL != testStartURL || tok.Region != testRegion || tok.AccessToken == "" || tok.RefreshToken == "" ||
		tok.ClientID == "" || tok.ClientSecret == "" || !tok.Refreshable(time.Now()) ||
		time.Until(tok.ExpiresAt) < 7*time.Hour || !tok.ExpiresAt.Equal(res.ExpiresAt) || !res.Refreshable {
		t.Errorf("token %v, result %+v", tok, res)
	}
	for _, secret := range []string{tok.AccessToken, tok.RefreshToken, tok.ClientSecret} {
		if strings.Contains(out.String(), secret) {
			t.Error("the output shows a secret")
		}
	}

	// A second sign-in reuses the cached registration.
	if _, err := Login(t.Context(), Options{Session: sess, Machine: remote}); err != nil {
		t.Fatal(err)
	}
	if n := s.Count(simaws.OpRegisterClient); n != 1 {
		t.Errorf("RegisterClient called %d times, want 1 (registration reused)", n)
	}
}

func TestRegistrationReusedUntilItExpires(t *testing.T) {
	// Registrations that live 10 minutes are inside the 15-minute margin:
	// every sign-in registers again.
	s, _ := startSim(t, simaws.Options{SignIn: simaws.SignInOptions{RegistrationLifetime: 10 * time.Minute,
		OnDeviceAuthorization: approver(t).OnDeviceAuthorization}})
	sess := Session{Name: "short", StartURL: testStartURL, Region: testRegion}
	for range 2 {
		if _, err := Login(t.Context(), Options{Session: sess, Machine: remote}); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Count(simaws.OpRegisterClient); n != 2 {
		t.Errorf("RegisterClient called %d times, want 2", n)
	}
}

func TestLegacyProfileLogin(t *testing.T) {
	_, home := startSim(t, simaws.Options{SignIn: approver(t)})
	local := Machine{GOOS: "darwin", Getenv: func(string) string { return "" }, Exists: func(string) bool { return false }}
	res, err := Login(t.Context(), Options{Session: Session{StartURL: testStartURL, Region: testRegion}, Machine: local,
		browser: func(string) string { return "true" }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Choice.Flow != FlowDeviceCode || res.Refreshable {
		t.Errorf("result %+v: want the device flow, not refreshable", res)
	}
	data, err := os.ReadFile(filepath.Join(home, ".aws", "sso", "cache", sha1Hex(testStartURL)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"refreshToken", "clientId", "clientSecret", "registrationExpiresAt"} {
		if bytes.Contains(data, []byte(`"`+k+`"`)) {
			t.Errorf("a legacy profile's cache holds %s", k)
		}
	}
}

// browserProbe stands in for a browser: it records the URL it was asked to
// open and runs nothing.
type browserProbe struct{ urls chan string }

func (b *browserProbe) command(u string) string {
	b.urls <- u
	return "true"
}

func authCodeOptions(b *browserProbe) Options {
	return Options{
		Session: Session{Name: "my-sso", StartURL: testStartURL, Region: testRegion},
		Machine: Machine{GOOS: "linux", Getenv: func(k string) string {
			if k == "DISPLAY" {
				return ":0"
			}
			return ""
		}, Exists: func(string) bool { return false }},
		browser: b.command,
	}
}

// redirectPort is the listener's port named in an authorize URL.
func redirectPort(t *testing.T, authorize string) string {
	t.Helper()
	u, err := url.Parse(authorize)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(u.Query().Get("redirect_uri"))
	if err != nil || r.Hostname() != "127.0.0.1" || r.Path != "/oauth/callback" {
		t.Fatalf("redirect_uri %q", u.Query().Get("redirect_uri"))
	}
	return r.Port()
}

// shownURL is the URL shown on a line of its own.
func shownURL(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "    http") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func assertClosed(t *testing.T, port string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
	if err == nil {
		c.Close()
		t.Errorf("the listener on port %s is still open", port)
	}
}

func TestAuthCodeLogin(t *testing.T) {
	s, _ := startSim(t, simaws.Options{})
	b := &browserProbe{urls: make(chan string, 1)}
	opts := authCodeOptions(b)
	var out syncBuffer
	opts.Output = &out
	var port string
	go func() {
		u := <-b.urls
		port = redirectPort(t, u)
		// The browser follows the authorize page's redirect to the listener.
		resp, err := http.Get(u)
		if err != nil {
			t.Errorf("browser: %v", err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("listener answered %s", resp.Status)
		}
	}()
	res, err := Login(t.Context(), opts)
	if err != nil {
		t.Fatalf("Login: %v\n%s", err, out.String())
	}
	if res.Choice.Flow != FlowAuthCode || !res.Refreshable {
		t.Errorf("result %+v", res)
	}
	if s.Count(simaws.OpAuthorize) != 1 || s.Count(simaws.OpStartDeviceAuthorization) != 0 {
		t.Errorf("counts %v", s.Counts())
	}
	assertClosed(t, port)
	if !strings.Contains(out.String(), "\n    "+s.URL()+"/authorize?") {
		t.Errorf("output lacks the authorize URL on a line of its own:\n%s", out.String())
	}
}

func TestAuthCodeDenied(t *testing.T) {
	s, _ := startSim(t, simaws.Options{})
	s.SetSignInDenied(true)
	b := &browserProbe{urls: make(chan string, 1)}
	go func() {
		if resp, err := http.Get(<-b.urls); err == nil {
			resp.Body.Close()
		}
	}()
	_, err := Login(t.Context(), authCodeOptions(b))
	if !errors.Is(err, ErrDenied) {
		t.Errorf("err = %v, want ErrDenied", err)
	}
}

func TestCallbackChecksState(t *testing.T) {
	var got []callback
	h := callbackHandler("good-state", func(c callback) { got = append(got, c) })
	for _, tc := range []struct {
		query  string
		status int
	}{
		{"code=c1&state=bad", http.StatusBadRequest},
		{"code=c1", http.StatusBadRequest},
		{"state=good-state", http.StatusBadRequest},
		{"code=c2&state=good-state", http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/oauth/callback?"+tc.query, nil))
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.query, rec.Code, tc.status)
		}
	}
	if len(got) != 1 || got[0].code != "c2" {
		t.Errorf("callbacks = %+v, want only the one with our state", got)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/elsewhere?code=c&state=good-state", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("another path: %d", rec.Code)
	}
}

func TestDeviceLoginDeniedAndIncomplete(t *testing.T) {
	startSim(t, simaws.Options{SignIn: simaws.SignInOptions{OnDeviceAuthorization: func(d simaws.DeviceAuthorization) {
		resp, err := http.PostForm(d.VerificationURI, url.Values{"user_code": {d.UserCode}, "action": {"deny"}})
		if err == nil {
			resp.Body.Close()
		}
	}}})
	_, err := Login(t.Context(), Options{Session: Session{Name: "x", StartURL: testStartURL, Region: testRegion}, Machine: remote})
	if !errors.Is(err, ErrDenied) {
		t.Errorf("denied: %v", err)
	}
	_, err = Login(t.Context(), Options{Session: Session{Name: "x", StartURL: testStartURL}})
	if err == nil || !strings.Contains(err.Error(), "[sso-session x] lacks sso_region") {
		t.Errorf("no region: %v", err)
	}
}
