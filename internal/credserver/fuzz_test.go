package credserver_test

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
)

// FuzzServeHTTP feeds raw HTTP requests to the endpoint's handler: it
// never panics, answers 200 only to a GET of the credentials path with
// the right token and Host, and never puts the secret in any other answer.
func FuzzServeHTTP(f *testing.F) {
	const fixedToken = "fuzz-token-0123456789abcdef0123456789abcdef0123456789abcdef012345"
	secret := "fuzzSecretAccessKey0000000000000000000000"
	srv, err := credserver.New(credserver.Options{
		Token: fixedToken,
		Provider: func(context.Context) (creds.Credentials, error) {
			return creds.Credentials{AccessKeyID: "ASIAFUZZ000000000001", SecretAccessKey: secret, SessionToken: "fuzztoken",
				Expiration: time.Now().Add(time.Hour)}, nil
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	u, _ := url.Parse(srv.URL())
	host := u.Host
	for _, seed := range []string{
		"GET /creds HTTP/1.1\r\nHost: HOST\r\nAuthorization: TOKEN\r\n\r\n",
		"GET /creds HTTP/1.1\r\nHost: HOST\r\n\r\n",
		"GET /creds HTTP/1.1\r\nHost: evil.example\r\nAuthorization: TOKEN\r\n\r\n",
		"POST /creds HTTP/1.1\r\nHost: HOST\r\nAuthorization: TOKEN\r\nContent-Length: 4\r\n\r\nbody",
		"GET /creds/../creds HTTP/1.1\r\nHost: HOST\r\nAuthorization: wrong\r\n\r\n",
		"GET /other HTTP/1.0\r\nHost: localhost\r\n\r\n",
	} {
		f.Add([]byte(strings.NewReplacer("HOST", host, "TOKEN", fixedToken).Replace(seed)))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			return
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		body := rec.Body.String()
		authorized := req.Method == http.MethodGet && req.URL.Path == credserver.Path &&
			req.Header.Get("Authorization") == fixedToken && (req.Host == host || strings.EqualFold(req.Host, strings.Replace(host, "127.0.0.1", "localhost", 1)))
		if rec.Code == http.StatusOK && !authorized {
			t.Fatalf("200 for an unauthorized request %q", raw)
		}
		if rec.Code != http.StatusOK && strings.Contains(body, secret) {
			t.Fatalf("error answer %d leaks the secret", rec.Code)
		}
		if strings.Contains(body, fixedToken) {
			t.Fatalf("answer %d leaks the token", rec.Code)
		}
	})
}
