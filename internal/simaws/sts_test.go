package simaws_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

var (
	longTermKey  = regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	temporaryKey = regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)
	secretKey    = regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
)

func TestGetCallerIdentity(t *testing.T) {
	s, _, sink := startSim(t, simaws.Options{})
	key, secret := s.CreateUser("alice")
	if !longTermKey.MatchString(key) || !secretKey.MatchString(secret) {
		t.Fatalf("CreateUser gave key of %d chars / secret of %d chars, want AKIA+16 / 40", len(key), len(secret))
	}
	revokedKey, revokedSecret := s.CreateUser("alice")
	s.Revoke(revokedKey)
	wrong := []byte(secret)
	wrong[0] ^= 1

	tests := []struct {
		name                string
		key, secret, token  string
		wantCode            string
		wantStatus          int
		wantMessageContains string
	}{
		{name: "valid", key: key, secret: secret},
		{name: "wrong secret", key: key, secret: string(wrong), wantCode: "SignatureDoesNotMatch", wantStatus: 403, wantMessageContains: "does not match"},
		{name: "unknown key", key: "AKIAABCDEFGHIJKLMNOP", secret: secret, wantCode: "InvalidClientTokenId", wantStatus: 403, wantMessageContains: "security token included in the request is invalid"},
		{name: "revoked key", key: revokedKey, secret: revokedSecret, wantCode: "InvalidClientTokenId", wantStatus: 403},
		{name: "session token on long-term key", key: key, secret: secret, token: "IQoJbogus", wantCode: "InvalidClientTokenId", wantStatus: 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := callerIdentity(t, staticConfig(t, tc.key, tc.secret, tc.token))
			if tc.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got, want := aws.ToString(out.Arn), "arn:aws:iam::111122223333:user/alice"; got != want {
					t.Errorf("Arn = %q, want %q", got, want)
				}
				if aws.ToString(out.Account) != simaws.DefaultAccountID || !strings.HasPrefix(aws.ToString(out.UserId), "AIDA") {
					t.Errorf("Account = %q, UserId = %q", aws.ToString(out.Account), aws.ToString(out.UserId))
				}
				return
			}
			wantCode(t, err, tc.wantCode, tc.wantStatus)
			if !strings.Contains(apiMessage(err), tc.wantMessageContains) {
				t.Errorf("message %q does not contain %q", apiMessage(err), tc.wantMessageContains)
			}
			checkNoSecrets(t, "error", err.Error(), tc.secret, tc.key)
		})
	}
	checkNoSecrets(t, "request log", sink.all(), key, secret, revokedKey, revokedSecret)
	if !strings.Contains(sink.all(), simaws.MaskKey(key)) {
		t.Errorf("request log does not name the masked key %s:\n%s", simaws.MaskKey(key), sink.all())
	}
}

func TestAssumeRoleCredentialsExpire(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{})
	const lifetime = 1500 * time.Millisecond
	s.SetRoleCredentialLifetime(lifetime)
	key, secret := s.CreateUser("bob")
	ctx := context.Background()
	before := time.Now()
	out, err := sts.NewFromConfig(staticConfig(t, key, secret, "")).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::111122223333:role/Role"),
		RoleSessionName: aws.String("session"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !temporaryKey.MatchString(aws.ToString(c.AccessKeyId)) || !secretKey.MatchString(aws.ToString(c.SecretAccessKey)) || len(aws.ToString(c.SessionToken)) < 200 {
		t.Fatalf("AssumeRole credentials have the wrong shape: key %d chars, secret %d chars, token %d chars",
			len(aws.ToString(c.AccessKeyId)), len(aws.ToString(c.SecretAccessKey)), len(aws.ToString(c.SessionToken)))
	}
	exp := aws.ToTime(c.Expiration)
	if d := exp.Sub(before); d < lifetime-50*time.Millisecond || d > lifetime+time.Second {
		t.Errorf("Expiration is %v after the request, want about %v", d, lifetime)
	}
	if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::111122223333:assumed-role/Role/session"; got != want {
		t.Errorf("AssumedRoleUser.Arn = %q, want %q", got, want)
	}

	roleCfg := staticConfig(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	id, err := callerIdentity(t, roleCfg)
	if err != nil {
		t.Fatalf("fresh role credentials rejected: %v", err)
	}
	if aws.ToString(id.Arn) != "arn:aws:sts::111122223333:assumed-role/Role/session" || !strings.HasSuffix(aws.ToString(id.UserId), ":session") {
		t.Errorf("identity = %q / %q", aws.ToString(id.Arn), aws.ToString(id.UserId))
	}

	// The same key with another session token is not these credentials.
	_, err = callerIdentity(t, staticConfig(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)+"x"))
	wantCode(t, err, "InvalidClientTokenId", 403)
	// Temporary credentials without their session token are invalid too.
	_, err = callerIdentity(t, staticConfig(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), ""))
	wantCode(t, err, "InvalidClientTokenId", 403)

	time.Sleep(time.Until(exp) + 100*time.Millisecond)
	_, err = callerIdentity(t, roleCfg)
	wantCode(t, err, "ExpiredToken", 403)
	if !strings.Contains(apiMessage(err), "The security token included in the request is expired") {
		t.Errorf("message = %q", apiMessage(err))
	}
	// The long-term key that assumed the role is unaffected.
	if _, err := callerIdentity(t, staticConfig(t, key, secret, "")); err != nil {
		t.Fatal(err)
	}
}

