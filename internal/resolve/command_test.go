package resolve

import "testing"

func TestParseAwsfreshCommand(t *testing.T) {
	for _, tc := range []struct {
		line string
		ok   bool
		want AwsfreshCommand
	}{
		{"awsfresh refresh --profile dev", true, AwsfreshCommand{Subcommand: "refresh", Profile: "dev"}},
		{"awsfresh export --profile 'my dev' --format claude", true, AwsfreshCommand{Subcommand: "export", Profile: "my dev", Format: "claude"}},
		{"/opt/bin/awsfresh --profile=dev export --format=claude", true, AwsfreshCommand{Subcommand: "export", Profile: "dev", Format: "claude"}},
		{"awsfresh --timeout 90s --settings refresh.json login", true, AwsfreshCommand{Subcommand: "login"}},
		{"env AWS_REGION=eu-west-1 awsfresh refresh", true, AwsfreshCommand{Subcommand: "refresh"}},
		{"sh -c 'awsfresh export --profile p'", true, AwsfreshCommand{Subcommand: "export", Profile: "p"}},
		{"/self/bin/tool refresh --profile x", true, AwsfreshCommand{Subcommand: "refresh", Profile: "x"}},
		{"awsfresh refresh --profile dev --command 'saml2aws login --skip-prompt'", true, AwsfreshCommand{Subcommand: "refresh", Profile: "dev", Command: "saml2aws login --skip-prompt"}},
		{"awsfresh export --command=x.sh", true, AwsfreshCommand{Subcommand: "export", Command: "x.sh"}},
		{"aws sso login --profile dev", false, AwsfreshCommand{}},
		{"", false, AwsfreshCommand{}},
	} {
		got, ok := ParseAwsfreshCommand(tc.line, "/self/bin/tool")
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseAwsfreshCommand(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCommandProgram(t *testing.T) {
	for line, want := range map[string]string{
		"aws sso login --profile dev":              "aws",
		"FOO=1 exec /usr/local/bin/granted sso":    "/usr/local/bin/granted",
		"env -u X AWS_PROFILE=dev aws-vault login": "aws-vault",
		"bash -lc 'saml2aws login --skip-prompt'":  "saml2aws",
		"'my tool' --x":                            "my tool",
		"":                                         "",
		"   ":                                      "",
	} {
		if got := CommandProgram(line); got != want {
			t.Errorf("CommandProgram(%q) = %q, want %q", line, got, want)
		}
	}
}
