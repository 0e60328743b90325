package engine_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
)

func TestCacheWarmHit(t *testing.T) {
	t.Parallel()
	clk := newClock()
	dir := filepath.Join(t.TempDir(), "cache")
	first := tempCreds(1, clk.Now().Add(time.Hour))
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, CacheDir: dir, Now: clk.Now})

	res, err := e.Credentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.FromCache || src.Calls() != 1 {
		t.Fatalf("cold call: FromCache=%v, source calls=%d; want false, 1", res.FromCache, src.Calls())
	}
	wantCreds(t, res.Credentials, first)

	res, err = e.Credentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !res.FromCache || src.Calls() != 1 {
		t.Errorf("warm call: FromCache=%v, source calls=%d; want true, 1", res.FromCache, src.Calls())
	}
	wantCreds(t, res.Credentials, first)

	// Another Engine (another process) with the same directory and source
	// key reads the same file.
	src2 := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(100+n, clk.Now().Add(time.Hour)), nil }}
	e2, _ := newEngine(t, engine.Options{Source: src2, CacheDir: dir, Now: clk.Now})
	res, err = e2.Credentials(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !res.FromCache || src2.Calls() != 0 {
		t.Errorf("second engine: FromCache=%v, source calls=%d; want true, 0", res.FromCache, src2.Calls())
	}
	wantCreds(t, res.Credentials, first)

	if c, ok := e2.Cached(); !ok {
		t.Errorf("Cached() = _, false; want the cached credentials as fresh")
	} else {
		wantCreds(t, c, first)
	}

	// Permissions: 0700 directory, 0600 files, no temporary file left.
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("cache directory mode = %o, want 700", perm)
	}
	assertCacheDirClean(t, dir)
}

// assertCacheDirClean checks that dir holds only 0600 regular files and no
// leftover temporary file.
func assertCacheDirClean(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) == 0 {
		t.Fatalf("cache directory %s is empty", dir)
	}
	for _, ent := range ents {
		fi, err := ent.Info()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(ent.Name(), ".tmp") || strings.Contains(ent.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", ent.Name())
		}
		if !fi.Mode().IsRegular() {
			t.Errorf("%s is not a regular file (%v)", ent.Name(), fi.Mode())
			continue
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s mode = %o, want 600", ent.Name(), perm)
		}
	}
}

