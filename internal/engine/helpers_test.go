package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

// Every secret the fake credentials carry contains one of these markers,
// so that one check finds any of them in an error, a warning or an event.
// Masked key ids ("ASIA…0001") do not contain them.
var secretMarkers = []string{"tEsTsEcReT", "tEsTtOkEn", "ASIATESTKEY", "AKIATESTKEY"}

const testARN = "arn:aws:sts::111122223333:assumed-role/Dev/tester"

// tempCreds returns temporary credentials numbered n.
func tempCreds(n int, exp time.Time) creds.Credentials {
	return creds.Credentials{
		AccessKeyID:     fmt.Sprintf("ASIATESTKEY%09d", n),
		SecretAccessKey: fmt.Sprintf("tEsTsEcReT%030d", n),
		SessionToken:    fmt.Sprintf("tEsTtOkEn%060d", n),
		Expiration:      exp,
	}
}

// longTermCreds returns long-term keys (no expiry) numbered n.
func longTermCreds(n int) creds.Credentials {
	return creds.Credentials{
		AccessKeyID:     fmt.Sprintf("AKIATESTKEY%09d", n),
		SecretAccessKey: fmt.Sprintf("tEsTsEcReT%030d", n),
	}
}

// errExpired is what STS answers for expired credentials.
func errExpired() error {
	return &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired"}
}

// assertNoSecret fails the test when s holds a secret marker or one of the
// extra secret values.
func assertNoSecret(t testing.TB, what, s string, extra ...string) {
	t.Helper()
	for _, m := range append(append([]string(nil), secretMarkers...), extra...) {
		if m != "" && strings.Contains(s, m) {
			t.Errorf("%s leaks a secret (%.12s…): %q", what, m, s)
		}
	}
}

// assertResultClean checks an error and a result's warnings for secrets.
func assertResultClean(t testing.TB, res engine.Result, err error, extra ...string) {
	t.Helper()
	if err != nil {
		assertNoSecret(t, "error", err.Error(), extra...)
		assertNoSecret(t, "error %+v", fmt.Sprintf("%+v", err), extra...)
	}
	for _, w := range res.Warnings {
		assertNoSecret(t, "warning", w, extra...)
	}
}

// fakeClock is a settable clock for Options.Now.
type fakeClock = testtools.Clock

func newClock() *fakeClock { return testtools.NewClock(time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)) }

// fakeSource is a scripted source.Source: fn gets the 1-based number of the
// call.
type fakeSource struct {
	key string
	fn  func(n int) (creds.Credentials, error)

	mu sync.Mutex
	n  int
}

func (s *fakeSource) Retrieve(ctx context.Context) (creds.Credentials, error) {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	return s.fn(n)
}

func (s *fakeSource) Describe() string { return "fake source" }

func (s *fakeSource) Key() string {
	if s.key == "" {
		return "fake"
	}
	return s.key
}

func (s *fakeSource) Region() string { return "us-east-1" }

func (s *fakeSource) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// fakeVerifier is a scripted engine.Verifier; a nil fn accepts everything
// as testARN.
type fakeVerifier struct {
	fn func(c creds.Credentials) (string, error)

	mu sync.Mutex
	n  int
}

func (v *fakeVerifier) Verify(ctx context.Context, c creds.Credentials, region string) (string, error) {
	v.mu.Lock()
	v.n++
	v.mu.Unlock()
	if v.fn == nil {
		return testARN, nil
	}
	return v.fn(c)
}

func (v *fakeVerifier) Calls() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.n
}

// recorder keeps the engine's events and checks each for secrets.
type recorder struct {
	t  testing.TB
	mu sync.Mutex
	ev []engine.Event
}

func (r *recorder) on(ev engine.Event) {
	assertNoSecret(r.t, "event message", ev.Message)
	assertNoSecret(r.t, "event command", ev.Command)
	if ev.Err != nil {
		assertNoSecret(r.t, "event error", ev.Err.Error())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ev = append(r.ev, ev)
}

func (r *recorder) count(k engine.EventKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range r.ev {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

// newLogin returns a login command that appends a line to a file per run,
// and that file's path.
func newLogin(t testing.TB) (*engine.Login, string) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "logins")
	return &engine.Login{Command: "echo x >> " + shellQuote(log), Timeout: 10 * time.Second, Output: io.Discard}, log
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// loginRuns counts the lines the login command wrote to log.
func loginRuns(t testing.TB, log string) int {
	t.Helper()
	data, err := os.ReadFile(log)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}

// loginGated answers errExpired until the login command logged a run, and
// ok(n) afterwards.
func loginGated(log string, ok func(n int) creds.Credentials) func(n int) (creds.Credentials, error) {
	return func(n int) (creds.Credentials, error) {
		if data, _ := os.ReadFile(log); len(data) == 0 {
			return creds.Credentials{}, errExpired()
		}
		return ok(n), nil
	}
}

// newEngine fills in what the tests share: profile "test", a fresh cache
// directory (not yet created), a fake verifier (never the network) and a
// recorder that checks every event for secrets.
func newEngine(t testing.TB, opts engine.Options) (*engine.Engine, *recorder) {
	t.Helper()
	if opts.Profile == "" {
		opts.Profile = "test"
	}
	if opts.CacheDir == "" && !opts.DisableCache {
		opts.CacheDir = filepath.Join(t.TempDir(), "cache")
	}
	if opts.Verifier == nil {
		opts.Verifier = &fakeVerifier{}
	}
	rec := &recorder{t: t}
	if opts.OnEvent == nil {
		opts.OnEvent = rec.on
	}
	e, err := engine.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return e, rec
}

// cacheFile returns the single .json file in dir.
func cacheFile(t testing.TB, dir string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 {
		t.Fatalf("want one cache file in %s, found %v", dir, m)
	}
	return m[0]
}

func wantCreds(t testing.TB, got, want creds.Credentials) {
	t.Helper()
	if got.AccessKeyID != want.AccessKeyID || got.SecretAccessKey != want.SecretAccessKey ||
		got.SessionToken != want.SessionToken || !got.Expiration.Equal(want.Expiration) {
		t.Errorf("credentials = %v, want %v", got, want)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func touch(t testing.TB, path string) {
	t.Helper()
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}
