package awsfresh

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/engine"
)

// t0 is the fake clocks' start.
var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

func TestRetrieveCachesInMemory(t *testing.T) {
	clk := newClock(t0)
	src := &fakeSource{lifetime: time.Hour}
	p, _ := newFakeProviderWith(t, src, providerConfig{now: clk.Now})
	ctx := context.Background()
	var wg sync.WaitGroup
	keys := make([]string, 50)
	for i := range keys {
		wg.Go(func() {
			c, err := p.Retrieve(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = c.AccessKeyID
		})
	}
	wg.Wait()
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("different keys handed out: %q and %q", keys[0], k)
		}
	}
	if n := src.count(); n != 1 {
		t.Errorf("the source was asked %d times, want 1", n)
	}
	c, _ := p.Retrieve(ctx)
	if !c.CanExpire || c.Source != CredentialsSource {
		t.Errorf("CanExpire %v, Source %q", c.CanExpire, c.Source)
	}
	// The real expiry, not the start of the advisory window.
	if want := t0.Add(time.Hour); !c.Expires.Equal(want) {
		t.Errorf("Expires %v, want the credentials' own expiry %v", c.Expires, want)
	}
	if n := src.count(); n != 1 {
		t.Errorf("the source was asked %d times, want 1", n)
	}
}

// TestRetrieveWindows walks one-hour credentials (default windows: 15 and
// 10 minutes) and others through their life on a fake clock.
func TestRetrieveWindows(t *testing.T) {
	ctx := context.Background()
	retrieve := func(t *testing.T, p *Provider) string {
		t.Helper()
		c, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c.AccessKeyID
	}

	t.Run("advisory: renewed silently", func(t *testing.T) {
		clk := newClock(t0)
		src := &fakeSource{lifetime: time.Hour}
		p, _ := newFakeProviderWith(t, src, providerConfig{now: clk.Now})
		first := retrieve(t, p)
		clk.Advance(45*time.Minute - time.Second)
		if retrieve(t, p) != first || src.count() != 1 {
			t.Errorf("renewed before the advisory window (source asked %d times)", src.count())
		}
		clk.Advance(time.Second)
		if retrieve(t, p) == first || src.count() != 2 {
			t.Errorf("not renewed at the advisory window (source asked %d times)", src.count())
		}
	})

	t.Run("advisory: renewal fails, current ones handed out, retried with backoff", func(t *testing.T) {
		clk := newClock(t0)
		src := &fakeSource{lifetime: time.Hour}
		p, rec := newFakeProviderWith(t, src, providerConfig{now: clk.Now})
		first := retrieve(t, p)
		src.set(func(s *fakeSource) { s.err = errors.New("SSO session has expired") })
		clk.Advance(45 * time.Minute)
		for range 5 {
			if retrieve(t, p) != first {
				t.Fatal("inside the advisory window the key changed although renewal fails")
			}
		}
		if n := src.count(); n != 2 {
			t.Errorf("the source was asked %d times in quick succession, want 2 (one renewal attempt)", n)
		}
		if n := rec.count(Warning); n != 1 {
			t.Errorf("%d Warning events, want 1: %v", n, rec.list())
		}
		// Renewal is tried again after 5 s, then after 10 s more.
		for _, step := range []struct {
			advance time.Duration
			calls   int
		}{{4 * time.Second, 2}, {time.Second, 3}, {9 * time.Second, 3}, {time.Second, 4}} {
			clk.Advance(step.advance)
			if retrieve(t, p) != first {
				t.Fatal("the key changed")
			}
			if n := src.count(); n != step.calls {
				t.Errorf("at %v: the source was asked %d times, want %d", clk.Now().Sub(t0), n, step.calls)
			}
		}
		// Inside the mandatory window the failure is an error.
		clk.Advance(5 * time.Minute)
		_, err := p.Retrieve(ctx)
		var re *RefreshError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "SSO session has expired") {
			t.Errorf("inside the mandatory window: want a RefreshError with the cause, got %v", err)
		}
		if !errors.Is(err, engine.ErrNoLoginCommand) {
			t.Errorf("want engine.ErrNoLoginCommand in %v", err)
		}
	})

	t.Run("mandatory: waits for new ones", func(t *testing.T) {
		clk := newClock(t0)
		src := &fakeSource{lifetime: time.Hour}
		p, _ := newFakeProviderWith(t, src, providerConfig{now: clk.Now})
		first := retrieve(t, p)
		clk.Advance(50 * time.Minute)
		if retrieve(t, p) == first || src.count() != 2 {
			t.Errorf("inside the mandatory window the old credentials were handed out (source asked %d times)", src.count())
		}
	})

	t.Run("short-lived credentials scale the windows", func(t *testing.T) {
		clk := newClock(t0)
		src := &fakeSource{lifetime: 3 * time.Minute}
		p, _ := newFakeProviderWith(t, src, providerConfig{now: clk.Now})
		first := retrieve(t, p)
		// 3 min < 2×15 min: the advisory window shrinks to 15m×3m/30m = 90 s.
		clk.Advance(90*time.Second - time.Millisecond)
		if retrieve(t, p) != first {
			t.Error("renewed before the scaled advisory window")
		}
		clk.Advance(time.Millisecond)
		if retrieve(t, p) == first {
			t.Error("not renewed at the scaled advisory window")
		}
	})

	t.Run("no known expiry: cannot expire, re-read after the recheck interval", func(t *testing.T) {
		clk := newClock(t0)
		src := &fakeSource{}
		p, _ := newFakeProviderWith(t, src, providerConfig{now: clk.Now})
		c, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.CanExpire || !c.Expires.IsZero() {
			t.Errorf("keys without expiry handed out with CanExpire %v, Expires %v", c.CanExpire, c.Expires)
		}
		clk.Advance(engine.DefaultRecheckInterval - time.Second)
		retrieve(t, p)
		if n := src.count(); n != 1 {
			t.Errorf("re-read before the recheck interval (%d calls)", n)
		}
		clk.Advance(time.Second)
		retrieve(t, p)
		if n := src.count(); n != 2 {
			t.Errorf("not re-read at the recheck interval (%d calls)", n)
		}
	})
}

