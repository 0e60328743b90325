package creds

import (
	"strings"
	"testing"
)

// Known secrets are removed even when they look like nothing special.
func TestRedactKnownSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: "ASIAEXAMPLE000000001", SecretAccessKey: "short-Secret_Value.1234", SessionToken: "tok-123456789"}
	env := []string{"HOME=/h", "AWS_SECRET_ACCESS_KEY=envsecret-xyz", "AWS_SESSION_TOKEN=", "AWS_PROFILE=dev-profile-long"}
	known := append(c.Secrets(), EnvSecrets(env)...)
	if len(known) != 3 {
		t.Fatalf("known = %q, want the secret key, the token and the env's secret", known)
	}
	out := "debug: short-Secret_Value.1234 tok-123456789 envsecret-xyz profile dev-profile-long"
	got := Redact(out, known...)
	for _, s := range known {
		if strings.Contains(got, s) {
			t.Errorf("Redact left %q in %q", s, got)
		}
	}
	if !strings.Contains(got, "dev-profile-long") {
		t.Errorf("Redact removed a value that is no secret: %q", got)
	}
}
