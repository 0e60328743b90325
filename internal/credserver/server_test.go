package credserver_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
)

// concurrently sends n requests at once and returns their responses.
func concurrently(t *testing.T, s *credserver.Server, n int) []response {
	t.Helper()
	out := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i] = do(t, s, nil) })
	}
	wg.Wait()
	return out
}

func TestBlockingProviderNothingCached(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	p := &fakeProvider{fn: blocking(release, func() creds.Credentials { return testCreds(time.Now().Add(time.Hour)) })}
	s := start(t, credserver.Options{Provider: p.Provide})

	for _, r := range concurrently(t, s, 20) {
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503; body %s", r.status, r.body)
		}
		if e := r.errBody(t); e.Code != credserver.CodeRefreshInProgress || !strings.Contains(e.Message, "retry shortly") {
			t.Errorf("error body %+v", e)
		}
		if r.header.Get("Retry-After") == "" {
			t.Errorf("no Retry-After header")
		}
		// The refresh never ends: the request was held MaxHold, not for it.
		if r.took < 900*time.Millisecond {
			t.Errorf("answered after %v, before MaxHold (1s)", r.took)
		}
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("provider called %d times for 20 concurrent requests, want 1", n)
	}
	// Still running: a later request starts no second call.
	if r := do(t, s, nil); r.status != http.StatusServiceUnavailable || p.calls.Load() != 1 {
		t.Errorf("later request: status %d, provider calls %d", r.status, p.calls.Load())
	}
	if st := s.Stats(); st.Refused[credserver.CodeRefreshInProgress] != 21 || st.ProviderCalls != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestBlockingProviderServesStillValid: while a long refresh (a login)
// runs, requests are served the credentials in memory: at once while they
// are usable, after MaxHold while they have not expired, and never after.
func TestBlockingProviderServesStillValid(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{}, 4)
	clk := newClock()
	p := &fakeProvider{fn: func(ctx context.Context) (creds.Credentials, error) {
		entered <- struct{}{}
		return blocking(release, func() creds.Credentials { return otherCreds(1, clk.Now().Add(time.Hour)) })(ctx)
	}}
	landed := make(chan struct{}, 4)
	s := start(t, credserver.Options{Provider: p.Provide, Now: clk.Now, MaxHold: time.Minute,
		Logf: logSignal(t, "credserver: got ", landed)})
	s.Update(testCreds(clk.Now().Add(time.Hour)))
	clk.Advance(48 * time.Minute) // 12 minutes left: inside the advisory window, still usable

	first := make(chan response, 1)
	go func() { first <- do(t, s, nil) }() // starts the refresh and waits for it
	<-entered
	// The refresh is held until release: requests answered now were not
	// held for it.
	for _, r := range concurrently(t, s, 20) {
		if r.status != 200 || r.wire().AccessKeyID != testKeyID {
			t.Fatalf("status %d, body key %q; want the old credentials at once", r.status, r.wire().AccessKeyID)
		}
	}
	if st := s.Stats(); st.ServedStale != 20 {
		t.Errorf("ServedStale = %d, want 20", st.ServedStale)
	}
	release <- struct{}{}
	if r := <-first; r.status != 200 || r.wire().AccessKeyID != otherCreds(1, time.Time{}).AccessKeyID {
		t.Errorf("the request that started the refresh: status %d key %q; want the new credentials", r.status, r.wire().AccessKeyID)
	}
	<-landed
	if n := p.calls.Load(); n != 1 {
		t.Errorf("provider called %d times, want 1", n)
	}
}

