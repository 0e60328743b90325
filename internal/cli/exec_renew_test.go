package cli

import (
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

// TestRenewalSchedule walks exec's background renewal through one-hour
// credentials whose renewal starts failing, on explicit times: renew at the
// advisory window, then back off 5 s doubling (capped at the mandatory
// window while usable, at 5 minutes after it), stop once the next try would
// come after the expiry, and start over from credentials a request got.
func TestRenewalSchedule(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 0, 0, 0, time.UTC)
	c := creds.Credentials{AccessKeyID: "ASIAONE", IssuedAt: at, Expiration: at.Add(time.Hour)}
	r := &renewal{}
	r.got(c, at)

	now := at
	step := func(want time.Duration, wantOK bool) {
		t.Helper()
		next, ok := r.next(now)
		if ok != wantOK || (ok && !next.Equal(now.Add(want))) {
			t.Fatalf("at %v: next in %v (ok %v), want in %v (ok %v)", now.Sub(at), next.Sub(now), ok, want, wantOK)
		}
		if ok {
			now = next
		}
	}
	step(45*time.Minute, true) // the advisory window
	// Renewal fails from here on: 5 s, 10 s, 20 s, ... but the mandatory
	// window (at 50 minutes) gets a last try.
	for _, d := range []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 145 * time.Second} {
		r.failed()
		step(d, true)
	}
	if now != at.Add(50*time.Minute) {
		t.Fatalf("at %v, want the start of the mandatory window", now.Sub(at))
	}
	// Inside the mandatory window the delay keeps growing, up to 5 minutes,
	// until the next try would come at or after the expiry: then it stops,
	// and the program's next request decides.
	r.failed()
	step(5*time.Minute, true)
	r.failed()
	step(0, false)

	// A request of the program got new credentials (after a login): the
	// schedule starts over from them, with the failures forgotten.
	c2 := creds.Credentials{AccessKeyID: "ASIATWO", IssuedAt: now, Expiration: now.Add(time.Hour)}
	r.got(c2, now)
	step(45*time.Minute, true)

	// Credentials handed back already inside the advisory window (renewal
	// failed, the engine served the current ones) count as a failure.
	r.got(c2, now)
	step(5*time.Second, true)
}

func TestRenewalJitterAndNoExpiry(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 0, 0, 0, time.UTC)
	r := &renewal{jitter: func(max time.Duration) time.Duration { return max }}
	r.got(creds.Credentials{AccessKeyID: "ASIAONE", IssuedAt: at, Expiration: at.Add(time.Hour)}, at)
	if next, ok := r.next(at); !ok || !next.Equal(at.Add(45*time.Minute-270*time.Second)) {
		t.Errorf("with full jitter: next in %v, want 10%% before the advisory window", next.Sub(at))
	}

	// Keys without expiry are read again every recheck interval and, when
	// that fails, retried for ever, at most every 5 minutes.
	r = &renewal{policy: engine.Policy{Recheck: time.Minute}}
	r.got(creds.Credentials{AccessKeyID: "AKIAKEYS"}, at)
	if next, ok := r.next(at); !ok || !next.Equal(at.Add(time.Minute)) {
		t.Errorf("keys: next in %v (ok %v), want 1 minute", next.Sub(at), ok)
	}
	due := at.Add(time.Minute)
	for range 10 {
		r.failed()
	}
	if next, ok := r.next(due); !ok || !next.Equal(due.Add(5*time.Minute)) {
		t.Errorf("keys after 10 failures: next in %v (ok %v), want 5 minutes", next.Sub(due), ok)
	}
}

func TestWarningsOncePerCause(t *testing.T) {
	var w warnings
	if !w.firstUntilRenewed("session ended") || w.firstUntilRenewed("session ended") {
		t.Error("a renewal failure's cause was not said exactly once")
	}
	if !w.first("cache unusable") || w.first("cache unusable") {
		t.Error("a warning was not said exactly once")
	}
	w.renewed()
	if !w.firstUntilRenewed("session ended") {
		t.Error("after a renewal the same cause is not said again")
	}
	if w.first("cache unusable") {
		t.Error("a renewal made a warning of another kind repeat")
	}
}