func TestCacheDisabled(t *testing.T) {
	t.Parallel()
	clk := newClock()
	dir := filepath.Join(t.TempDir(), "cache")
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, CacheDir: dir, DisableCache: true, Now: clk.Now})
	for i := 1; i <= 2; i++ {
		res, err := e.Credentials(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if res.FromCache || src.Calls() != i {
			t.Errorf("call %d: FromCache=%v, source calls=%d; want false, %d", i, res.FromCache, src.Calls(), i)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("DisableCache created %s (stat: %v)", dir, err)
	}
}

// editJSON rewrites one field of the cache file's JSON.
func editJSON(edit func(m map[string]any)) func(t *testing.T, data []byte) []byte {
	return func(t *testing.T, data []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("cache file is not JSON: %v", err)
		}
		edit(m)
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

func credField(field string, v any) func(m map[string]any) {
	return func(m map[string]any) { m["credentials"].(map[string]any)[field] = v }
}

// warm is an engine whose cache holds one record: the source's first
// credentials, expiring in an hour.
type warm struct {
	e    *engine.Engine
	src  *fakeSource
	clk  *fakeClock
	dir  string // the cache directory
	file string // the record
	data []byte // its content
}

func warmCache(t *testing.T) warm {
	t.Helper()
	w := warm{clk: newClock(), dir: filepath.Join(t.TempDir(), "cache")}
	w.src = &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, w.clk.Now().Add(time.Hour)), nil }}
	w.e, _ = newEngine(t, engine.Options{Source: w.src, CacheDir: w.dir, Now: w.clk.Now})
	if _, err := w.e.Credentials(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.file = cacheFile(t, w.dir)
	var err error
	if w.data, err = os.ReadFile(w.file); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestCacheCorruptFileIgnoredAndRewritten(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(t *testing.T, data []byte) []byte
	}{
		{"garbage", func(*testing.T, []byte) []byte { return []byte("\x00\x01 this is not JSON {{{") }},
		{"truncated", func(_ *testing.T, data []byte) []byte { return data[:len(data)/2] }},
		{"empty file", func(*testing.T, []byte) []byte { return nil }},
		{"JSON null", func(*testing.T, []byte) []byte { return []byte("null") }},
		{"wrong version", editJSON(func(m map[string]any) { m["version"] = 99 })},
		{"no version", editJSON(func(m map[string]any) { delete(m, "version") })},
		{"other profile", editJSON(func(m map[string]any) { m["profile"] = "someone-else" })},
		{"empty access key id", editJSON(credField("accessKeyId", ""))},
		{"empty secret", editJSON(credField("secretAccessKey", ""))},
		{"credentials not an object", editJSON(func(m map[string]any) { m["credentials"] = "ASIA" })},
		{"expiration not a time", editJSON(credField("expiration", "tomorrow"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := warmCache(t)
			e, src, clk, dir, file := w.e, w.src, w.clk, w.dir, w.file
			if err := os.WriteFile(file, tt.mutate(t, w.data), 0o600); err != nil {
				t.Fatal(err)
			}
			if c, ok := e.Cached(); ok {
				t.Errorf("Cached() trusts the damaged file: %v", c)
			}

			res, err := e.Credentials(t.Context())
			assertResultClean(t, res, err)
			if err != nil {
				t.Fatalf("Credentials with a damaged cache file: %v", err)
			}
			if res.FromCache || src.Calls() != 2 {
				t.Errorf("FromCache=%v, source calls=%d; want false, 2 (the damaged file must be ignored)", res.FromCache, src.Calls())
			}
			wantCreds(t, res.Credentials, tempCreds(2, clk.Now().Add(time.Hour)))

			// The file was rewritten, valid, with the new credentials.
			data, err := os.ReadFile(cacheFile(t, dir))
			if err != nil {
				t.Fatal(err)
			}
			var rec struct {
				Version     int `json:"version"`
				Credentials struct {
					AccessKeyID string `json:"accessKeyId"`
				} `json:"credentials"`
			}
			if err := json.Unmarshal(data, &rec); err != nil {
				t.Fatalf("cache file not rewritten as valid JSON: %v\n%s", err, data)
			}
			if rec.Version != 1 || rec.Credentials.AccessKeyID != tempCreds(2, time.Time{}).AccessKeyID {
				t.Errorf("rewritten cache: version %d, key %q; want 1, the new key", rec.Version, creds.MaskKeyID(rec.Credentials.AccessKeyID))
			}
			// And it is trusted again.
			res, err = e.Credentials(t.Context())
			if err != nil || !res.FromCache || src.Calls() != 2 {
				t.Errorf("after rewrite: err=%v FromCache=%v calls=%d; want nil, true, 2", err, res.FromCache, src.Calls())
			}
			assertCacheDirClean(t, dir)
		})
	}
}

// TestCacheAtomicReplace rewrites the cache many times while another
// goroutine reads it: every read must see a complete file.
func TestCacheAtomicReplace(t *testing.T) {
	t.Parallel()
	clk := newClock()
	dir := filepath.Join(t.TempDir(), "cache")
	src := &fakeSource{fn: func(n int) (creds.Credentials, error) { return tempCreds(n, clk.Now().Add(time.Hour)), nil }}
	e, _ := newEngine(t, engine.Options{Source: src, CacheDir: dir, Now: clk.Now})
	if _, err := e.Credentials(t.Context()); err != nil {
		t.Fatal(err)
	}
	file := cacheFile(t, dir)

	var stop atomic.Bool
	var reads, bad atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			data, err := os.ReadFile(file)
			reads.Add(1)
			if err != nil || !json.Valid(data) {
				bad.Add(1)
			}
		}
	}()
	const rounds = 40
	for i := range rounds {
		clk.Advance(50 * time.Minute) // 10 minutes left: inside the advisory window
		res, err := e.Credentials(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if res.FromCache {
			t.Fatalf("round %d served from cache inside the advisory window", i)
		}
	}
	stop.Store(true)
	wg.Wait()
	if src.Calls() != rounds+1 {
		t.Errorf("source calls = %d, want %d", src.Calls(), rounds+1)
	}
	if bad.Load() != 0 {
		t.Errorf("%d of %d reads saw a missing or partial cache file", bad.Load(), reads.Load())
	}
	assertCacheDirClean(t, dir)
	ents, _ := os.ReadDir(dir)
	if len(ents) > 2 { // the cache file and the lock file
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("cache directory holds %v; want only the cache and lock files", names)
	}
}

func TestCachePerProfileAndSource(t *testing.T) {
	t.Parallel()
	clk := newClock()
	dir := filepath.Join(t.TempDir(), "cache")
	newSrc := func(key string, base int) *fakeSource {
		return &fakeSource{key: key, fn: func(n int) (creds.Credentials, error) { return tempCreds(base+n, clk.Now().Add(time.Hour)), nil }}
	}
	a := newSrc("k1", 0)
	ea, _ := newEngine(t, engine.Options{Profile: "a/b c", Source: a, CacheDir: dir, Now: clk.Now})
	b := newSrc("k1", 100)
	eb, _ := newEngine(t, engine.Options{Profile: "a_b_c", Source: b, CacheDir: dir, Now: clk.Now})
	c := newSrc("k2", 200)
	ec, _ := newEngine(t, engine.Options{Profile: "a/b c", Source: c, CacheDir: dir, Now: clk.Now})
	for _, e := range []*engine.Engine{ea, eb, ec} {
		if _, err := e.Credentials(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	for i, tc := range []struct {
		e    *engine.Engine
		want creds.Credentials
	}{{ea, tempCreds(1, clk.Now().Add(time.Hour))}, {eb, tempCreds(101, clk.Now().Add(time.Hour))}, {ec, tempCreds(201, clk.Now().Add(time.Hour))}} {
		got, ok := tc.e.Cached()
		if !ok {
			t.Errorf("engine %d: nothing cached", i)
			continue
		}
		wantCreds(t, got, tc.want)
	}
}