// TestRefreshPastMandatoryWindow: inside the mandatory window the
// credentials in memory are served only after MaxHold while a refresh
// runs, and once expired not at all.
func TestRefreshPastMandatoryWindow(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	clk := newClock()
	p := &fakeProvider{fn: blocking(release, func() creds.Credentials { return otherCreds(1, clk.Now().Add(time.Hour)) })}
	const hold = 200 * time.Millisecond
	s := start(t, credserver.Options{Provider: p.Provide, Now: clk.Now, MaxHold: hold})
	s.Update(testCreds(clk.Now().Add(time.Hour)))
	clk.Advance(55 * time.Minute) // 5 minutes left: inside the mandatory window

	for range 3 {
		r := do(t, s, nil)
		if r.status != 200 || r.wire().AccessKeyID != testKeyID {
			t.Fatalf("status %d body %s; want the still-valid credentials after MaxHold", r.status, r.body)
		}
		if r.took < hold {
			t.Errorf("served after %v, before MaxHold: not usable credentials must not be served at once", r.took)
		}
	}
	clk.Advance(5 * time.Minute) // expired
	r := do(t, s, nil)
	if r.status != http.StatusServiceUnavailable || r.errBody(t).Code != credserver.CodeRefreshInProgress {
		t.Errorf("expired, refresh running: status %d body %s, want 503 RefreshInProgress", r.status, r.body)
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("provider called %d times, want 1 (one refresh, still running)", n)
	}
}

// logSignal returns a Logf that checks lines for secrets and sends on ch
// for each line that holds substr.
func logSignal(t *testing.T, substr string, ch chan<- struct{}) func(string, ...any) {
	check := logChecker(t)
	return func(format string, args ...any) {
		check(format, args...)
		if strings.Contains(fmt.Sprintf(format, args...), substr) {
			ch <- struct{}{}
		}
	}
}

// Options.Policy (the default one), checked at its boundaries: when the
// Provider is asked again after it returned credentials of each lifetime.
func TestFreshnessRule(t *testing.T) {
	tests := []struct {
		name      string
		lifetime  time.Duration
		issued    bool          // the credentials carry their issue time
		freshFor  time.Duration // served from memory for this long after obtaining
		freshFor2 time.Duration // then, after a refresh returning the same lifetime, again
	}{
		{"one hour: until the advisory window", time.Hour, false, 45 * time.Minute, 45 * time.Minute},
		{"10 s role credentials: the windows scale", 10 * time.Second, true, 5 * time.Second, 5 * time.Second},
		{"16 minutes: one minute", 16 * time.Minute, false, time.Minute, time.Minute},
		{"15 minutes, inside the advisory window from the start: 5 s, then 10 s", 15 * time.Minute, false, 5 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			n := 0
			p := &fakeProvider{fn: func(context.Context) (creds.Credentials, error) {
				n++
				c := otherCreds(n%10, clk.Now().Add(tt.lifetime))
				if tt.issued {
					c.IssuedAt = clk.Now()
				}
				return c, nil
			}}
			s := start(t, credserver.Options{Provider: p.Provide, Now: clk.Now})
			expectCalls := func(want int64, when string) {
				t.Helper()
				for range 5 {
					if r := do(t, s, nil); r.status != 200 {
						t.Fatalf("%s: status %d body %s", when, r.status, r.body)
					}
				}
				if got := p.calls.Load(); got != want {
					t.Fatalf("%s: provider called %d times, want %d", when, got, want)
				}
			}
			expectCalls(1, "first requests")
			clk.Advance(tt.freshFor - time.Millisecond)
			expectCalls(1, "just before the refresh point")
			clk.Advance(2 * time.Millisecond)
			expectCalls(2, "just after the refresh point")
			clk.Advance(tt.freshFor2 - 2*time.Millisecond)
			expectCalls(2, "just before the next refresh point")
			clk.Advance(2 * time.Millisecond)
			expectCalls(3, "just after the next refresh point")
		})
	}
}

