package engine

import (
	"regexp"
	"testing"
)

// TestSafeName: cache file names stay what they were when a regular
// expression made them, so existing caches are still found.
func TestSafeName(t *testing.T) {
	was := regexp.MustCompile(`[^A-Za-z0-9._-]+`)
	for _, profile := range []string{"", "dev", "my-profile_1.2", "a b", "a  /\\b", "prod:eu/west", "été", "x\xff\xfey", "日本語", "../..", "ok-"} {
		if got, want := safeName(profile), was.ReplaceAllString(profile, "_"); got != want {
			t.Errorf("safeName(%q) = %q, want %q", profile, got, want)
		}
	}
}
