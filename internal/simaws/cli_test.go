package simaws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/simaws"
	"github.com/awsfresh/awsfresh/internal/testtools"
)

// runCLI runs the real AWS CLI against the simulation with a minimal,
// hermetic environment.
func runCLI(t *testing.T, awsCLI string, s *simaws.Server, home, key, secret string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args = append(args, "--endpoint-url", s.URL(), "--output", "json")
	cmd := exec.CommandContext(ctx, awsCLI, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "cli-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "cli-credentials"),
		"AWS_ACCESS_KEY_ID=" + key,
		"AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_REGION=" + region,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// TestAWSCLI proves that a non-Go client (botocore's signer and parsers)
// accepts the wire format.
func TestAWSCLI(t *testing.T) {
	aws := testtools.RequireAWSCLIv2(t)
	s, home, _ := startSim(t, simaws.Options{})
	key, secret := s.CreateUser("cli-user")

	stdout, stderr, err := runCLI(t, aws, s, home, key, secret, "sts", "get-caller-identity")
	if err != nil {
		t.Fatalf("aws sts get-caller-identity: %v\n%s", err, stderr)
	}
	var id struct{ UserId, Account, Arn string }
	if err := json.Unmarshal([]byte(stdout), &id); err != nil {
		t.Fatalf("output %q: %v", stdout, err)
	}
	if id.Arn != "arn:aws:iam::111122223333:user/cli-user" || id.Account != "111122223333" || !strings.HasPrefix(id.UserId, "AIDA") {
		t.Errorf("identity = %+v", id)
	}

	stdout, stderr, err = runCLI(t, aws, s, home, key, secret, "sts", "get-session-token", "--duration-seconds", "900")
	if err != nil {
		t.Fatalf("aws sts get-session-token: %v\n%s", err, stderr)
	}
	var st struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
	}
	if err := json.Unmarshal([]byte(stdout), &st); err != nil {
		t.Fatalf("output: %v", err)
	}
	exp, perr := time.Parse(time.RFC3339, st.Credentials.Expiration)
	if !temporaryKey.MatchString(st.Credentials.AccessKeyId) || st.Credentials.SessionToken == "" || perr != nil || time.Until(exp) > 15*time.Minute {
		t.Errorf("get-session-token gave key of %d chars, expiration %q (%v)", len(st.Credentials.AccessKeyId), st.Credentials.Expiration, perr)
	}

	wrong := []byte(secret)
	wrong[0] ^= 1
	_, stderr, err = runCLI(t, aws, s, home, key, string(wrong), "sts", "get-caller-identity")
	if err == nil || !strings.Contains(stderr, "SignatureDoesNotMatch") {
		t.Errorf("wrong secret: err = %v, stderr = %s", err, stderr)
	}
	if got := s.Count(simaws.OpGetCallerIdentity); got != 2 {
		t.Errorf("GetCallerIdentity count = %d, want 2", got)
	}
}
