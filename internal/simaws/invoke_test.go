package simaws_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

	"github.com/awsfresh/awsfresh/internal/simaws"
)

func invokeModel(t *testing.T, cfg aws.Config, model, body string) (*bedrockruntime.InvokeModelOutput, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return bedrockruntime.NewFromConfig(cfg).InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
		ModelId:     aws.String(model),
		ContentType: aws.String("application/json"),
		Body:        []byte(body),
	})
}

const messagesBody = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":"ping"}]}`

func TestInvokeModel(t *testing.T) {
	s, _, logs := startSim(t, simaws.Options{})
	key, secret := s.CreateUser("kim")
	cfg := staticConfig(t, key, secret, "")

	out, err := invokeModel(t, cfg, modelID, messagesBody)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Role       string `json:"role"`
		Model      string `json:"model"`
		StopReason string `json:"stop_reason"`
		Content    []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	if err := json.Unmarshal(out.Body, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Role != "assistant" || msg.Model != modelID || msg.StopReason != "max_tokens" || len(msg.Content) != 1 || strings.Count(msg.Content[0].Text, " ") != 0 {
		t.Errorf("reply = %s", out.Body)
	}
	if n := s.Count(simaws.OpInvokeModel); n != 1 {
		t.Errorf("InvokeModel count = %d", n)
	}

	_, err = invokeModel(t, cfg, modelID, `{"messages":[{"role":"user","content":"x"}]}`)
	wantCode(t, err, "ValidationException", 400)

	// No access to one model: every caller is refused for it, not for others.
	s.DenyModel(modelID)
	_, err = invokeModel(t, cfg, modelID, messagesBody)
	wantCode(t, err, "AccessDeniedException", 403)
	if !strings.Contains(apiMessage(err), "don't have access to the model") {
		t.Errorf("message = %q", apiMessage(err))
	}
	_, err = converse(t, cfg)
	wantCode(t, err, "AccessDeniedException", 403)
	if _, err := invokeModel(t, cfg, "anthropic.other-v1:0", messagesBody); err != nil {
		t.Errorf("another model: %v", err)
	}
	s.AllowModel(modelID)

	// An IAM policy that does not allow bedrock:InvokeModel.
	s.Deny(simaws.OpInvokeModel, "*")
	_, err = invokeModel(t, cfg, modelID, messagesBody)
	wantCode(t, err, "AccessDeniedException", 403)
	if !strings.Contains(apiMessage(err), "not authorized to perform: bedrock:InvokeModel") {
		t.Errorf("message = %q", apiMessage(err))
	}
	s.Allow(simaws.OpInvokeModel, "*")

	s.ExpireCredentials()
	_, err = invokeModel(t, staticConfig(t, "AKIAABCDEFGHIJKLMNOP", secret, ""), modelID, messagesBody)
	wantCode(t, err, "UnrecognizedClientException", 403)
	checkNoSecrets(t, "log", logs.all(), secret)
}
