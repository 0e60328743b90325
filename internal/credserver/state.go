package credserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

// entry is one set of in-memory credentials with its response prepared.
type entry struct {
	c          creds.Credentials
	fresh      engine.Freshness // what Options.Policy says about c
	serveUntil time.Time        // served without asking the Provider before this
	body       []byte           // the whole response, when the expiry is known
	length     []string         // its Content-Length
	head       []byte           // without a known expiry: the response up to the Expiration value
}

// wireCreds is the container credentials protocol's response. Token is
// always present (botocore reads it unconditionally), even when empty.
type wireCreds struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration,omitempty"`
}

// newEntry prepares c, obtained at now, as the credentials in memory,
// after s.failures earlier results that were not fresh. s.mu must be held.
func (s *Server) newEntryLocked(c creds.Credentials, now time.Time) *entry {
	e := &entry{c: c, fresh: s.opts.Policy.Freshness(c, now)}
	if e.fresh.Fresh(now) {
		s.failures = 0
	} else {
		s.failures++ // the Provider could not renew them
	}
	e.serveUntil = e.fresh.RenewAt(now, s.failures)
	if e.fresh.Expires.Before(e.serveUntil) && !e.fresh.Expires.IsZero() {
		e.serveUntil = e.fresh.Expires // never served from memory once expired
	}
	w := wireCreds{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Token: c.SessionToken}
	if !c.HasExpiration() {
		b, _ := json.Marshal(w) // cannot fail: strings only
		e.head = append(b[:len(b)-1], `,"Expiration":"`...)
		return e
	}
	w.Expiration = c.Expiration.UTC().Format(time.RFC3339)
	e.body, _ = json.Marshal(w)
	e.length = []string{strconv.Itoa(len(e.body))}
	return e
}

// usable reports whether e may be served while a refresh runs or after it
// failed.
func (e *entry) usable(now time.Time) bool { return e.fresh.Usable(now) }

// checkCreds returns an error wrapping ErrUnusableCredentials when c
// cannot be served at now. It names no secret.
func checkCreds(c creds.Credentials, now time.Time) error {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return fmt.Errorf("%w: access key id or secret access key is empty", ErrUnusableCredentials)
	}
	if c.HasExpiration() && !c.Expiration.After(now) {
		return fmt.Errorf("%w: %s expired at %s", ErrUnusableCredentials,
			c.MaskedKeyID(), c.Expiration.UTC().Format(time.RFC3339))
	}
	return nil
}

// flight is one Provider call; waiters block on done.
type flight struct {
	done chan struct{}
	fail *failure // set before done is closed; nil on success
}

// failure is a Provider error as shown to clients: already redacted.
type failure struct {
	reason reason
	status int
	msg    string
}

// Update replaces the in-memory credentials with c, e.g. ones the owner
// renewed in the background; they count as obtained now for
// Options.Policy. It also ends any error backoff, and a Provider call
// running at the time no longer replaces them when it returns. Empty or
// expired credentials are ignored (and logged).
func (s *Server) Update(c creds.Credentials) {
	now := s.opts.Now()
	if err := checkCreds(c, now); err != nil {
		s.opts.Logf("credserver: ignoring update: %v", err)
		return
	}
	s.mu.Lock()
	s.gen++
	s.cur.Store(s.newEntryLocked(c, now))
	s.lastErr = nil
	s.errUntil = time.Time{}
	s.mu.Unlock()
	s.st.updates.Add(1)
}

// startFlightLocked starts a Provider call. s.mu must be held.
func (s *Server) startFlightLocked() *flight {
	f := &flight{done: make(chan struct{})}
	s.flight = f
	s.st.providerCalls.Add(1)
	gen := s.gen
	s.calls.Go(func() { s.run(f, gen) })
	return f
}

func (s *Server) run(f *flight, gen uint64) {
	start := time.Now()
	c, err := s.callProvider()
	now := s.opts.Now()
	if err == nil {
		err = checkCreds(c, now)
	}
	s.mu.Lock()
	s.flight = nil
	kept := s.gen == gen
	switch {
	case err != nil:
		s.st.providerErrors.Add(1)
		f.fail = s.failureLocked(err)
		s.lastErr = f.fail
		s.errUntil = now.Add(s.opts.ErrorBackoff)
	case kept:
		s.cur.Store(s.newEntryLocked(c, now))
		s.lastErr = nil
		s.errUntil = time.Time{}
	}
	s.mu.Unlock()
	close(f.done)
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		s.opts.Logf("credserver: getting credentials failed after %v: %s", took, f.fail.msg)
		return
	}
	if !kept {
		s.opts.Logf("credserver: got %v after %v; kept the newer update instead", c, took)
		return
	}
	s.opts.Logf("credserver: got %v after %v", c, took)
}

// callProvider calls the Provider, turning a panic into an error so that
// a bug there cannot take down the program's credentials for good.
func (s *Server) callProvider() (c creds.Credentials, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("credserver: credential provider panicked: %v", p)
		}
	}()
	return s.opts.Provider(s.ctx)
}

// failureLocked redacts err for clients and logs. s.mu must be held.
func (s *Server) failureLocked(err error) *failure {
	if errors.Is(context.Cause(s.ctx), ErrClosed) {
		return &failure{reason: reasonClosed, status: http.StatusServiceUnavailable,
			msg: "the awsfresh credentials server is shutting down"}
	}
	var known []string
	if e := s.cur.Load(); e != nil {
		known = []string{e.c.SecretAccessKey, e.c.SessionToken, e.c.AccessKeyID}
	}
	msg := creds.Redact(err.Error(), known...)
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return &failure{reason: reasonUnavailable, status: http.StatusBadGateway, msg: msg}
}
