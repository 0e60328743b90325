package settings

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var claudeEdits = []Edit{
	{Path: []string{"awsAuthRefresh"}, Value: "awsfresh refresh --profile dev"},
	{Path: []string{"awsCredentialExport"}, Value: "awsfresh export --profile dev --format claude"},
	{Path: []string{"env", "CLAUDE_CODE_USE_BEDROCK"}, Value: "1"},
	{Path: []string{"env", "AWS_REGION"}, Value: "us-east-1"},
}

func TestApplyEdits(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{
			name: "empty file",
			in:   "",
			want: "{\n  \"awsAuthRefresh\": \"awsfresh refresh --profile dev\",\n  \"awsCredentialExport\": \"awsfresh export --profile dev --format claude\",\n  \"env\": {\n    \"CLAUDE_CODE_USE_BEDROCK\": \"1\",\n    \"AWS_REGION\": \"us-east-1\"\n  }\n}\n",
		},
		{
			name: "empty object",
			in:   "{}",
			want: "{\n  \"awsAuthRefresh\": \"awsfresh refresh --profile dev\",\n  \"awsCredentialExport\": \"awsfresh export --profile dev --format claude\",\n  \"env\": {\n    \"CLAUDE_CODE_USE_BEDROCK\": \"1\",\n    \"AWS_REGION\": \"us-east-1\"\n  }\n}",
		},
		{
			name: "four spaces, other keys first and last, existing env and command",
			in: `{
    "theme": "dark",
    "awsAuthRefresh": "aws sso login --profile dev",
    "env": {
        "FOO": "bar"
    },
    "permissions": {"allow": ["Bash(ls:*)"]}
}
`,
			want: `{
    "theme": "dark",
    "awsAuthRefresh": "awsfresh refresh --profile dev",
    "env": {
        "FOO": "bar",
        "CLAUDE_CODE_USE_BEDROCK": "1",
        "AWS_REGION": "us-east-1"
    },
    "permissions": {"allow": ["Bash(ls:*)"]},
    "awsCredentialExport": "awsfresh export --profile dev --format claude"
}
`,
		},
		{
			name: "tabs, no env",
			in:   "{\n\t\"model\": \"opus\",\n\t\"x\": [1, {\"y\": \"}\"}]\n}\n",
			want: "{\n\t\"model\": \"opus\",\n\t\"x\": [1, {\"y\": \"}\"}],\n\t\"awsAuthRefresh\": \"awsfresh refresh --profile dev\",\n\t\"awsCredentialExport\": \"awsfresh export --profile dev --format claude\",\n\t\"env\": {\n\t\t\"CLAUDE_CODE_USE_BEDROCK\": \"1\",\n\t\t\"AWS_REGION\": \"us-east-1\"\n\t}\n}\n",
		},
		{
			name: "one line, compact",
			in:   `{"model":"opus","env":{"A":"1"}}`,
			want: `{"model":"opus","env":{"A":"1","CLAUDE_CODE_USE_BEDROCK":"1","AWS_REGION":"us-east-1"},"awsAuthRefresh":"awsfresh refresh --profile dev","awsCredentialExport":"awsfresh export --profile dev --format claude"}`,
		},
		{
			name: "one line, spaced",
			in:   `{ "model": "opus", "a": 1 }`,
			want: `{ "model": "opus", "a": 1, "awsAuthRefresh": "awsfresh refresh --profile dev", "awsCredentialExport": "awsfresh export --profile dev --format claude", "env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1"} }`,
		},
		{
			name: "CRLF and an empty env",
			in:   "{\r\n  \"env\": {},\r\n  \"model\": \"opus\"\r\n}\r\n",
			want: "{\r\n  \"env\": {\r\n    \"CLAUDE_CODE_USE_BEDROCK\": \"1\",\r\n    \"AWS_REGION\": \"us-east-1\"\r\n  },\r\n  \"model\": \"opus\",\r\n  \"awsAuthRefresh\": \"awsfresh refresh --profile dev\",\r\n  \"awsCredentialExport\": \"awsfresh export --profile dev --format claude\"\r\n}\r\n",
		},
		{
			name: "duplicate key: the last one is the one that counts",
			in:   "{\n  \"awsAuthRefresh\": \"first\",\n  \"awsAuthRefresh\": \"second\",\n  \"awsCredentialExport\": \"x\",\n  \"env\": {\"AWS_REGION\": 5, \"CLAUDE_CODE_USE_BEDROCK\": true}\n}",
			want: "{\n  \"awsAuthRefresh\": \"first\",\n  \"awsAuthRefresh\": \"awsfresh refresh --profile dev\",\n  \"awsCredentialExport\": \"awsfresh export --profile dev --format claude\",\n  \"env\": {\"AWS_REGION\": \"us-east-1\", \"CLAUDE_CODE_USE_BEDROCK\": \"1\"}\n}",
		},
		{
			name: "byte order mark and escaped keys",
			in:   "\ufeff{\n  \"\\u0065nv\": {\n    \"AWS_REGION\": \"eu-west-1\"\n  }\n}\n",
			want: "\ufeff{\n  \"\\u0065nv\": {\n    \"AWS_REGION\": \"us-east-1\",\n    \"CLAUDE_CODE_USE_BEDROCK\": \"1\"\n  },\n  \"awsAuthRefresh\": \"awsfresh refresh --profile dev\",\n  \"awsCredentialExport\": \"awsfresh export --profile dev --format claude\"\n}\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ApplyEdits("s.json", []byte(tc.in), claudeEdits)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			again, err := ApplyEdits("s.json", got, claudeEdits)
			if err != nil || string(again) != string(got) {
				t.Errorf("applying the same edits again changed the file (%v):\n%s", err, again)
			}
			fs, err := Parse("s.json", got)
			if err != nil {
				t.Fatal(err)
			}
			if fs.AuthRefresh != claudeEdits[0].Value || fs.Env["AWS_REGION"] != "us-east-1" || fs.Env["CLAUDE_CODE_USE_BEDROCK"] != "1" {
				t.Errorf("parsed result: %+v", fs)
			}
		})
	}
}

