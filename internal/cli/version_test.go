package cli

import (
	"runtime/debug"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	t.Parallel()
	vcs := func(rev, at, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "fa59d9194df9df2cf1b2fc574d22a61e981fd4c6"
	tests := []struct {
		name string
		set  string
		bi   *debug.BuildInfo
		want string
	}{
		{"set with -ldflags", "v1.4.0", &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "v1.4.0"},
		{"no build information", "dev", nil, "dev"},
		{"go install of a release", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "v1.3.0"},
		{"go build in a clone: the pseudo-version names the commit", "dev",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202050625-fa59d9194df9+dirty"}, Settings: vcs(rev, "2026-12-02T05:06:25Z", "true")},
			"v0.0.0-20261202050625-fa59d9194df9+dirty"},
		{"no module version, a revision", "dev",
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "2026-12-02T05:06:25Z", "true")},
			"dev (fa59d9194df9+dirty 2026-12-02T05:06:25Z)"},
		{"neither", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := versionFrom(tt.set, tt.bi); got != tt.want {
				t.Errorf("versionFrom = %q, want %q", got, tt.want)
			}
		})
	}
}
