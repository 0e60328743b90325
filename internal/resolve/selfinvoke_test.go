package resolve

import (
	"reflect"
	"testing"
)

func TestInvokesAwsfresh(t *testing.T) {
	const self = "/opt/tools/awsfresh-linux-amd64"
	tests := []struct {
		cmd  string
		want bool
	}{
		{"awsfresh refresh", true},
		{"awsfresh export", true},
		{"/usr/local/bin/awsfresh --profile x export --format claude", true},
		{"AWS_PROFILE=x awsfresh refresh", true},
		{"A=1 B=2 exec env -i C=3 awsfresh refresh --force", true},
		{"env -u AWS_PROFILE awsfresh refresh", true},
		{"exec awsfresh export", true},
		{"command awsfresh refresh", true},
		{`"/Users/me/My Tools/awsfresh" refresh`, true},
		{`'/Users/me/My Tools/awsfresh' --timeout 1m refresh`, true},
		{`/Users/me/My\ Tools/awsfresh refresh`, true},
		{`"C:\Program Files\awsfresh\awsfresh.exe" export --format claude`, true},
		{`C:/tools/AWSFRESH.EXE refresh`, true},
		{"awsfresh --profile=dev refresh", true},
		{"awsfresh --region us-east-1 refresh", true}, // unknown flag value is not a subcommand
		{"awsfresh --profile status refresh", true},   // a profile named status
		{self + " refresh", true},
		{"/opt/tools/./awsfresh-linux-amd64 export", true},
		{"awsfresh refresh 2>&1", true},
		{"sh -c 'awsfresh refresh'", true},
		{"bash -lc \"AWS_PROFILE=x awsfresh export\"", true},
		{"awsfresh refresh; echo done", true},

		{"aws sso login --profile awsfresh", false},
		{"aws sso login --profile refresh", false},
		{"awsfresh demo", false},
		{"awsfresh status --line", false},
		{"awsfresh", false},
		{"awsfresh exec -- make export", false},
		{"awsfresh --profile refresh status", false},
		{"awsfresh-helper refresh", false},
		{"/opt/tools/awsfresh-linux-amd64 refresh", true},
		{"/opt/tools/awsfresh-linux-arm64 refresh", false},
		{"echo awsfresh refresh", false},
		{"echo x; awsfresh refresh", false}, // only the first simple command
		{"'awsfresh refresh'", false},       // one word: no such program
		{"", false},
		{"   ", false},
		{"# awsfresh refresh", false},
		{"AWS_PROFILE=x", false},
		{"sh -c 'aws sso login'", false},
		{"sh script.sh awsfresh refresh", false},
		{`"unterminated awsfresh refresh`, false},
	}
	for _, tt := range tests {
		if got := InvokesAwsfresh(tt.cmd, self); got != tt.want {
			t.Errorf("InvokesAwsfresh(%q) = %v, want %v", tt.cmd, got, tt.want)
		}
	}
	if InvokesAwsfresh("/opt/tools/awsfresh-linux-amd64 refresh", "") {
		t.Error("empty self matched")
	}
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`a b  c`, []string{"a", "b", "c"}},
		{`'a b' "c d" e\ f`, []string{"a b", "c d", "e f"}},
		{`"a\"b\\c\$d\x"`, []string{`a"b\c$d\x`}},
		{`x'y'"z"`, []string{"xyz"}},
		{`'' ""`, []string{"", ""}},
		{"a && b", []string{"a"}},
		{"a | b", []string{"a"}},
		{"a\nb", []string{"a"}},
		{"a \\\nb", []string{"a", "b"}},
		{"a>out b", []string{"a", "out", "b"}},
		{"a#b #c", []string{"a#b"}},
	}
	for _, tt := range tests {
		if got := shellWords(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("shellWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
