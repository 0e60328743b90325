package credserver

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ServeHTTP answers one request; it is what Start serves, and refuses every
// request before Start. The checks run in this order: Host header (403
// InvalidHost), path (404), method (405), Authorization header (401
// MissingToken, 403 InvalidToken), body (413); then credentials are served.
// A request refused by these checks has its connection closed after the
// response; one that passed them marks its connection as the token
// holder's (see MaxConns).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Host == "" || (r.Host != s.hostIP && !strings.EqualFold(r.Host, s.hostName)) {
		s.reject(w, http.StatusForbidden, reasonInvalidHost,
			"the Host header must be 127.0.0.1:PORT or localhost:PORT of this server")
		return
	}
	if r.URL.Path != Path {
		s.reject(w, http.StatusNotFound, reasonNotFound, "no such path; credentials are served at "+Path)
		return
	}
	if r.Method != http.MethodGet {
		w.Header()["Allow"] = []string{http.MethodGet}
		s.reject(w, http.StatusMethodNotAllowed, reasonMethod, "only GET is allowed")
		return
	}
	auth := r.Header["Authorization"]
	if len(auth) == 0 {
		s.reject(w, http.StatusUnauthorized, reasonMissingToken,
			"no Authorization header: send the value of "+EnvAuthToken)
		return
	}
	if len(auth) != 1 || !s.tokenOK(auth[0]) {
		s.reject(w, http.StatusForbidden, reasonInvalidToken,
			"the Authorization header does not match this server's token ("+EnvAuthToken+")")
		return
	}
	if r.ContentLength != 0 && !bodyOK(r) {
		s.reject(w, http.StatusRequestEntityTooLarge, reasonBodyTooLarge,
			"request body too large: a GET needs no body")
		return
	}
	if c := connOf(r.Context()); c != nil {
		c.authenticate()
	}
	now := s.opts.Now()
	if e := s.cur.Load(); e != nil && now.Before(e.serveUntil) {
		s.write(w, e, now, false)
		return
	}
	s.serveSlow(w, r, now)
}

// tokenOK compares got with the token in constant time (for a given length).
func (s *Server) tokenOK(got string) bool {
	if len(got) != len(s.token) {
		return false
	}
	var buf [128]byte
	var b []byte
	if len(got) <= len(buf) {
		b = buf[:copy(buf[:], got)]
	} else {
		b = []byte(got)
	}
	return subtle.ConstantTimeCompare(b, s.token) == 1
}

// bodyOK drains a request body of at most MaxBodyBytes.
func bodyOK(r *http.Request) bool {
	if r.ContentLength > MaxBodyBytes {
		return false
	}
	n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, MaxBodyBytes+1))
	return n <= MaxBodyBytes
}

// serveSlow answers when the in-memory credentials are not fresh: it
// starts a Provider call unless one is running or an error backoff holds,
// and waits for it at most MaxHold. Only the request that starts the call,
// or one with nothing usable to serve, waits: while a long refresh (a
// login) runs, requests that can be served the still-usable credentials
// get them at once, and after MaxHold a request gets credentials that have
// not expired yet rather than an error.
func (s *Server) serveSlow(w http.ResponseWriter, r *http.Request, now time.Time) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.refuseHTTP(w, http.StatusServiceUnavailable, reasonClosed, "the awsfresh credentials server is shutting down")
		return
	}
	e := s.cur.Load()
	if e != nil && now.Before(e.serveUntil) { // an Update or a flight just landed
		s.mu.Unlock()
		s.write(w, e, now, false)
		return
	}
	f, started := s.flight, false
	if f == nil && !now.Before(s.errUntil) {
		f, started = s.startFlightLocked(), true
	}
	fail := s.lastErr
	s.mu.Unlock()

	running := f != nil
	if running && (started || e == nil || !e.usable(now)) {
		t := time.NewTimer(s.opts.MaxHold)
		select {
		case <-f.done:
			running, fail = false, f.fail
		case <-t.C:
		case <-r.Context().Done(): // client gone, or server closing
			t.Stop()
			return
		}
		t.Stop()
		now = s.opts.Now()
		e = s.cur.Load()
	}
	switch {
	case e != nil && now.Before(e.serveUntil):
		s.write(w, e, now, false)
	case e != nil && (e.usable(now) || running && !e.fresh.Expired(now)):
		s.write(w, e, now, true)
	case running || fail == nil:
		w.Header()["Retry-After"] = []string{"1"}
		s.refuseHTTP(w, http.StatusServiceUnavailable, reasonRefreshInProgress,
			"refreshing AWS credentials (a login may be waiting for you); retry shortly")
	default:
		if fail.status == http.StatusServiceUnavailable {
			w.Header()["Retry-After"] = []string{"1"}
		}
		s.refuseHTTP(w, fail.status, fail.reason, fail.msg)
	}
}

// write serves e. This is the hot path: no JSON encoding, few allocations.
func (s *Server) write(w http.ResponseWriter, e *entry, now time.Time, stale bool) {
	h := w.Header()
	h["Content-Type"] = s.hdrJSON
	h["Cache-Control"] = s.hdrNoStore
	if e.body != nil {
		h["Content-Length"] = e.length
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(e.body)
	} else {
		bp := s.bufs.Get().(*[]byte)
		b := append((*bp)[:0], e.head...)
		b = now.Add(s.opts.Policy.Recheck).UTC().AppendFormat(b, time.RFC3339)
		b = append(b, `"}`...)
		h["Content-Length"] = []string{strconv.Itoa(len(b))}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		*bp = b
		s.bufs.Put(bp)
	}
	s.st.served.Add(1)
	if stale {
		s.st.servedStale.Add(1)
	}
}

// errorBody is the JSON of every refusal. Message never holds a secret.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// reject refuses a request that failed the checks and closes its
// connection after the response, so that it cannot hold a place.
func (s *Server) reject(w http.ResponseWriter, status int, why reason, msg string) {
	w.Header()["Connection"] = []string{"close"}
	s.refuseHTTP(w, status, why, msg)
}

func (s *Server) refuseHTTP(w http.ResponseWriter, status int, why reason, msg string) {
	s.refuse(why)
	body, _ := json.Marshal(errorBody{Code: why.code(), Message: msg})
	h := w.Header()
	h["Content-Type"] = s.hdrJSON
	h["Cache-Control"] = s.hdrNoStore
	h["X-Content-Type-Options"] = []string{"nosniff"}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