// TestRetrieveCallerGivesUp: a caller whose context ends stops waiting at
// once; the refresh it started goes on for the others.
func TestRetrieveCallerGivesUp(t *testing.T) {
	src := &fakeSource{lifetime: time.Hour, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	p, _ := newFakeProvider(t, src, 0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := p.Retrieve(ctx)
		gaveUp <- err
	}()
	<-src.entered // the refresh is under way
	other := make(chan error, 1)
	go func() {
		_, err := p.Retrieve(context.Background())
		other <- err
	}()
	cancel()
	// The retrieval is still held at the gate: the caller returned without it.
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
	close(src.gate)
	if err := <-other; err != nil {
		t.Errorf("the other caller: %v", err)
	}
	if _, err := p.Retrieve(context.Background()); err != nil {
		t.Errorf("after the refresh: %v", err)
	}
	if n := src.count(); n != 1 {
		t.Errorf("the source was asked %d times, want 1 shared refresh", n)
	}
}

// TestOneRejectionOneEvent: many calls rejected with the same credentials,
// at once and later, make one CredentialsRejected event and one renewal.
func TestOneRejectionOneEvent(t *testing.T) {
	src := &fakeSource{lifetime: time.Hour}
	p, rec := newFakeProvider(t, src, 0, 0)
	ctx := context.Background()
	c, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	expired := &smithy.GenericAPIError{Code: "ExpiredTokenException", Message: "The security token included in the request is expired"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := p.reject(ctx, c.AccessKeyID, expired); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := p.reject(ctx, c.AccessKeyID, expired); err != nil { // a late one
		t.Error(err)
	}
	if n := rec.count(CredentialsRejected); n != 1 {
		t.Errorf("%d CredentialsRejected events for one rejected key, want 1: %v", n, rec.list())
	}
	next, err := p.Retrieve(ctx)
	if err != nil || next.AccessKeyID == c.AccessKeyID {
		t.Fatalf("after the rejection: %v, key changed %v", err, next.AccessKeyID != c.AccessKeyID)
	}
	if err := p.reject(ctx, next.AccessKeyID, expired); err != nil {
		t.Error(err)
	}
	if n := rec.count(CredentialsRejected); n != 2 {
		t.Errorf("%d CredentialsRejected events after a second key was rejected, want 2", n)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := New(Options{Timeout: -time.Second}); err == nil {
		t.Error("New accepted a negative Timeout")
	}
	for _, pol := range []engine.Policy{
		{Advisory: time.Second, Mandatory: 2 * time.Second},
		{Recheck: -time.Second},
	} {
		if _, err := newProvider(providerConfig{profile: "x", policy: pol, Options: Options{CacheDir: t.TempDir()}}); !errors.Is(err, engine.ErrInvalidPolicy) {
			t.Errorf("policy %+v: %v, want ErrInvalidPolicy", pol, err)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	t.Setenv("AWS_PROFILE", "from-env")
	p, err := New(Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if p.Profile() != "from-env" || p.timeout != DefaultTimeout {
		t.Errorf("profile %q, timeout %v", p.Profile(), p.timeout)
	}
	t.Setenv("AWS_PROFILE", "")
	p, err = New(Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if p.Profile() != "default" {
		t.Errorf("profile %q, want default", p.Profile())
	}
}
