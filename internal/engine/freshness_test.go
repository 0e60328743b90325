package engine_test

import (
	"errors"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

// TestFreshness pins the one rule at its boundaries.
func TestFreshness(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 0, 0, 0, time.UTC)
	hour := creds.Credentials{AccessKeyID: "ASIAX", Expiration: at.Add(time.Hour)}
	issuedHour := hour
	issuedHour.IssuedAt = at
	short := creds.Credentials{AccessKeyID: "ASIAX", IssuedAt: at, Expiration: at.Add(10 * time.Minute)}
	shortUnknownIssue := creds.Credentials{AccessKeyID: "ASIAX", Expiration: at.Add(10 * time.Minute)}
	keys := creds.Credentials{AccessKeyID: "AKIAX"}
	for _, tt := range []struct {
		name          string
		policy        engine.Policy
		c             creds.Credentials
		fresh, usable time.Time
	}{
		{"one hour, default windows", engine.Policy{}, hour, at.Add(45 * time.Minute), at.Add(50 * time.Minute)},
		{"one hour with issue time: no scaling above 30 minutes", engine.Policy{}, issuedHour, at.Add(45 * time.Minute), at.Add(50 * time.Minute)},
		{"10 minutes with issue time: windows scaled by 10/30", engine.Policy{}, short, at.Add(5 * time.Minute), at.Add(10*time.Minute - 200*time.Second)},
		{"10 minutes, issue time unknown: full windows", engine.Policy{}, shortUnknownIssue, at.Add(-5 * time.Minute), at},
		{"custom windows", engine.Policy{Advisory: 30 * time.Minute, Mandatory: 20 * time.Minute}, hour, at.Add(30 * time.Minute), at.Add(40 * time.Minute)},
		{"no known expiry: the recheck interval", engine.Policy{}, keys, at.Add(15 * time.Minute), at.Add(15 * time.Minute)},
		{"no known expiry, custom recheck", engine.Policy{Recheck: time.Minute}, keys, at.Add(time.Minute), at.Add(time.Minute)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.policy.Freshness(tt.c, at)
			if !f.FreshUntil.Equal(tt.fresh) || !f.UsableUntil.Equal(tt.usable) {
				t.Errorf("fresh until %v, usable until %v; want %v, %v", f.FreshUntil.Sub(at), f.UsableUntil.Sub(at), tt.fresh.Sub(at), tt.usable.Sub(at))
			}
			if !f.Fresh(tt.fresh.Add(-time.Nanosecond)) || f.Fresh(tt.fresh) {
				t.Errorf("Fresh is wrong at the boundary %v", tt.fresh.Sub(at))
			}
			if !f.Usable(tt.usable.Add(-time.Nanosecond)) || f.Usable(tt.usable) {
				t.Errorf("Usable is wrong at the boundary %v", tt.usable.Sub(at))
			}
			if f.RenewAt(at, 0) != f.FreshUntil {
				t.Errorf("RenewAt without failures = %v, want FreshUntil", f.RenewAt(at, 0).Sub(at))
			}
		})
	}

	t.Run("clock set back: credentials without expiry are read again", func(t *testing.T) {
		f := engine.Policy{}.Freshness(keys, at)
		if !f.Fresh(at.Add(-59*time.Second)) || f.Fresh(at.Add(-2*time.Minute)) || f.Usable(at.Add(-2*time.Minute)) {
			t.Error("a clock set back by more than a minute must make keys without expiry due")
		}
	})
}

func TestRetryDelayAndRenewAt(t *testing.T) {
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 5 * time.Minute, 5 * time.Minute}
	for i, w := range want {
		if got := engine.RetryDelay(i + 1); got != w {
			t.Errorf("RetryDelay(%d) = %v, want %v", i+1, got, w)
		}
	}
	at := time.Date(2031, 3, 4, 5, 0, 0, 0, time.UTC)
	f := engine.Policy{}.Freshness(creds.Credentials{AccessKeyID: "ASIAX", Expiration: at.Add(time.Hour)}, at)
	inAdvisory := at.Add(46 * time.Minute)
	if got := f.RenewAt(inAdvisory, 1); !got.Equal(inAdvisory.Add(5 * time.Second)) {
		t.Errorf("after one failure: %v, want 5 s later", got.Sub(inAdvisory))
	}
	// Never later than the mandatory window while still usable: renewal
	// gets a last try there.
	if got := f.RenewAt(inAdvisory, 7); !got.Equal(f.UsableUntil) {
		t.Errorf("after seven failures: %v, want the start of the mandatory window", got.Sub(inAdvisory))
	}
	// Past it, the delay runs from now (no retry storm on a due time in the past).
	late := at.Add(55 * time.Minute)
	if got := f.RenewAt(late, 3); !got.Equal(late.Add(20 * time.Second)) {
		t.Errorf("inside the mandatory window after three failures: %v, want 20 s later", got.Sub(late))
	}
}

func TestFreshnessState(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 0, 0, 0, time.UTC)
	f := engine.Policy{}.Freshness(creds.Credentials{AccessKeyID: "ASIAX", Expiration: at.Add(time.Hour)}, at)
	for _, tt := range []struct {
		after time.Duration
		want  string
	}{
		{0, "valid"}, {45 * time.Minute, "renew soon"}, {50 * time.Minute, "refresh needed"}, {time.Hour, "expired"},
	} {
		if got := f.State(at.Add(tt.after)); got != tt.want {
			t.Errorf("after %v: %q, want %q", tt.after, got, tt.want)
		}
	}
	k := engine.Policy{}.Freshness(creds.Credentials{AccessKeyID: "AKIAX"}, at)
	if k.State(at) != "valid" || k.State(at.Add(15*time.Minute)) != "recheck due" {
		t.Errorf("keys without expiry: %q then %q", k.State(at), k.State(at.Add(15*time.Minute)))
	}
}

func TestPolicyCheck(t *testing.T) {
	for _, p := range []engine.Policy{
		{Advisory: -time.Second},
		{Recheck: -time.Second},
		{Advisory: time.Minute, Mandatory: 2 * time.Minute},
		{Mandatory: 20 * time.Minute}, // longer than the default advisory window
	} {
		if err := p.Check(); !errors.Is(err, engine.ErrInvalidPolicy) {
			t.Errorf("Check(%+v) = %v, want ErrInvalidPolicy", p, err)
		}
		if _, err := engine.New(engine.Options{Source: &fakeSource{}, Policy: p, DisableCache: true}); err == nil {
			t.Errorf("New accepted policy %+v", p)
		}
	}
	if err := (engine.Policy{}).Check(); err != nil {
		t.Errorf("the default policy: %v", err)
	}
}
