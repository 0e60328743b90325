package credserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

// Values that must never show up outside a 200 response.
const (
	testKeyID  = "ASIATESTKEYID0001XYZ"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testToken  = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENvalueThatIsLong/+=abcdefghijklmnopqrstuvwxyz0123456789"
)

func testCreds(exp time.Time) creds.Credentials {
	return creds.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken, Expiration: exp}
}

// otherCreds are distinguishable from testCreds by their key id.
func otherCreds(n int, exp time.Time) creds.Credentials {
	c := testCreds(exp)
	c.AccessKeyID = "ASIAOTHERKEYID00000" + string(rune('0'+n))
	return c
}

// clock is a settable clock for Options.Now.
type clock = testtools.Clock

func newClock() *clock { return testtools.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) }

// fakeProvider counts calls and answers with fn.
type fakeProvider struct {
	calls   atomic.Int64
	running atomic.Int64
	maxRun  atomic.Int64
	fn      func(ctx context.Context) (creds.Credentials, error)
}

func (p *fakeProvider) Provide(ctx context.Context) (creds.Credentials, error) {
	p.calls.Add(1)
	n := p.running.Add(1)
	defer p.running.Add(-1)
	for {
		m := p.maxRun.Load()
		if n <= m || p.maxRun.CompareAndSwap(m, n) {
			break
		}
	}
	return p.fn(ctx)
}

// blocking returns a Provider function that blocks until release is
// closed or ctx is done, then returns c.
func blocking(release <-chan struct{}, c func() creds.Credentials) func(context.Context) (creds.Credentials, error) {
	return func(ctx context.Context) (creds.Credentials, error) {
		select {
		case <-release:
			return c(), nil
		case <-ctx.Done():
			return creds.Credentials{}, context.Cause(ctx)
		}
	}
}

// start creates and starts a server, closed at the end of the test.
func start(t testing.TB, opts credserver.Options) *credserver.Server {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = logChecker(t)
	}
	s, err := credserver.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// logChecker logs through t and fails the test when a line holds a secret.
func logChecker(t testing.TB) func(string, ...any) {
	return func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		for _, secret := range []string{testKeyID, testSecret, testToken} {
			if strings.Contains(line, secret) {
				t.Errorf("log line holds a secret: %q", line)
			}
		}
		t.Log(line)
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
	took   time.Duration
}

func (r response) wire() wireCreds {
	var w wireCreds
	_ = json.Unmarshal(r.body, &w)
	return w
}

func (r response) errBody(t testing.TB) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %q is not JSON: %v", r.body, err)
	}
	return e
}

type wireCreds struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	Token           string
	Expiration      string
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

var testClient = &http.Client{Timeout: 10 * time.Second}

// do sends a request to s's URL with its token; mutate may change it.
func do(t testing.TB, s *credserver.Server, mutate func(*http.Request)) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", s.Token())
	if mutate != nil {
		mutate(req)
	}
	begin := time.Now()
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body, took: time.Since(begin)}
}

// noSecret fails when text holds a secret or the server's token.
func noSecret(t testing.TB, s *credserver.Server, what string, text []byte) {
	t.Helper()
	for _, secret := range []string{testKeyID, testSecret, testToken, s.Token()} {
		if strings.Contains(string(text), secret) {
			t.Errorf("%s holds a secret: %q", what, text)
		}
	}
}
