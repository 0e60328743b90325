package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSuggestProfile(t *testing.T) {
	known := []string{"default", "dev", "prod", "staging-admin"}
	for _, tc := range []struct{ name, want string }{
		{"devv", "dev"},
		{"dve", "dev"},
		{"Dev", "dev"},
		{"prd", "prod"},
		{"staging", "staging-admin"}, // prefix
		{"stagingadmin", "staging-admin"},
		{"defualt", "default"},
		{"xyz", ""},
		{"dev", ""}, // exists: nothing to suggest
		{"", ""},
	} {
		if got := SuggestProfile(tc.name, known); got != tc.want {
			t.Errorf("SuggestProfile(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := SuggestProfile("dev", nil); got != "" {
		t.Errorf("no known profiles: got %q", got)
	}
}

func TestProfileNotFoundError(t *testing.T) {
	home := t.TempDir()
	config := filepath.Join(home, "config")
	creds := filepath.Join(home, "credentials")
	if err := os.WriteFile(config, []byte("[profile dev]\nregion = us-east-1\n[sso-session corp]\nsso_start_url = https://x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("[prod]\naws_access_key_id = AKIAEXAMPLE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	e := NewProfileNotFoundError("devv")
	want := `profile "devv" does not exist; did you mean "dev"? (profiles: dev, prod)`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}

	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "none"))
	if msg := NewProfileNotFoundError("dev").Error(); !strings.Contains(msg, "define no profile") || strings.Contains(msg, "did you mean") {
		t.Errorf("no files: %s", msg)
	}
}
