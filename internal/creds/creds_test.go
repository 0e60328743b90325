package creds

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

const (
	testKeyID  = "ASIAEXAMPLE123456789"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testToken  = "IQoJb3JpZ2luX2VjEXAMPLETOKENdGhpcyBpcyBhIGZha2Ugc2Vzc2lvbiB0b2tlbg=="
)

func TestParseFormats(t *testing.T) {
	exp := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		input string
		want  Credentials
	}{
		{"process", `{"Version":1,"AccessKeyId":"` + testKeyID + `","SecretAccessKey":"` + testSecret + `","SessionToken":"` + testToken + `","Expiration":"2026-11-27T14:00:00Z"}`,
			Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken, Expiration: exp}},
		{"process long-term", `{"Version":1,"AccessKeyId":"AKIAEXAMPLE123456789","SecretAccessKey":"` + testSecret + `"}`,
			Credentials{AccessKeyID: "AKIAEXAMPLE123456789", SecretAccessKey: testSecret}},
		{"claude", `{"Credentials":{"AccessKeyId":"` + testKeyID + `","SecretAccessKey":"` + testSecret + `","SessionToken":"` + testToken + `"}}`,
			Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken}},
		{"sts assume-role", `{"Credentials":{"AccessKeyId":"` + testKeyID + `","SecretAccessKey":"` + testSecret + `","SessionToken":"` + testToken + `","Expiration":"2026-11-27T14:00:00+00:00"},"AssumedRoleUser":{"Arn":"arn:aws:sts::1:assumed-role/r/s"}}`,
			Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken, Expiration: exp}},
		{"fractional and offset", `{"Version":1,"AccessKeyId":"` + testKeyID + `","SecretAccessKey":"` + testSecret + `","Expiration":"2026-11-27T15:00:00.000+01:00"}`,
			Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, Expiration: exp}},
		{"surrounding space and unknown fields", "\n  {\"Version\":1,\"Extra\":[1,2],\"AccessKeyId\":\"" + testKeyID + "\",\"SecretAccessKey\":\"" + testSecret + "\"}\n\n",
			Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.input))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Fatalf("Parse = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseErrorsNameKeyNeverValue(t *testing.T) {
	tests := []struct {
		name, input, wantInErr string
	}{
		{"empty", "  \n", "empty"},
		{"not json", "secret=" + testSecret, "not valid JSON"},
		{"truncated", `{"AccessKeyId":"` + testKeyID + `","SecretAccessKey":"` + testSecret, "ends too early"},
		{"array", `["` + testSecret + `"]`, "must be a JSON object"},
		{"missing key id", `{"Version":1,"SecretAccessKey":"` + testSecret + `"}`, `"AccessKeyId" is missing`},
		{"missing secret", `{"Version":1,"AccessKeyId":"` + testKeyID + `","SessionToken":"` + testToken + `"}`, `"SecretAccessKey" is missing`},
		{"empty secret", `{"Version":1,"AccessKeyId":"` + testKeyID + `","SecretAccessKey":""}`, `"SecretAccessKey" is empty`},
		{"nested missing", `{"Credentials":{"AccessKeyId":"` + testKeyID + `"}}`, `"Credentials.SecretAccessKey" is missing`},
		{"wrong type", `{"Version":1,"AccessKeyId":"` + testKeyID + `","SecretAccessKey":12345}`, `"SecretAccessKey" must be a string`},
		{"bad version", `{"Version":2,"AccessKeyId":"` + testKeyID + `","SecretAccessKey":"` + testSecret + `"}`, `"Version" must be 1`},
		{"bad expiration", `{"Version":1,"AccessKeyId":"` + testKeyID + `","SecretAccessKey":"` + testSecret + `","Expiration":"` + testToken + `"}`, `"Expiration" is not an RFC 3339 time`},
		{"trailing data", `{"Version":1,"AccessKeyId":"` + testKeyID + `","SecretAccessKey":"` + testSecret + `"} ` + testToken, "data after"},
		{"credentials not object", `{"Credentials":"` + testSecret + `"}`, `"Credentials" must be a JSON object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			if err == nil {
				t.Fatal("Parse succeeded, want error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantInErr) {
				t.Errorf("error %q does not contain %q", msg, tt.wantInErr)
			}
			for _, secret := range []string{testKeyID, testSecret, testToken, "secret="} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q leaks %q", msg, secret)
				}
			}
			var pe *ParseError
			if !errors.As(err, &pe) && !errors.Is(err, ErrEmptyOutput) {
				t.Errorf("error %T is neither *ParseError nor ErrEmptyOutput", err)
			}
		})
	}
}

func TestRenderRoundTrip(t *testing.T) {
	exp := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	for _, c := range []Credentials{
		{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken, Expiration: exp},
		{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken},
		{AccessKeyID: "AKIAEXAMPLE123456789", SecretAccessKey: testSecret},
	} {
		for _, f := range []Format{FormatProcess, FormatClaude} {
			out, err := Render(c, f)
			if f == FormatClaude && c.SessionToken == "" {
				if !errors.Is(err, ErrNoSessionToken) {
					t.Errorf("Render(claude) without token: err = %v, want ErrNoSessionToken", err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Render(%s): %v", f, err)
			}
			back, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse(Render(%s)): %v", f, err)
			}
			if back != c {
				t.Errorf("%s round trip = %v, want %v", f, back, c)
			}
		}
	}
}

func TestRenderEnv(t *testing.T) {
	c := Credentials{AccessKeyID: testKeyID, SecretAccessKey: "it's/a+secret", SessionToken: testToken, Expiration: time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)}
	out, err := Render(c, FormatEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := "export AWS_ACCESS_KEY_ID=" + testKeyID + "\n" +
		"export AWS_SECRET_ACCESS_KEY='it'\\''s/a+secret'\n" +
		"export AWS_SESSION_TOKEN=" + testToken + "\n" +
		"export AWS_CREDENTIAL_EXPIRATION=2026-11-27T14:00:00Z\n"
	if string(out) != want {
		t.Errorf("env output:\n%s\nwant:\n%s", out, want)
	}
	out, _ = Render(Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, FormatEnv)
	if !strings.Contains(string(out), "unset AWS_SESSION_TOKEN\n") || !strings.Contains(string(out), "unset AWS_CREDENTIAL_EXPIRATION\n") {
		t.Errorf("long-term env output does not unset stale variables:\n%s", out)
	}
}

func TestStringNeverShowsSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: testToken, Expiration: time.Now()}
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprintf("%v", []Credentials{c})} {
		for _, secret := range []string{testKeyID, testSecret, testToken} {
			if strings.Contains(s, secret) {
				t.Errorf("%q leaks a secret", s)
			}
		}
		if !strings.Contains(s, "ASIA…6789") {
			t.Errorf("%q lacks the masked key id", s)
		}
	}
}

func TestRedact(t *testing.T) {
	in := strings.Join([]string{
		`error: {"AccessKeyId": "` + testKeyID + `", "SecretAccessKey": "short-secret", "SessionToken": "tok"}`,
		"aws_secret_access_key = abcdefgh",
		"AWS_SESSION_TOKEN=xyz123 other words",
		"free-floating " + testSecret + " and " + testToken,
		"known: my-known-value",
		"Open https://device.sso.us-east-1.amazonaws.com/ and enter code ABCD-EFGH",
		"open /home/u/.aws/sso/cache/8e3f1f0b4c2a9d7e6f5a4b3c2d1e0f9a8b7c6d5e.json: no such file",
	}, "\n")
	out := Redact(in, "my-known-value")
	for _, secret := range []string{testKeyID, testSecret, testToken, "short-secret", "abcdefgh", "xyz123", "my-known-value", `"tok"`} {
		if strings.Contains(out, secret) {
			t.Errorf("Redact left %q in:\n%s", secret, out)
		}
	}
	for _, keep := range []string{"ASIA…6789", "ABCD-EFGH", "https://device.sso.us-east-1.amazonaws.com/", "other words",
		"sso/cache/8e3f1f0b4c2a9d7e6f5a4b3c2d1e0f9a8b7c6d5e.json"} {
		if !strings.Contains(out, keep) {
			t.Errorf("Redact removed %q:\n%s", keep, out)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Version":1,"AccessKeyId":"` + testKeyID + `","SecretAccessKey":"` + testSecret + `"}`))
	f.Add([]byte(`{"Credentials":{"AccessKeyId":"a","SecretAccessKey":"b","Expiration":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			// A value of the input must never be echoed: check the secret
			// of the seed and any value Parse might have read.
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error leaks input: %v", err)
			}
			return
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			t.Fatalf("Parse accepted credentials without keys")
		}
	})
}
