package source

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

func TestSuggestProfile(t *testing.T) {
	t.Parallel()
	names := []string{"default", "dev", "dev-admin", "prod", "staging"}
	tests := []struct{ name, want string }{
		{"dve", "dev"},         // two letters swapped
		{"prd", "prod"},        // one left out
		{"Prod", "prod"},       // case
		{"stagign", "staging"}, // swap in a longer name
		{"dev-adm", "dev-admin"},
		{"stag", "staging"},    // the only name it starts
		{"devv", "dev"},        // one added
		{"defualt", "default"}, // a swap in the middle
		{"dev", ""},            // it exists: nothing to suggest
		{"nosuch", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := SuggestProfile(tt.name, names); got != tt.want {
			t.Errorf("SuggestProfile(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestProfileNamesAndNotFound(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\n[profile dev]\nsso_session = corp\n[sso-session corp]\nsso_region = us-east-1\n[services s3]\n"), 0o600)
	os.WriteFile(creds, []byte("[static]\naws_access_key_id = x\n"), 0o600)
	opts := []func(*config.LoadOptions) error{config.WithSharedConfigFiles([]string{cfg}), config.WithSharedCredentialsFiles([]string{creds})}
	names, err := ProfileNames(opts...)
	if err != nil || !slices.Equal(names, []string{"default", "dev", "static"}) {
		t.Errorf("ProfileNames = %v, %v", names, err)
	}
	nf := ProfileNotFound("stati", opts...)
	if want := `profile "stati" is not in ` + cfg + ` or ` + creds + ` (profiles: default, dev, static)`; nf.Error() != want || nf.Suggestion != "static" {
		t.Errorf("ProfileNotFound = %q (suggestion %q), want %q", nf.Error(), nf.Suggestion, want)
	}
	none := ProfileNotFound("x", config.WithSharedConfigFiles([]string{filepath.Join(dir, "no")}), config.WithSharedCredentialsFiles([]string{filepath.Join(dir, "nope")}))
	if !none.NoFiles || len(none.Known) != 0 {
		t.Errorf("no files: %+v", none)
	}
}
