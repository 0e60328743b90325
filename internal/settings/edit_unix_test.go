//go:build unix

package settings

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckInProject: links inside the project are fine; a link of the
// .claude folder or of the file, dangling or not, relative or absolute,
// that leads out of it is refused, and so is a loop.
func TestCheckInProject(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links map[string]string // link (relative to the repo) → target ("$out" is the outside folder)
		want  error             // nil, ErrOutsideProject, or errAny
	}{
		{"no links", nil, nil},
		{"no .claude yet", map[string]string{}, nil},
		{"file inside", map[string]string{".claude/settings.json": "../config.json"}, nil},
		{"dangling inside", map[string]string{".claude/settings.json": "../missing/config.json"}, nil},
		{".claude inside", map[string]string{".claude": "shared"}, nil},
		{"file outside", map[string]string{".claude/settings.json": "$out/victim.json"}, ErrOutsideProject},
		{"file outside, relative", map[string]string{".claude/settings.json": "../../out/victim.json"}, ErrOutsideProject},
		{"dangling outside", map[string]string{".claude/settings.json": "$out/new.json"}, ErrOutsideProject},
		{"dangling chain outside", map[string]string{".claude/settings.json": "next", ".claude/next": "$out/new.json"}, ErrOutsideProject},
		{".claude outside", map[string]string{".claude": "$out"}, ErrOutsideProject},
		{"loop", map[string]string{".claude/settings.json": "settings.json"}, errAny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := t.TempDir()
			repo, out := filepath.Join(top, "repo"), filepath.Join(top, "out")
			for _, d := range []string{repo, out, filepath.Join(repo, "shared")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if tc.links != nil && tc.links[".claude"] == "" {
				if err := os.Mkdir(filepath.Join(repo, ".claude"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for link, target := range tc.links {
				if target[0] == '$' {
					target = filepath.Join(out, target[len("$out"):])
				}
				if err := os.Symlink(target, filepath.Join(repo, link)); err != nil {
					t.Fatal(err)
				}
			}
			// The root reached through a link is the same root.
			via := filepath.Join(top, "via")
			if err := os.Symlink(repo, via); err != nil {
				t.Fatal(err)
			}
			for _, root := range []string{repo, via} {
				err := CheckInProject(root, filepath.Join(root, ".claude", "settings.json"))
				switch {
				case tc.want == errAny && err == nil:
					t.Errorf("root %s: accepted", root)
				case tc.want == errAny:
				case !errors.Is(err, tc.want):
					t.Errorf("root %s: err = %v, want %v", root, err, tc.want)
				}
			}
		})
	}
}

var errAny = errors.New("any error")
