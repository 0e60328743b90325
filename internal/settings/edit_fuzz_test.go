package settings

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzApplyEdits: whatever valid settings file it is given, ApplyEdits
// sets the values and leaves every other key's value as it was.
func FuzzApplyEdits(f *testing.F) {
	for _, seed := range []string{
		"", "{}", `{"a":1}`, "{\n\t\"env\": {}\n}", `{ "env": { "X": "y" }, "z": [1,{"q":"}"}] }`,
		"{\r\n    \"awsAuthRefresh\": \"x\"\r\n}", `{"env":{"AWS_REGION":5},"env":{"B":"c"}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if _, err := Parse("f.json", []byte(in)); err != nil {
			if _, err := ApplyEdits("f.json", []byte(in), claudeEdits); err == nil {
				t.Fatal("ApplyEdits accepted a file Parse refuses")
			}
			return
		}
		out, err := ApplyEdits("f.json", []byte(in), claudeEdits)
		if err != nil {
			t.Fatalf("ApplyEdits on a valid file: %v", err)
		}
		fs, err := Parse("f.json", out)
		if err != nil {
			t.Fatal(err)
		}
		if fs.AuthRefresh != claudeEdits[0].Value || fs.CredentialExport != claudeEdits[1].Value ||
			fs.Env["CLAUDE_CODE_USE_BEDROCK"] != "1" || fs.Env["AWS_REGION"] != "us-east-1" {
			t.Fatalf("values not set: %+v\n%s", fs, out)
		}
		before, after := topLevel(t, in), topLevel(t, string(out))
		for k, v := range before {
			if k == KeyAuthRefresh || k == KeyCredentialExport || k == KeyEnv {
				continue
			}
			if !reflect.DeepEqual(after[k], v) {
				t.Fatalf("key %q changed from %v to %v", k, v, after[k])
			}
		}
		oldEnv, _ := before[KeyEnv].(map[string]any)
		newEnv, _ := after[KeyEnv].(map[string]any)
		for k, v := range oldEnv {
			if k != "CLAUDE_CODE_USE_BEDROCK" && k != "AWS_REGION" && !reflect.DeepEqual(newEnv[k], v) {
				t.Fatalf("env.%s changed from %v to %v", k, v, newEnv[k])
			}
		}
	})
}

func topLevel(t *testing.T, s string) map[string]any {
	m := map[string]any{}
	if len(trimJSONSpace([]byte(s))) == 0 {
		return m
	}
	if err := json.Unmarshal(trimBOM(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func trimBOM(s string) []byte {
	b := []byte(s)
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}
