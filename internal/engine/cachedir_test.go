package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

func cacheWarning(ws []string) bool {
	for _, w := range ws {
		if strings.Contains(w, "cache") {
			return true
		}
	}
	return false
}

// TestUnusableCacheDirConcurrent: with a cache directory that cannot be
// created, concurrent Credentials and Status calls each go on without the
// cache, with a warning, and touch no shared state (go test -race).
func TestUnusableCacheDirConcurrent(t *testing.T) {
	t.Parallel()
	blocker := filepath.Join(t.TempDir(), "file")
	touch(t, blocker)
	clk := newClock()
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, CacheDir: filepath.Join(blocker, "cache"), Now: clk.Now})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			res, err := e.Credentials(t.Context())
			assertResultClean(t, res, err)
			if err != nil {
				t.Error(err)
				return
			}
			if !cacheWarning(res.Warnings) {
				t.Errorf("served without a warning about the cache: %q", res.Warnings)
			}
		})
		wg.Go(func() {
			if st := e.Status(); st.Credentials != nil {
				t.Errorf("Status found credentials in a cache that cannot exist")
			}
		})
	}
	wg.Wait()
}

// TestCacheDirUsableAgain: a cache directory that could not be used by one
// call is tried again by the next: one failure does not turn the cache and
// the lock off for the engine's life.
func TestCacheDirUsableAgain(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cache")
	touch(t, dir) // a file where the directory should be
	clk := newClock()
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, CacheDir: dir, Now: clk.Now})
	res, err := e.Credentials(t.Context())
	if err != nil || !cacheWarning(res.Warnings) {
		t.Fatalf("with the directory blocked: %v, warnings %q; want credentials and a warning", err, res.Warnings)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	res, err = e.Credentials(t.Context())
	if err != nil || cacheWarning(res.Warnings) || src.Calls() != 2 {
		t.Fatalf("once the directory can be made: %v, warnings %q, source calls %d", err, res.Warnings, src.Calls())
	}
	res, err = e.Credentials(t.Context())
	if err != nil || !res.FromCache || src.Calls() != 2 {
		t.Errorf("third call: err %v FromCache %v source calls %d; want it served from the cache written by the second", err, res.FromCache, src.Calls())
	}
	if st := e.Status(); st.CacheFile == "" || st.Credentials == nil {
		t.Errorf("Status: %+v", st)
	}
}

// TestNoHomeNoCache: with neither HOME nor XDG_CACHE_HOME (some service
// managers) the engine works without a cache and says so once.
func TestNoHomeNoCache(t *testing.T) {
	for _, k := range []string{"HOME", "XDG_CACHE_HOME", "AWSFRESH_CACHE_DIR"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	clk := newClock()
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	rec := &recorder{t: t}
	e, err := engine.New(engine.Options{Profile: "test", Source: src, Verifier: &fakeVerifier{}, Now: clk.Now, OnEvent: rec.on})
	if err != nil {
		t.Fatalf("New without a home directory: %v", err)
	}
	res, err := e.Credentials(t.Context())
	if err != nil || !cacheWarning(res.Warnings) {
		t.Fatalf("first call: %v, warnings %q; want credentials and a warning about the cache", err, res.Warnings)
	}
	res, err = e.Credentials(t.Context())
	if err != nil || cacheWarning(res.Warnings) {
		t.Errorf("second call: %v, warnings %q; want credentials and the warning said once only", err, res.Warnings)
	}
	if n := rec.count(engine.EventWarning); n != 1 {
		t.Errorf("%d warnings, want 1", n)
	}
	if st := e.Status(); st.CacheFile != "" {
		t.Errorf("Status names a cache file: %q", st.CacheFile)
	}
}
