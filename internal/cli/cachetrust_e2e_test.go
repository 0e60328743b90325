//go:build unix

package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/simaws"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

// TestCachePlantedByOthersIgnored: with the cache directory opened to
// everyone and its record replaced by someone else's (another user's file,
// or one anyone can write) holding other keys, valid for hours, export
// prints the user's own credentials, not the planted ones, and says why;
// status never shows the planted ones. The directory is made private and
// the record rewritten.
func TestCachePlantedByOthersIgnored(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		plant   func(t *testing.T, file string)
		warning string
	}{
		{"anyone can write the record", func(t *testing.T, file string) {
			if err := os.Chmod(file, 0o666); err != nil {
				t.Fatal(err)
			}
		}, "others can write it"},
		{"the record is another user's", func(t *testing.T, file string) {
			if err := os.Chmod(file, 0o644); err != nil {
				t.Fatal(err)
			}
			other := 65534 // nobody
			if os.Geteuid() == other {
				other--
			}
			if err := os.Chown(file, other, other); err != nil {
				testtools.Skip(t, "cannot give a file to another user (needs root): "+err.Error())
			}
		}, "belongs to another user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSimSandbox(t, simaws.Options{})
			key, secret := s.staticProfile(t, "dev", "us-east-1")
			parseExport(t, s.run("export", "--profile", "dev"))

			dir := filepath.Join(s.home, ".cache", "awsfresh")
			files, err := filepath.Glob(filepath.Join(dir, "*.json"))
			if err != nil || len(files) != 1 {
				t.Fatalf("cache files %v (%v); want one", files, err)
			}
			file := files[0]
			var rec map[string]any
			if err := json.Unmarshal([]byte(readFile(t, file)), &rec); err != nil {
				t.Fatal(err)
			}
			const plantedKey, plantedSecret = "ASIAPLANTEDPLANTED00", "plantedSecretPlantedSecretPlantedSecret00"
			rec["credentials"] = map[string]any{
				"accessKeyId": plantedKey, "secretAccessKey": plantedSecret, "sessionToken": "plantedToken",
				"expiration": time.Now().Add(5 * time.Hour).UTC(), "obtainedAt": time.Now().UTC(),
			}
			data, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o777); err != nil {
				t.Fatal(err)
			}
			tc.plant(t, file)

			st := s.run("status", "--profile", "dev", "--json")
			if st.code != 0 || strings.Contains(st.stdout, "ASIA…ED00") || strings.Contains(st.stdout, `"state"`) {
				t.Errorf("status shows the planted credentials:\n%s", st)
			}

			r := s.run("export", "--profile", "dev", "--format", "claude")
			if r.code != 0 {
				t.Fatalf("export:\n%s", r)
			}
			if strings.Contains(r.stdout, plantedKey) || strings.Contains(r.stdout, plantedSecret) {
				t.Fatalf("export printed the planted credentials:\n%s", r)
			}
			// Long-term keys exchanged for temporary ones: the user's.
			if arn := s.acceptedBySTS(t, parseExport(t, r)); !strings.Contains(arn, "user-dev") {
				t.Errorf("export printed credentials of %s, not the user's", arn)
			}
			for _, want := range []string{"made it private", "ignoring the cache file", tc.warning} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r)
				}
			}
			assertNoSecret(t, r, secret, plantedSecret)
			if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("the cache directory was not made private: %v %v", fi.Mode(), err)
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 || strings.Contains(readFile(t, file), plantedKey) {
				t.Errorf("the planted record was not rewritten: %v %v", fi.Mode(), err)
			}

			// Trusted again: served from the cache, silently.
			r = s.run("export", "--profile", "dev")
			if c := parseExport(t, r); c.AccessKeyID != key || r.stderr != "" {
				t.Errorf("after the rewrite:\n%s", r)
			}
			if st := s.run("status", "--profile", "dev"); !strings.Contains(st.stdout, "Credentials:  valid") {
				t.Errorf("status after the rewrite:\n%s", st)
			}
		})
	}
}