func TestApplyEditsEscapes(t *testing.T) {
	got, err := ApplyEdits("s.json", []byte(`{}`), []Edit{{Path: []string{"awsAuthRefresh"}, Value: `a && b "q" <x>`}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"a && b \"q\" <x>"`) {
		t.Errorf("got %s", got)
	}
}

func TestApplyEditsRefusesBadFiles(t *testing.T) {
	_, err := ApplyEdits("/p/settings.json", []byte("{\n  \"env\": {,}\n}\n"), claudeEdits)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 2 || se.Column != 11 || !strings.HasPrefix(err.Error(), "settings: /p/settings.json:2:11: ") {
		t.Errorf("got %v", err)
	}
	_, err = ApplyEdits("s.json", []byte(`{"env": "x"}`), claudeEdits)
	var te *TypeError
	if !errors.As(err, &te) {
		t.Errorf("env as a string: got %v", err)
	}
	_, err = ApplyEdits("s.json", []byte(`[]`), claudeEdits)
	if !errors.As(err, &te) {
		t.Errorf("an array: got %v", err)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "settings.json")
	backup, err := WriteFile(path, []byte("{}\n"), 0o600)
	if err != nil || backup != "" {
		t.Fatalf("new file: %q, %v", backup, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode())
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	backup, err = WriteFile(path, []byte(`{"a": 1}`), 0o600)
	if err != nil || backup != path+".bak" {
		t.Fatalf("replace: %q, %v", backup, err)
	}
	if data, _ := os.ReadFile(backup); string(data) != "{}\n" {
		t.Errorf("backup holds %q", data)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o640 {
		t.Errorf("mode not kept: %v", info.Mode())
	}

	// A symbolic link (dotfiles) stays a link; its target is written.
	real := filepath.Join(dir, "dotfiles", "claude.json")
	if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(link, []byte(`{"b": 2}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced by a file")
	}
	if data, _ := os.ReadFile(real); string(data) != `{"b": 2}` {
		t.Errorf("target holds %q", data)
	}
	if data, _ := os.ReadFile(real + ".bak"); string(data) != "{}" {
		t.Errorf("target backup holds %q", data)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "sub"))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