func TestAssumeRoleDuration(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{})
	key, secret := s.CreateUser("carol")
	client := sts.NewFromConfig(staticConfig(t, key, secret, ""))
	ctx := context.Background()
	tests := []struct {
		name     string
		duration *int32
		roleARN  string
		want     time.Duration // 0: want an error
		wantCode string
	}{
		{name: "default lifetime", roleARN: "arn:aws:iam::111122223333:role/R", want: time.Hour},
		{name: "shorter request honoured", duration: aws.Int32(900), roleARN: "arn:aws:iam::111122223333:role/R", want: 15 * time.Minute},
		{name: "longer request capped", duration: aws.Int32(7200), roleARN: "arn:aws:iam::111122223333:role/R", want: time.Hour},
		{name: "too short", duration: aws.Int32(60), roleARN: "arn:aws:iam::111122223333:role/R", wantCode: "ValidationError"},
		{name: "bad ARN", roleARN: "arn:aws:iam::1234:role/R", wantCode: "ValidationError"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := time.Now()
			out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(tc.roleARN), RoleSessionName: aws.String("s1"), DurationSeconds: tc.duration})
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode, 400)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := aws.ToTime(out.Credentials.Expiration).Sub(before); d < tc.want-time.Second || d > tc.want+time.Second {
				t.Errorf("lifetime = %v, want %v", d, tc.want)
			}
		})
	}
}

func TestGetSessionToken(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{})
	key, secret := s.CreateUser("dave")
	ctx := context.Background()
	before := time.Now()
	out, err := sts.NewFromConfig(staticConfig(t, key, secret, "")).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	if !temporaryKey.MatchString(aws.ToString(c.AccessKeyId)) || aws.ToString(c.SessionToken) == "" {
		t.Fatalf("GetSessionToken gave key of %d chars and a token of %d chars", len(aws.ToString(c.AccessKeyId)), len(aws.ToString(c.SessionToken)))
	}
	if d := aws.ToTime(c.Expiration).Sub(before); d < 12*time.Hour-time.Second || d > 12*time.Hour+time.Second {
		t.Errorf("lifetime = %v, want 12h", d)
	}
	tmpCfg := staticConfig(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	id, err := callerIdentity(t, tmpCfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(id.Arn), "arn:aws:iam::111122223333:user/dave"; got != want {
		t.Errorf("session credentials identity = %q, want %q", got, want)
	}
	_, err = sts.NewFromConfig(tmpCfg).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantCode(t, err, "AccessDenied", 403)

	s.ExpireCredentials()
	_, err = callerIdentity(t, tmpCfg)
	wantCode(t, err, "ExpiredToken", 403)
	if _, err := callerIdentity(t, staticConfig(t, key, secret, "")); err != nil {
		t.Fatalf("ExpireCredentials affected a long-term key: %v", err)
	}
}

func TestDenySTS(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{})
	k1, s1 := s.CreateUser("erin")
	k2, s2 := s.CreateUser("frank")
	cfg1, cfg2 := staticConfig(t, k1, s1, ""), staticConfig(t, k2, s2, "")

	s.Deny(simaws.OpGetCallerIdentity, k1)
	_, err := callerIdentity(t, cfg1)
	wantCode(t, err, "AccessDenied", 403)
	if !strings.Contains(apiMessage(err), "user/erin is not authorized to perform: sts:GetCallerIdentity") {
		t.Errorf("message = %q", apiMessage(err))
	}
	if _, err := callerIdentity(t, cfg2); err != nil {
		t.Fatalf("Deny of one key denied another: %v", err)
	}
	s.Allow(simaws.OpGetCallerIdentity, k1)
	if _, err := callerIdentity(t, cfg1); err != nil {
		t.Fatalf("Allow did not undo Deny: %v", err)
	}

	s.Deny(simaws.OpGetCallerIdentity, "arn:aws:iam::111122223333:user/frank")
	_, err = callerIdentity(t, cfg2)
	wantCode(t, err, "AccessDenied", 403)

	// A denied op does not deny others.
	if _, err := sts.NewFromConfig(cfg2).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{}); err != nil {
		t.Fatal(err)
	}
	// Invalid credentials are still reported as such, not as AccessDenied.
	_, err = callerIdentity(t, staticConfig(t, k2, s1, ""))
	wantCode(t, err, "SignatureDoesNotMatch", 403)
}

