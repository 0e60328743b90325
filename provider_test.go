package awsfresh

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/engine"
)

func TestRetrieveCachesInMemory(t *testing.T) {
	src := &fakeSource{lifetime: time.Hour}
	p, _ := newFakeProvider(t, src, 0, 0)
	ctx := context.Background()
	var wg sync.WaitGroup
	keys := make([]string, 50)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := p.Retrieve(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = c.AccessKeyID
		}()
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
	// Expires is the start of the advisory window: 1h - 15m from issue.
	if left := time.Until(c.Expires); left < 44*time.Minute || left > 45*time.Minute {
		t.Errorf("Expires in %v, want about 45 minutes (the advisory window)", left)
	}
	if n := src.count(); n != 1 {
		t.Errorf("the source was asked %d times, want 1", n)
	}
}

func TestRetrieveWindows(t *testing.T) {
	const (
		lifetime  = 2 * time.Second
		advisory  = 800 * time.Millisecond
		mandatory = 400 * time.Millisecond
	)
	ctx := context.Background()

	t.Run("advisory: renewed silently", func(t *testing.T) {
		src := &fakeSource{lifetime: lifetime}
		p, _ := newFakeProvider(t, src, advisory, mandatory)
		first, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(first.Expires); d > lifetime-advisory || d < lifetime-advisory-200*time.Millisecond {
			t.Errorf("Expires in %v, want about %v", d, lifetime-advisory)
		}
		time.Sleep(time.Until(first.Expires) + 50*time.Millisecond) // inside the advisory window
		second, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if second.AccessKeyID == first.AccessKeyID || src.count() != 2 {
			t.Errorf("not renewed inside the advisory window (source asked %d times)", src.count())
		}
	})

	t.Run("advisory: renewal fails, current ones served with a warning", func(t *testing.T) {
		src := &fakeSource{lifetime: lifetime}
		p, rec := newFakeProvider(t, src, advisory, mandatory)
		first, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		src.set(func(s *fakeSource) { s.err = errors.New("SSO session has expired") })
		time.Sleep(time.Until(first.Expires) + 50*time.Millisecond)
		for range 5 {
			c, err := p.Retrieve(ctx)
			if err != nil || c.AccessKeyID != first.AccessKeyID {
				t.Fatalf("inside the advisory window: %v, key changed %v", err, c.AccessKeyID != first.AccessKeyID)
			}
			if !c.Expires.After(time.Now()) {
				t.Errorf("handed out with Expires in the past: an SDK cache would ask on every call")
			}
		}
		if n := src.count(); n != 2 {
			t.Errorf("the source was asked %d times in quick succession, want 2 (renewals are spaced)", n)
		}
		if rec.count(Warning) != 1 {
			t.Errorf("want 1 Warning event, got %v", rec.list())
		}
		// Inside the mandatory window the failure is an error.
		time.Sleep(time.Until(first.Expires.Add(advisory - mandatory + 50*time.Millisecond)))
		_, err = p.Retrieve(ctx)
		var re *RefreshError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "SSO session has expired") {
			t.Errorf("inside the mandatory window: want a RefreshError with the cause, got %v", err)
		}
		if !errors.Is(err, engine.ErrNoLoginCommand) {
			t.Errorf("want engine.ErrNoLoginCommand in %v", err)
		}
	})

	t.Run("mandatory: waits for new ones", func(t *testing.T) {
		src := &fakeSource{lifetime: lifetime}
		p, _ := newFakeProvider(t, src, advisory, mandatory)
		first, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(first.Expires.Add(advisory - mandatory + 50*time.Millisecond)))
		src.set(func(s *fakeSource) { s.delay = 100 * time.Millisecond })
		t0 := time.Now()
		second, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if second.AccessKeyID == first.AccessKeyID || time.Since(t0) < 100*time.Millisecond {
			t.Errorf("inside the mandatory window the old credentials were handed out")
		}
	})

	t.Run("short-lived credentials scale the windows", func(t *testing.T) {
		src := &fakeSource{lifetime: 3 * time.Second}
		p, _ := newFakeProvider(t, src, 0, 0) // 15 and 10 minutes
		c, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 3 s < 2×15 min: the advisory window shrinks to 15m×3s/30m = 1.5 s.
		if d := time.Until(c.Expires); d > 1500*time.Millisecond || d < 1200*time.Millisecond {
			t.Errorf("Expires in %v, want about 1.5 s", d)
		}
	})

	t.Run("no known expiry: rechecked", func(t *testing.T) {
		src := &fakeSource{}
		p, _ := newFakeProvider(t, src, 0, 0)
		c, err := p.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(c.Expires); d > engine.DefaultRecheckInterval || d < engine.DefaultRecheckInterval-time.Minute {
			t.Errorf("Expires in %v, want the recheck interval", d)
		}
	})
}

// TestRetrieveCallerGivesUp: a caller whose context ends stops waiting; the
// refresh it started goes on for the others.
func TestRetrieveCallerGivesUp(t *testing.T) {
	src := &fakeSource{lifetime: time.Hour, delay: 300 * time.Millisecond}
	p, _ := newFakeProvider(t, src, 0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var (
		wg       sync.WaitGroup
		otherErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(10 * time.Millisecond)
		_, otherErr = p.Retrieve(context.Background())
	}()
	t0 := time.Now()
	_, err := p.Retrieve(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want context.DeadlineExceeded, got %v", err)
	}
	if d := time.Since(t0); d > 250*time.Millisecond {
		t.Errorf("the caller waited %v after its context ended", d)
	}
	wg.Wait()
	if otherErr != nil {
		t.Errorf("the other caller: %v", otherErr)
	}
	if n := src.count(); n != 1 {
		t.Errorf("the source was asked %d times, want 1 shared refresh", n)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Timeout: -time.Second},
		{AdvisoryWindow: time.Second, MandatoryWindow: 2 * time.Second},
		{RecheckInterval: -time.Second},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
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
