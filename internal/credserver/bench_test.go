package credserver_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/credserver"
)

// BenchmarkServeCached measures the hot path end to end: parallel
// keep-alive HTTP clients on loopback fetching fresh in-memory credentials.
// Client and server share the machine's cores, so req/s is a lower bound
// for the server alone.
func BenchmarkServeCached(b *testing.B) {
	for _, tt := range []struct {
		name string
		exp  time.Time
	}{
		{"expiring", time.Now().Add(time.Hour)},
		{"unknown-expiry", time.Time{}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			p := &fakeProvider{fn: func(context.Context) (creds.Credentials, error) { return testCreds(tt.exp), nil }}
			s := start(b, credserver.Options{Provider: p.Provide, Logf: func(string, ...any) {}})
			s.Update(testCreds(tt.exp))
			conns := 2 * runtime.GOMAXPROCS(0)
			client := &http.Client{Transport: &http.Transport{
				MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DisableCompression: true,
			}}
			defer client.CloseIdleConnections()
			b.SetParallelism(2)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req, _ := http.NewRequest(http.MethodGet, s.URL(), nil)
				req.Header.Set("Authorization", s.Token())
				for pb.Next() {
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			if st := s.Stats(); st.ProviderCalls != 0 || st.Served < uint64(b.N) {
				b.Errorf("stats %+v after %d requests: want all served from memory", st, b.N)
			}
		})
	}
}