// signedSTSRequest builds a GetCallerIdentity request signed by the SDK's
// signer, so tests can alter it after signing.
func signedSTSRequest(t *testing.T, url, key, secret string, at time.Time) *http.Request {
	t.Helper()
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), "sts", region, at)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func doRaw(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSignatureCoversRequest(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{})
	key, secret := s.CreateUser("grace")
	now := time.Now()

	tests := []struct {
		name       string
		alter      func(*http.Request)
		wantStatus int
		wantCode   string
	}{
		{name: "untouched", wantStatus: 200},
		{name: "unsigned header added", alter: func(r *http.Request) { r.Header.Set("X-Extra", "1"); r.Header.Set("User-Agent", "other") }, wantStatus: 200},
		{name: "body changed", alter: func(r *http.Request) {
			b := "Action=GetCallerIdentity&Version=2011-06-15&X=1"
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(b)), int64(len(b))
		}, wantStatus: 403, wantCode: "SignatureDoesNotMatch"},
		{name: "signed header changed", alter: func(r *http.Request) { r.Header.Set("Content-Type", "application/x-www-form-urlencoded") }, wantStatus: 403, wantCode: "SignatureDoesNotMatch"},
		{name: "date changed", alter: func(r *http.Request) {
			r.Header.Set("X-Amz-Date", now.Add(time.Second).UTC().Format("20060102T150405Z"))
		}, wantStatus: 403, wantCode: "SignatureDoesNotMatch"},
		{name: "wrong service scope", alter: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/sts/", "/s3/", 1))
		}, wantStatus: 403, wantCode: "SignatureDoesNotMatch"},
		{name: "no signature", alter: func(r *http.Request) { r.Header.Del("Authorization") }, wantStatus: 403, wantCode: "MissingAuthenticationToken"},
		{name: "garbled authorization", alter: func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 nonsense") }, wantStatus: 400, wantCode: "IncompleteSignature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := signedSTSRequest(t, s.URL(), key, secret, now)
			if tc.alter != nil {
				tc.alter(req)
			}
			status, body := doRaw(t, req)
			if status != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", status, tc.wantStatus, body)
			}
			if tc.wantCode != "" && !strings.Contains(body, "<Code>"+tc.wantCode+"</Code>") {
				t.Fatalf("body does not carry code %s: %s", tc.wantCode, body)
			}
			if tc.wantCode == "" && !bytes.Contains([]byte(body), []byte("<Arn>arn:aws:iam::111122223333:user/grace</Arn>")) {
				t.Fatalf("unexpected body: %s", body)
			}
		})
	}
}

func TestClockSkew(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{})
	key, secret := s.CreateUser("heidi")
	cfg := staticConfig(t, key, secret, "")

	tests := []struct {
		skew       time.Duration
		wantPrefix string // "" : success
	}{
		{skew: 2 * time.Minute},
		{skew: -4 * time.Minute},
		{skew: 20 * time.Minute, wantPrefix: "Signature expired: "},
		{skew: -20 * time.Minute, wantPrefix: "Signature not yet current: "},
	}
	for _, tc := range tests {
		t.Run(tc.skew.String(), func(t *testing.T) {
			s.SetClockSkew(tc.skew)
			_, err := callerIdentity(t, cfg)
			if tc.wantPrefix == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, "SignatureDoesNotMatch", 403)
			if msg := apiMessage(err); !strings.HasPrefix(msg, tc.wantPrefix) || !strings.Contains(msg, " 5 min.)") {
				t.Errorf("message = %q, want prefix %q", msg, tc.wantPrefix)
			}
		})
	}
}

func TestClockSkewRequestExpired(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{RequestExpiredOnSkew: true})
	key, secret := s.CreateUser("ivan")
	s.SetClockSkew(20 * time.Minute)
	_, err := callerIdentity(t, staticConfig(t, key, secret, ""))
	wantCode(t, err, "RequestExpired", 400)
}

// With the simulation's clock in the Date header, the SDK detects the skew
// and retries with a corrected signing time, as against real AWS.
func TestClockSkewDateHeaderHeals(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{DateHeaderFromClock: true})
	key, secret := s.CreateUser("judy")
	s.SetClockSkew(20 * time.Minute)
	if _, err := callerIdentity(t, staticConfig(t, key, secret, "")); err != nil {
		t.Fatalf("SDK did not correct the skew: %v", err)
	}
	if got := s.Count(simaws.OpGetCallerIdentity); got != 2 {
		t.Errorf("GetCallerIdentity requests = %d, want 2 (refused, then corrected)", got)
	}
}