func TestUnknownExpiry(t *testing.T) {
	clk := newClock()
	long := testCreds(time.Time{})
	p := &fakeProvider{fn: func(context.Context) (creds.Credentials, error) { return long, nil }}
	s := start(t, credserver.Options{Provider: p.Provide, Now: clk.Now})
	for i, advance := range []time.Duration{0, time.Minute, 13 * time.Minute} {
		clk.Advance(advance)
		r := do(t, s, nil)
		w := r.wire()
		exp, err := time.Parse(time.RFC3339, w.Expiration)
		if r.status != 200 || err != nil || w.SecretAccessKey != testSecret {
			t.Fatalf("status %d, Expiration %q (%v)", r.status, w.Expiration, err)
		}
		if want := clk.Now().Add(15 * time.Minute); !exp.Equal(want) {
			t.Errorf("request %d: Expiration %v, want now+15m = %v", i, exp, want)
		}
		if !strings.HasSuffix(w.Expiration, "Z") {
			t.Errorf("Expiration %q is not UTC", w.Expiration)
		}
		if r.header.Get("Content-Length") != fmt.Sprint(len(r.body)) {
			t.Errorf("Content-Length %q for %d bytes", r.header.Get("Content-Length"), len(r.body))
		}
	}
	if n := p.calls.Load(); n != 1 {
		t.Fatalf("provider called %d times within 15m, want 1", n)
	}
	clk.Advance(2 * time.Minute) // 16m after they were obtained
	if r := do(t, s, nil); r.status != 200 || p.calls.Load() != 2 {
		t.Errorf("after the recheck interval: status %d, provider calls %d; want 200 and a second call", r.status, p.calls.Load())
	}

	// Long-term keys have no session token; the field is still there.
	s.Update(creds.Credentials{AccessKeyID: "AKIATESTKEYID0000001", SecretAccessKey: testSecret})
	r := do(t, s, nil)
	if !strings.Contains(string(r.body), `"Token":""`) {
		t.Errorf("body without session token lacks an empty Token field")
	}
}

func TestUpdateIsServed(t *testing.T) {
	p := &fakeProvider{fn: func(context.Context) (creds.Credentials, error) { return testCreds(time.Now().Add(time.Hour)), nil }}
	s := start(t, credserver.Options{Provider: p.Provide})
	if r := do(t, s, nil); r.wire().AccessKeyID != testKeyID {
		t.Fatalf("first: %s", r.wire().AccessKeyID)
	}
	exp := time.Now().Add(2 * time.Hour).Truncate(time.Second).UTC()
	s.Update(otherCreds(2, exp))
	w := do(t, s, nil).wire()
	if w.AccessKeyID != otherCreds(2, exp).AccessKeyID || w.Expiration != exp.Format(time.RFC3339) {
		t.Errorf("after Update: %s expiring %s", w.AccessKeyID, w.Expiration)
	}
	// Unusable updates are ignored.
	s.Update(otherCreds(3, time.Now().Add(-time.Minute)))
	s.Update(creds.Credentials{})
	if w := do(t, s, nil).wire(); w.AccessKeyID != otherCreds(2, exp).AccessKeyID {
		t.Errorf("an expired or empty Update replaced the credentials: %s", w.AccessKeyID)
	}
	if st := s.Stats(); st.Updates != 1 || st.ProviderCalls != 1 {
		t.Errorf("stats %+v", st)
	}
}

// An Update that arrives while the Provider runs wins over its result.
func TestUpdateDuringRefreshWins(t *testing.T) {
	release := make(chan struct{})
	p := &fakeProvider{fn: blocking(release, func() creds.Credentials { return otherCreds(1, time.Now().Add(time.Hour)) })}
	kept := make(chan struct{}, 1)
	s := start(t, credserver.Options{Provider: p.Provide, MaxHold: 20 * time.Millisecond,
		Logf: logSignal(t, "kept the newer update instead", kept)})
	if r := do(t, s, nil); r.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", r.status)
	}
	s.Update(otherCreds(2, time.Now().Add(time.Hour)))
	close(release)
	<-kept // the Provider call has ended
	if got := do(t, s, nil).wire().AccessKeyID; got != otherCreds(2, time.Time{}).AccessKeyID {
		t.Errorf("served %s, want the update's credentials", got)
	}
}

