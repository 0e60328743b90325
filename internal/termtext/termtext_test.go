package termtext

import "testing"

func TestEscape(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"dev", "dev"},
		{"", ""},
		{"café/über", "café/über"},
		{`C:\Users\me`, `C:\Users\me`},
		{"dev\x1b]0;owned\x07\x1b[2J", `dev\x1b]0;owned\x07\x1b[2J`},
		{"a\tb\nc\rd", `a\tb\nc\rd`},
		{"del\x7f", `del\x7f`},
		{"nul\x00", `nul\x00`},
		{"csi\u009b2J", `csi\u009b2J`},
		{"raw c1 byte \x9b", `raw c1 byte \x9b`},
		{"bad utf8 \xff\xfe", `bad utf8 \xff\xfe`},
		{"rtl \u202egnp.exe", `rtl \u202egnp.exe`},
		{"isolate \u2066x\u2069", `isolate \u2066x\u2069`},
		{"ls \u2028", `ls \u2028`},
	} {
		got := Escape(tt.in)
		if got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := Escape(got); again != got {
			t.Errorf("Escape is not idempotent on %q: %q", got, again)
		}
		for _, r := range got {
			if NeedsEscape(r) {
				t.Errorf("Escape(%q) = %q still holds %U", tt.in, got, r)
			}
		}
	}
}

func TestEscapeLines(t *testing.T) {
	if got, want := EscapeLines("one\x1b[2J\ntwo\tx\n"), "one\\x1b[2J\ntwo\\tx\n"; got != want {
		t.Errorf("EscapeLines = %q, want %q", got, want)
	}
}
