package credserver_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
)

func TestRefusals(t *testing.T) {
	p := &fakeProvider{fn: func(context.Context) (creds.Credentials, error) {
		return testCreds(time.Now().Add(time.Hour)), nil
	}}
	s := start(t, credserver.Options{Provider: p.Provide})
	port := strings.TrimPrefix(strings.TrimSuffix(s.URL(), credserver.Path), "http://127.0.0.1:")

	tests := []struct {
		name   string
		mutate func(*http.Request)
		status int
		code   string // "" for 200
	}{
		{"ok", nil, 200, ""},
		{"localhost host", func(r *http.Request) { r.Host = "localhost:" + port }, 200, ""},
		{"localhost host upper case", func(r *http.Request) { r.Host = "LOCALHOST:" + port }, 200, ""},
		{"query ignored", func(r *http.Request) { r.URL.RawQuery = "x=1" }, 200, ""},
		{"no token", func(r *http.Request) { r.Header.Del("Authorization") }, 401, credserver.CodeMissingToken},
		{"empty token", func(r *http.Request) { r.Header.Set("Authorization", "") }, 403, credserver.CodeInvalidToken},
		{"wrong token", func(r *http.Request) { r.Header.Set("Authorization", s.Token()[:63]+"x") }, 403, credserver.CodeInvalidToken},
		{"token prefix", func(r *http.Request) { r.Header.Set("Authorization", s.Token()[:32]) }, 403, credserver.CodeInvalidToken},
		{"bearer token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+s.Token()) }, 403, credserver.CodeInvalidToken},
		{"two tokens", func(r *http.Request) { r.Header.Add("Authorization", s.Token()) }, 403, credserver.CodeInvalidToken},
		{"foreign host", func(r *http.Request) { r.Host = "evil.example:" + port }, 403, credserver.CodeInvalidHost},
		{"foreign host, no token", func(r *http.Request) { r.Host = "evil.example:" + port; r.Header.Del("Authorization") }, 403, credserver.CodeInvalidHost},
		{"host without port", func(r *http.Request) { r.Host = "127.0.0.1" }, 403, credserver.CodeInvalidHost},
		{"host with other port", func(r *http.Request) { r.Host = "127.0.0.1:1" }, 403, credserver.CodeInvalidHost},
		{"localhost subdomain", func(r *http.Request) { r.Host = "localhost.evil.example:" + port }, 403, credserver.CodeInvalidHost},
		{"POST", func(r *http.Request) { r.Method = http.MethodPost }, 405, credserver.CodeMethodNotAllowed},
		{"PUT", func(r *http.Request) { r.Method = http.MethodPut }, 405, credserver.CodeMethodNotAllowed},
		{"HEAD", func(r *http.Request) { r.Method = http.MethodHead }, 405, ""},
		{"OPTIONS", func(r *http.Request) { r.Method = http.MethodOptions }, 405, credserver.CodeMethodNotAllowed},
		{"unknown path", func(r *http.Request) { r.URL.Path = "/latest/meta-data" }, 404, credserver.CodeNotFound},
		{"root path", func(r *http.Request) { r.URL.Path = "/" }, 404, credserver.CodeNotFound},
		{"path with trailing slash", func(r *http.Request) { r.URL.Path = credserver.Path + "/" }, 404, credserver.CodeNotFound},
		{"unknown path, no token", func(r *http.Request) { r.URL.Path = "/x"; r.Header.Del("Authorization") }, 404, credserver.CodeNotFound},
		{"small body", func(r *http.Request) { setBody(r, 100, false) }, 200, ""},
		{"small chunked body", func(r *http.Request) { setBody(r, 100, true) }, 200, ""},
		{"large body", func(r *http.Request) { setBody(r, 4096, false) }, 413, credserver.CodeRequestBodyTooLarge},
		{"large chunked body", func(r *http.Request) { setBody(r, 4096, true) }, 413, credserver.CodeRequestBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, s, tt.mutate)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if r.status == 200 {
				if w := r.wire(); w.SecretAccessKey != testSecret || w.AccessKeyID != testKeyID {
					t.Errorf("200 body does not hold the credentials: %d bytes", len(r.body))
				}
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				return
			}
			noSecret(t, s, "refusal body", r.body)
			noSecret(t, s, "refusal headers", []byte(strings.Join(headerLines(r.header), "\n")))
			if tt.code == "" { // HEAD: no body
				return
			}
			e := r.errBody(t)
			if e.Code != tt.code || e.Message == "" {
				t.Errorf("error body %+v, want code %s and a message", e, tt.code)
			}
			if tt.status == 405 && r.header.Get("Allow") != http.MethodGet {
				t.Errorf("Allow = %q, want GET", r.header.Get("Allow"))
			}
		})
	}
	st := s.Stats()
	if st.Refused[credserver.CodeInvalidHost] != 5 || st.Refused[credserver.CodeMissingToken] != 1 || st.Refused[credserver.CodeInvalidToken] != 5 {
		t.Errorf("Stats.Refused = %v", st.Refused)
	}
	if st.Served != 6 || st.ProviderCalls != 1 {
		t.Errorf("Served %d, ProviderCalls %d; want 6 and 1", st.Served, st.ProviderCalls)
	}
}