func TestProviderErrorIsRedactedAndBackedOff(t *testing.T) {
	secretish := "aws_secret_access_key=" + testSecret + " " + testKeyID
	var fail bool
	var mu sync.Mutex
	p := &fakeProvider{fn: func(context.Context) (creds.Credentials, error) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return creds.Credentials{}, fmt.Errorf("login required: run awsfresh refresh --profile dev (%s)", secretish)
		}
		return testCreds(time.Now().Add(time.Hour)), nil
	}}
	clk := newClock()
	const backoff = 2 * time.Second
	s := start(t, credserver.Options{Provider: p.Provide, Now: clk.Now, ErrorBackoff: backoff})
	mu.Lock()
	fail = true
	mu.Unlock()

	r := do(t, s, nil)
	if r.status != http.StatusBadGateway {
		t.Fatalf("status %d, want 502; body %s", r.status, r.body)
	}
	e := r.errBody(t)
	if e.Code != credserver.CodeCredentialsUnavailable || !strings.Contains(e.Message, "login required: run awsfresh refresh --profile dev") {
		t.Errorf("error body %+v", e)
	}
	noSecret(t, s, "error body", r.body)
	// Within the backoff the error is served without a new call.
	for range 5 {
		if r := do(t, s, nil); r.status != http.StatusBadGateway {
			t.Errorf("status %d during backoff", r.status)
		}
	}
	if n := p.calls.Load(); n != 1 {
		t.Errorf("provider called %d times during the backoff, want 1", n)
	}
	clk.Advance(backoff - time.Millisecond)
	do(t, s, nil)
	if n := p.calls.Load(); n != 1 {
		t.Errorf("provider called %d times just before the end of the backoff, want 1", n)
	}
	clk.Advance(time.Millisecond)
	do(t, s, nil)
	if n := p.calls.Load(); n != 2 {
		t.Errorf("provider called %d times after the backoff, want 2", n)
	}

	// With usable credentials in memory, a failed refresh serves them.
	s.Update(testCreds(clk.Now().Add(20 * time.Minute))) // ends the backoff
	clk.Advance(6 * time.Minute)                         // 14m left: refresh due
	r = do(t, s, nil)
	if r.status != 200 || r.wire().AccessKeyID != testKeyID {
		t.Errorf("status %d, want the still-valid credentials", r.status)
	}
	if n := p.calls.Load(); n != 3 {
		t.Errorf("provider called %d times, want 3", n)
	}
	if st := s.Stats(); st.ProviderErrors != 3 || st.Refused[credserver.CodeCredentialsUnavailable] != 8 || st.ServedStale != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestProviderReturnsUnusable(t *testing.T) {
	clk := newClock()
	tests := []struct {
		name string
		c    creds.Credentials
		err  error
		want string
	}{
		{"expired", testCreds(clk.Now().Add(-time.Second)), nil, "expired"},
		{"empty", creds.Credentials{}, nil, "empty"},
		{"panic", creds.Credentials{}, nil, "panicked"},
		{"error", creds.Credentials{}, errors.New("refresh timed out after 3 minutes"), "refresh timed out after 3 minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProvider{fn: func(context.Context) (creds.Credentials, error) {
				if tt.name == "panic" {
					panic("provider bug")
				}
				return tt.c, tt.err
			}}
			s := start(t, credserver.Options{Provider: p.Provide, Now: clk.Now})
			r := do(t, s, nil)
			if r.status != http.StatusBadGateway || !strings.Contains(r.errBody(t).Message, tt.want) {
				t.Errorf("status %d body %s; want 502 mentioning %q", r.status, r.body, tt.want)
			}
			noSecret(t, s, "body", r.body)
		})
	}
}

// The Provider is never called concurrently, whatever the load.
func TestProviderNeverConcurrent(t *testing.T) {
	clk := newClock()
	p := &fakeProvider{}
	p.fn = func(context.Context) (creds.Credentials, error) {
		time.Sleep(5 * time.Millisecond) // widens the window for a second call; orders nothing
		return testCreds(clk.Now().Add(10 * time.Second)), nil
	}
	s := start(t, credserver.Options{Provider: p.Provide, Now: clk.Now, MaxHold: 2 * time.Millisecond})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				clk.Advance(time.Second)
				do(t, s, nil)
			}
		})
	}
	wg.Wait()
	if m := p.maxRun.Load(); m != 1 {
		t.Errorf("provider ran %d times at once, want 1", m)
	}
	if p.calls.Load() < 2 {
		t.Errorf("provider called %d times; the test did not exercise refreshes", p.calls.Load())
	}
}
