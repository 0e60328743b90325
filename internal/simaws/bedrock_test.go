package simaws_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

// A model ID with ':' exercises path escaping in the signature.
const modelID = "anthropic.claude-3-haiku-20240307-v1:0"

func converse(t *testing.T, cfg aws.Config) (*bedrockruntime.ConverseOutput, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return bedrockruntime.NewFromConfig(cfg).Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId: aws.String(modelID),
		Messages: []brtypes.Message{{
			Role:    brtypes.ConversationRoleUser,
			Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "Say hello."}},
		}},
	})
}

func TestConverse(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{})
	key, secret := s.CreateUser("kim")
	cfg := staticConfig(t, key, secret, "")

	out, err := converse(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	msg, ok := out.Output.(*brtypes.ConverseOutputMemberMessage)
	if !ok || msg.Value.Role != brtypes.ConversationRoleAssistant || len(msg.Value.Content) != 1 {
		t.Fatalf("output = %#v", out.Output)
	}
	text, ok := msg.Value.Content[0].(*brtypes.ContentBlockMemberText)
	if !ok || !strings.Contains(text.Value, modelID) {
		t.Errorf("reply = %#v", msg.Value.Content[0])
	}
	if out.StopReason != brtypes.StopReasonEndTurn {
		t.Errorf("StopReason = %q", out.StopReason)
	}
	u := out.Usage
	if u == nil || aws.ToInt32(u.InputTokens) < 1 || aws.ToInt32(u.OutputTokens) < 1 || aws.ToInt32(u.TotalTokens) != aws.ToInt32(u.InputTokens)+aws.ToInt32(u.OutputTokens) {
		t.Errorf("usage = %+v", u)
	}

	// Temporary credentials work, then expire.
	st, err := sts.NewFromConfig(cfg).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	c := st.Credentials
	tmpCfg := staticConfig(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	if _, err := converse(t, tmpCfg); err != nil {
		t.Fatal(err)
	}

	wrong := []byte(secret)
	wrong[5] ^= 1
	tests := []struct {
		name     string
		setup    func()
		cfg      aws.Config
		wantCode string
		wantMsg  string
	}{
		{name: "unknown key", cfg: staticConfig(t, "AKIAABCDEFGHIJKLMNOP", secret, ""), wantCode: "UnrecognizedClientException", wantMsg: "security token included in the request is invalid"},
		{name: "wrong secret", cfg: staticConfig(t, key, string(wrong), ""), wantCode: "InvalidSignatureException", wantMsg: "does not match"},
		{name: "wrong session token", cfg: staticConfig(t, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), "IQoJbogus"), wantCode: "UnrecognizedClientException"},
		{name: "denied", setup: func() { s.Deny(simaws.OpConverse, key) }, cfg: cfg, wantCode: "AccessDeniedException", wantMsg: "bedrock:InvokeModel"},
		{name: "expired", setup: s.ExpireCredentials, cfg: tmpCfg, wantCode: "ExpiredTokenException", wantMsg: "expired"},
		{name: "skewed", setup: func() { s.SetClockSkew(20 * time.Minute) }, cfg: tmpCfg, wantCode: "InvalidSignatureException", wantMsg: "Signature expired: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			_, err := converse(t, tc.cfg)
			wantCode(t, err, tc.wantCode, 403)
			if !strings.Contains(apiMessage(err), tc.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", apiMessage(err), tc.wantMsg)
			}
		})
	}
}

func TestConverseDelay(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{ConverseDelay: 300 * time.Millisecond})
	key, secret := s.CreateUser("lee")
	start := time.Now()
	if _, err := converse(t, staticConfig(t, key, secret, "")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("Converse took %v, want at least the 300ms delay", d)
	}
}

func TestCounts(t *testing.T) {
	s, home, _ := startSim(t, simaws.Options{})
	key, secret := s.CreateUser("mia")
	cfg := staticConfig(t, key, secret, "")
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := callerIdentity(t, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := callerIdentity(t, staticConfig(t, "AKIAABCDEFGHIJKLMNOP", secret, "")); err == nil {
		t.Fatal("unknown key accepted")
	}
	if _, err := sts.NewFromConfig(cfg).GetSessionToken(ctx, &sts.GetSessionTokenInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/R"), RoleSessionName: aws.String("s1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := converse(t, cfg); err != nil {
		t.Fatal(err)
	}
	ssoSetup(t, s, home, nil)
	if _, err := retrieve(t, profileConfig(t)); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		simaws.OpGetCallerIdentity:  3, // failures count too
		simaws.OpGetSessionToken:    1,
		simaws.OpAssumeRole:         1,
		simaws.OpConverse:           1,
		simaws.OpGetRoleCredentials: 1,
	}
	got := s.Counts()
	if len(got) != len(want) {
		t.Errorf("Counts = %v, want %v", got, want)
	}
	total := 0
	for op, n := range want {
		total += n
		if got[op] != n || s.Count(op) != n {
			t.Errorf("Count(%s) = %d, want %d", op, got[op], n)
		}
	}
	if s.TotalRequests() != total {
		t.Errorf("TotalRequests = %d, want %d", s.TotalRequests(), total)
	}
	s.ResetCounts()
	if s.TotalRequests() != 0 || len(s.Counts()) != 0 {
		t.Errorf("after ResetCounts: %v", s.Counts())
	}
}

func TestCloseCutsDelayedConverse(t *testing.T) {
	s, _, _ := startSim(t, simaws.Options{ConverseDelay: time.Minute})
	key, secret := s.CreateUser("nora")
	client := bedrockruntime.NewFromConfig(staticConfig(t, key, secret, ""))
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err := client.Converse(ctx, &bedrockruntime.ConverseInput{
			ModelId:  aws.String(modelID),
			Messages: []brtypes.Message{{Role: brtypes.ConversationRoleUser, Content: []brtypes.ContentBlock{&brtypes.ContentBlockMemberText{Value: "hi"}}}},
		})
		errc <- err
	}()
	for s.Count(simaws.OpConverse) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v with a delayed Converse in flight", d)
	}
	if err := <-errc; err == nil {
		t.Error("Converse succeeded although the server closed during its delay")
	}
}
