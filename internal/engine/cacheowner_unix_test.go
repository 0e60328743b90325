//go:build unix

package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

// plantedKey is the access key id a planted cache record holds.
const plantedKey = "ASIATESTKEY000000666"

// chownToNobody gives path to another user, uid 65534 (nobody), or
// skips the test when this user cannot (only root can).
func chownToNobody(t *testing.T, path string) {
	t.Helper()
	other := 65534
	if os.Geteuid() == other {
		other-- // the tests run as nobody
	}
	if err := os.Chown(path, other, other); err != nil {
		testtools.Skip(t, "cannot give a file to another user (needs root): "+err.Error())
	}
}

// plant replaces w's record with one holding plantedKey, and returns it.
func plant(t *testing.T, w warm) []byte {
	t.Helper()
	planted := editJSON(credField("accessKeyId", plantedKey))(t, w.data)
	if err := os.WriteFile(w.file, planted, 0o600); err != nil {
		t.Fatal(err)
	}
	return planted
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func hasWarning(ws []string, part string) bool {
	for _, w := range ws {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// TestCacheRecordNotOwnIgnored: a cache record someone else could have
// written (another user's file, one others can write, a symbolic link),
// in a directory that is the user's or that others could write, is never
// served, shown or trusted: it is ignored with a warning and rewritten.
// A directory of the user's that others can write is made private.
func TestCacheRecordNotOwnIgnored(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		dirMode os.FileMode
		plant   func(t *testing.T, file string) // makes file, holding the planted record, untrusted
		warning string
	}{
		{"others can write the file", 0o700, func(t *testing.T, file string) { chmod(t, file, 0o666) }, "others can write it"},
		{"its group can write the file", 0o700, func(t *testing.T, file string) { chmod(t, file, 0o620) }, "others can write it"},
		{"the file is another user's", 0o700, func(t *testing.T, file string) { chmod(t, file, 0o644); chownToNobody(t, file) }, "belongs to another user"},
		{"the file is a link", 0o700, func(t *testing.T, file string) {
			elsewhere := filepath.Join(t.TempDir(), "planted.json")
			if err := os.Rename(file, elsewhere); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(elsewhere, file); err != nil {
				t.Fatal(err)
			}
		}, "symbolic link"},
		{"others can write the directory and the file", 0o777, func(t *testing.T, file string) { chmod(t, file, 0o666) }, "others can write it"},
		{"others can write the directory, the file is another user's", 0o777, func(t *testing.T, file string) { chmod(t, file, 0o644); chownToNobody(t, file) }, "belongs to another user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := warmCache(t)
			e, src, dir, file := w.e, w.src, w.dir, w.file
			plant(t, w)
			chmod(t, dir, tc.dirMode)
			tc.plant(t, file)

			if c, ok := e.Cached(); ok || c.AccessKeyID == plantedKey {
				t.Errorf("Cached() trusts the planted record: %v, fresh %v", c, ok)
			}
			if st := e.Status(); st.Credentials != nil {
				t.Errorf("Status shows the planted record: %+v", st.Credentials)
			}
			res, err := e.Credentials(t.Context())
			assertResultClean(t, res, err)
			if err != nil {
				t.Fatal(err)
			}
			if res.FromCache || res.Credentials.AccessKeyID == plantedKey || src.Calls() != 2 {
				t.Errorf("served %s (FromCache %v, source calls %d); want the source's second credentials",
					creds.MaskKeyID(res.Credentials.AccessKeyID), res.FromCache, src.Calls())
			}
			if !hasWarning(res.Warnings, "ignoring the cache file") || !hasWarning(res.Warnings, tc.warning) {
				t.Errorf("warnings %q; want one ignoring the cache file because %s", res.Warnings, tc.warning)
			}
			if tc.dirMode != 0o700 && !hasWarning(res.Warnings, "made it private") {
				t.Errorf("warnings %q; want one saying the directory was made private", res.Warnings)
			}
			if m := mode(t, dir); m != 0o700 {
				t.Errorf("cache directory mode %04o, want 0700", m)
			}
			// Rewritten: the user's own private file, trusted again.
			if fi, err := os.Lstat(file); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
				t.Errorf("cache file not rewritten as a private regular file: %v %v", fi.Mode(), err)
			}
			res, err = e.Credentials(t.Context())
			if err != nil || !res.FromCache || src.Calls() != 2 || len(res.Warnings) != 0 {
				t.Errorf("after the rewrite: err %v, FromCache %v, source calls %d, warnings %q; want served from the cache, silently", err, res.FromCache, src.Calls(), res.Warnings)
			}
		})
	}
}

// TestCacheDirOthersCanWriteMadePrivate: the user's own cache directory
// that others can write is made private, with a warning, and the user's
// own record in it is served.
func TestCacheDirOthersCanWriteMadePrivate(t *testing.T) {
	t.Parallel()
	w := warmCache(t)
	e, src, dir := w.e, w.src, w.dir
	chmod(t, dir, 0o777)
	if _, ok := e.Cached(); ok {
		t.Error("Cached() trusts a directory others can write")
	}
	res, err := e.Credentials(t.Context())
	if err != nil || !res.FromCache || src.Calls() != 1 {
		t.Fatalf("err %v, FromCache %v, source calls %d; want the user's own record served", err, res.FromCache, src.Calls())
	}
	if !hasWarning(res.Warnings, "made it private (0700)") {
		t.Errorf("warnings %q; want one saying the directory was made private", res.Warnings)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("cache directory mode %04o, want 0700", m)
	}
	if _, ok := e.Cached(); !ok {
		t.Error("Cached() does not trust the directory made private")
	}
}

// TestCacheDirOfAnotherUserNotUsed: a cache directory another user owns
// is not used at all (neither read nor written nor changed): the engine
// goes on without a cache, with a warning.
func TestCacheDirOfAnotherUserNotUsed(t *testing.T) {
	t.Parallel()
	w := warmCache(t)
	e, src, dir, file := w.e, w.src, w.dir, w.file
	planted := plant(t, w)
	chownToNobody(t, file)
	chownToNobody(t, dir)
	chmod(t, dir, 0o755)

	if st := e.Status(); st.Credentials != nil {
		t.Errorf("Status shows a record of another user's directory: %+v", st.Credentials)
	}
	for i := 1; i <= 2; i++ {
		res, err := e.Credentials(t.Context())
		assertResultClean(t, res, err)
		if err != nil {
			t.Fatal(err)
		}
		if res.FromCache || res.Credentials.AccessKeyID == plantedKey || src.Calls() != i+1 {
			t.Errorf("call %d: FromCache %v, source calls %d; want retrieved", i, res.FromCache, src.Calls())
		}
		if !hasWarning(res.Warnings, "belongs to another user") || !hasWarning(res.Warnings, "continuing without cache") {
			t.Errorf("call %d: warnings %q; want the directory refused", i, res.Warnings)
		}
	}
	if m := mode(t, dir); m != 0o755 {
		t.Errorf("another user's directory was changed: mode %04o", m)
	}
	if got, err := os.ReadFile(file); err != nil || string(got) != string(planted) {
		t.Errorf("the file in another user's directory was changed (%v)", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 { // the record and the lock from before
		t.Errorf("files written to another user's directory: %d entries", len(ents))
	}
}

func chmod(t *testing.T, path string, m os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, m); err != nil {
		t.Fatal(err)
	}
}