func setBody(r *http.Request, n int, chunked bool) {
	b := bytes.Repeat([]byte("x"), n)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(n)
	if chunked {
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
	}
}

func headerLines(h http.Header) []string {
	var out []string
	for k, vs := range h {
		for _, v := range vs {
			out = append(out, k+": "+v)
		}
	}
	return out
}

func TestOversizedHeaders(t *testing.T) {
	s := start(t, credserver.Options{Provider: (&fakeProvider{}).Provide})
	s.Update(testCreds(time.Now().Add(time.Hour)))
	status, body := rawRequest(t, s, "Host: "+hostOf(s)+"\r\nAuthorization: "+s.Token()+"\r\nX-Padding: "+strings.Repeat("a", 20<<10)+"\r\n")
	if status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", status)
	}
	noSecret(t, s, "431 body", body)
	// A header just under the limit is fine.
	r := do(t, s, func(r *http.Request) { r.Header.Set("X-Padding", strings.Repeat("a", 6<<10)) })
	if r.status != 200 {
		t.Fatalf("status %d with a 6 KiB header, want 200", r.status)
	}
}

func hostOf(s *credserver.Server) string {
	return strings.TrimSuffix(strings.TrimPrefix(s.URL(), "http://"), credserver.Path)
}

// rawRequest writes a GET with the given header lines on a new connection
// (concurrently, as the server may stop reading) and reads the response.
func rawRequest(t *testing.T, s *credserver.Server, headers string) (int, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", hostOf(s))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	go func() { _, _ = io.WriteString(conn, "GET "+credserver.Path+" HTTP/1.1\r\n"+headers+"\r\n") }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// A client that sends its header byte by byte is cut off at
// ReadHeaderTimeout, however steadily it sends.
func TestSlowHeaderClientIsCutOff(t *testing.T) {
	t.Parallel()
	const timeout = 400 * time.Millisecond
	s := start(t, credserver.Options{Provider: (&fakeProvider{}).Provide, ReadHeaderTimeout: timeout})
	s.Update(testCreds(time.Now().Add(time.Hour)))
	u, _ := url.Parse(s.URL())
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	begin := time.Now()
	closed := make(chan []byte, 1)
	go func() {
		got, _ := io.ReadAll(conn) // until the server closes
		closed <- got
	}()
	req := "GET " + credserver.Path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nAuthorization: " + s.Token() + "\r\n" +
		strings.Repeat("X-Slow: 1\r\n", 100) + "\r\n"
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < len(req); i++ {
		select {
		case got := <-closed:
			took := time.Since(begin)
			if took > timeout+time.Second {
				t.Errorf("connection closed after %v, want about %v", took, timeout)
			}
			noSecret(t, s, "slow client response", got)
			if bytes.HasPrefix(got, []byte("HTTP/1.1 200")) {
				t.Errorf("slow client got credentials")
			}
			return
		case <-tick.C:
		}
		if _, err := conn.Write([]byte{req[i]}); err != nil {
			if took := time.Since(begin); took > timeout+time.Second {
				t.Errorf("write failed only after %v", took)
			}
			return
		}
	}
	t.Fatalf("whole request sent over %v without the server closing the connection", time.Since(begin))
}

func TestCloseRefusesConnections(t *testing.T) {
	ctxErr := make(chan error, 1)
	p := &fakeProvider{fn: func(ctx context.Context) (creds.Credentials, error) {
		<-ctx.Done()
		ctxErr <- context.Cause(ctx)
		return creds.Credentials{}, ctx.Err()
	}}
	s := start(t, credserver.Options{Provider: p.Provide, MaxHold: 50 * time.Millisecond})
	addr := strings.TrimSuffix(strings.TrimPrefix(s.URL(), "http://"), credserver.Path)
	if r := do(t, s, nil); r.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d while the provider blocks, want 503", r.status)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	select {
	case err := <-ctxErr:
		if !errors.Is(err, credserver.ErrClosed) {
			t.Errorf("provider context cause = %v, want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not cancel the running provider call")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = c.Close()
		t.Fatalf("connected to %s after Close", addr)
	}
	if err := s.Start(); !errors.Is(err, credserver.ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
}

func TestStartTwice(t *testing.T) {
	s := start(t, credserver.Options{Provider: (&fakeProvider{}).Provide})
	if err := s.Start(); !errors.Is(err, credserver.ErrStarted) {
		t.Errorf("second Start = %v, want ErrStarted", err)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	p := (&fakeProvider{}).Provide
	tests := []struct {
		name string
		opts credserver.Options
	}{
		{"no provider", credserver.Options{}},
		{"short token", credserver.Options{Provider: p, Token: "short"}},
		{"token with newline", credserver.Options{Provider: p, Token: "0123456789abcdef\r\nX-Evil: 1"}},
		{"token with spaces around", credserver.Options{Provider: p, Token: " 0123456789abcdef "}},
		{"negative MaxHold", credserver.Options{Provider: p, MaxHold: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := credserver.New(tt.opts); !errors.Is(err, credserver.ErrInvalidOptions) {
				t.Errorf("New = %v, want ErrInvalidOptions", err)
			}
		})
	}
	a, err := credserver.New(credserver.Options{Provider: p})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := credserver.New(credserver.Options{Provider: p})
	if len(a.Token()) != 64 || strings.Trim(a.Token(), "0123456789abcdef") != "" || a.Token() == b.Token() {
		t.Errorf("generated tokens %q, %q: want distinct 64-digit hex", a.Token(), b.Token())
	}
	c, err := credserver.New(credserver.Options{Provider: p, Token: "my-own-token-0123"})
	if err != nil || c.Token() != "my-own-token-0123" {
		t.Errorf("New with a token: %v, Token() = %q", err, c.Token())
	}
	if a.URL() != "" {
		t.Errorf("URL before Start = %q, want empty", a.URL())
	}
}

// The server speaks only HTTP/1.x on 127.0.0.1: a raw request with a
// foreign Host (DNS rebinding) gets no credentials.
func TestRawForeignHost(t *testing.T) {
	s := start(t, credserver.Options{Provider: (&fakeProvider{}).Provide})
	s.Update(testCreds(time.Now().Add(time.Hour)))
	for _, host := range []string{"attacker.example", "attacker.example:" + strings.Split(hostOf(s), ":")[1], "", "127.0.0.1.nip.io"} {
		status, body := rawRequest(t, s, "Host: "+host+"\r\nAuthorization: "+s.Token()+"\r\n")
		if status != http.StatusForbidden && status != http.StatusBadRequest {
			t.Errorf("Host %q: status %d, want 403 (or 400)", host, status)
		}
		noSecret(t, s, "body", body)
	}
	// The same raw request with the right Host is served: the test can fail.
	if status, _ := rawRequest(t, s, "Host: "+hostOf(s)+"\r\nAuthorization: "+s.Token()+"\r\n"); status != 200 {
		t.Errorf("right Host: status %d, want 200", status)
	}
}
