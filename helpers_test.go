package awsfresh

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/resolve"
	"github.com/awsfresh/awsfresh/internal/simaws"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

const (
	testProfile  = "dev"
	testSession  = "dev-session"
	testStartURL = "https://sim.awsapps.com/start"
	testRegion   = "us-east-1"
	testRole     = "BedrockUser"
	testModel    = "anthropic.claude-sonnet-4"
)

// simEnv is a simulated AWS with an IAM Identity Center profile "dev",
// in a hermetic environment: HOME, the AWS config files and the endpoint
// variables all point into the test's temporary directories.
type simEnv struct {
	sim  *simaws.Server
	home string
}

func newSimEnv(t *testing.T, opts simaws.Options) *simEnv {
	t.Helper()
	home := t.TempDir()
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
		"AWS_BEARER_TOKEN_BEDROCK", "AWS_DEFAULT_REGION", "AWS_REGION",
		resolve.EnvNested, resolve.EnvTimeout, resolve.EnvRefreshCommand, resolve.EnvExportCommand, "AWSFRESH_CACHE_DIR", "CLAUDE_CONFIG_DIR",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	if opts.Logf == nil {
		opts.Logf = func(format string, args ...any) {} // t.Logf races with late requests after the test
	}
	sim := simaws.New(opts)
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	for _, kv := range sim.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	if err := simaws.WriteSSOProfile(home, testProfile, testSession, testStartURL, testRegion, sim.AccountID(), testRole); err != nil {
		t.Fatal(err)
	}
	return &simEnv{sim: sim, home: home}
}

// ssoLogin starts an SSO session, as `aws sso login` would.
func (e *simEnv) ssoLogin(t *testing.T) {
	t.Helper()
	if _, err := simaws.WriteSSOCache(e.home, testSession, testStartURL, testRegion, e.sim.IssueSSOToken()); err != nil {
		t.Fatal(err)
	}
}

// loginCommand is a shell command that plays `aws sso login`.
func (e *simEnv) loginCommand() string {
	return e.sim.LoginCommand(e.home, testSession, testStartURL, testRegion)
}

// events records a Provider's events.
type events struct {
	mu   sync.Mutex
	all  []Event
	hook func(Event) // when set, also sees every event
}

func (r *events) add(ev Event) {
	r.mu.Lock()
	r.all = append(r.all, ev)
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		hook(ev)
	}
}

func (r *events) setHook(f func(Event)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hook = f
}

func (r *events) count(k EventKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range r.all {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

func (r *events) list() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.all...)
}

// newSimProvider returns a Provider for the "dev" profile with a private
// cache directory, recording its events.
func newSimProvider(t *testing.T, opts Options) (*Provider, *events) {
	t.Helper()
	return newSimProviderWith(t, providerConfig{Options: opts})
}

// newSimProviderWith is newSimProvider with the test-only settings of c
// (policy, clock).
func newSimProviderWith(t *testing.T, c providerConfig) (*Provider, *events) {
	t.Helper()
	rec := &events{}
	if c.Profile == "" {
		c.Profile = testProfile
	}
	c.profile = c.Profile
	if c.CacheDir == "" {
		c.CacheDir = t.TempDir()
	}
	if c.LoginOutput == nil {
		c.LoginOutput = io.Discard
	}
	c.OnEvent = rec.add
	c.chooseSSOLogin()
	p, err := newProvider(c)
	if err != nil {
		t.Fatal(err)
	}
	return p, rec
}

// clock is a settable clock, shared by a Provider, its engine and the
// simulated AWS.
type clock = testtools.Clock

func newClock(at time.Time) *clock { return testtools.NewClock(at) }

// bedrockClient returns a Bedrock Runtime client wired to p by p.Config.
func bedrockClient(t *testing.T, p *Provider, optFns ...func(*bedrockruntime.Options)) *bedrockruntime.Client {
	t.Helper()
	cfg, err := p.Config(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return bedrockruntime.NewFromConfig(cfg, optFns...)
}

func converseInput(text string) *bedrockruntime.ConverseInput {
	return &bedrockruntime.ConverseInput{
		ModelId: aws.String(testModel),
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: text}},
		}},
	}
}

// converse makes one Converse call and checks the answer.
func converse(ctx context.Context, c *bedrockruntime.Client, text string) error {
	out, err := c.Converse(ctx, converseInput(text))
	if err != nil {
		return err
	}
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok || len(msg.Value.Content) == 0 {
		return fmt.Errorf("unexpected Converse output %T", out.Output)
	}
	if txt, ok := msg.Value.Content[0].(*types.ContentBlockMemberText); !ok || !strings.Contains(txt.Value, "simulated Bedrock") {
		return fmt.Errorf("unexpected Converse answer")
	}
	return nil
}

// injector is an HTTP client that answers requests matched by intercept
// itself and sends the others on.
type injector struct {
	next http.Client

	mu        sync.Mutex
	intercept func(r *http.Request) *http.Response // nil result: send on
	injected  int
}

func (c *injector) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	f := c.intercept
	c.mu.Unlock()
	if f != nil {
		if resp := f(r); resp != nil {
			if r.Body != nil {
				_, _ = io.Copy(io.Discard, r.Body)
				_ = r.Body.Close()
			}
			c.mu.Lock()
			c.injected++
			c.mu.Unlock()
			resp.Request = r
			return resp, nil
		}
	}
	return c.next.Do(r)
}

func (c *injector) set(f func(r *http.Request) *http.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.intercept = f
}

func (c *injector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.injected
}

// awsJSONError is a restJson error response with the given code and Date.
func awsJSONError(status int, code, message string, date time.Time) *http.Response {
	body := fmt.Sprintf(`{"message":%q}`, message)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Errortype", code)
	h.Set("X-Amzn-Requestid", "injected")
	h.Set("Date", date.UTC().Format(http.TimeFormat))
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)),
	}
}

// fakeSource is a credential source whose answers the test controls.
type fakeSource struct {
	mu       sync.Mutex
	calls    int
	lifetime time.Duration // of each new set; 0: no known expiry
	err      error
	now      func() time.Time // nil: time.Now
	// gate, when set, is received from before each answer: the test
	// decides when a retrieval ends. entered, when set, is sent to first.
	gate    chan struct{}
	entered chan struct{}
}

func (s *fakeSource) Retrieve(ctx context.Context) (creds.Credentials, error) {
	s.mu.Lock()
	s.calls++
	n, lifetime, err, gate, entered := s.calls, s.lifetime, s.err, s.gate, s.entered
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	s.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return creds.Credentials{}, ctx.Err()
		}
	}
	if err != nil {
		return creds.Credentials{}, err
	}
	c := creds.Credentials{
		AccessKeyID:     fmt.Sprintf("ASIAFAKE%012d", n),
		SecretAccessKey: fmt.Sprintf("secret-%d-%s", n, strings.Repeat("x", 30)),
		SessionToken:    fmt.Sprintf("token-%d", n),
	}
	if lifetime > 0 {
		c.IssuedAt = now()
		c.Expiration = c.IssuedAt.Add(lifetime)
	}
	return c, nil
}

func (s *fakeSource) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *fakeSource) set(f func(s *fakeSource)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (*fakeSource) Describe() string { return "fake source" }
func (*fakeSource) Key() string      { return "fake" }
func (*fakeSource) Region() string   { return testRegion }

// newFakeProvider returns a Provider over src, with no disk cache and no
// STS verification, and the given windows (zero: the defaults).
func newFakeProvider(t *testing.T, src *fakeSource, advisory, mandatory time.Duration) (*Provider, *events) {
	t.Helper()
	return newFakeProviderWith(t, src, providerConfig{policy: engine.Policy{Advisory: advisory, Mandatory: mandatory}})
}

// newFakeProviderWith is newFakeProvider with the test-only settings of c
// (policy, clock, login command).
func newFakeProviderWith(t *testing.T, src *fakeSource, c providerConfig) (*Provider, *events) {
	t.Helper()
	rec := &events{}
	c.profile = "fake"
	c.OnEvent = rec.add
	if c.LoginOutput == nil {
		c.LoginOutput = io.Discard
	}
	c.adjust = func(o *engine.Options) {
		o.Source, o.DisableCache, o.Verifier = src, true, okVerifier{}
	}
	if c.now != nil && src.now == nil {
		src.now = c.now
	}
	p, err := newProvider(c)
	if err != nil {
		t.Fatal(err)
	}
	return p, rec
}

type okVerifier struct{}

func (okVerifier) Verify(context.Context, creds.Credentials, string) (string, error) {
	return "arn:aws:sts::111122223333:assumed-role/fake/test", nil
}
