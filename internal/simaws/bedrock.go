package simaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

type converseRequest struct {
	Messages []struct {
		Role    string `json:"role"`
		Content []struct {
			Text *string `json:"text"`
		} `json:"content"`
	} `json:"messages"`
	System []struct {
		Text *string `json:"text"`
	} `json:"system"`
}

// bedrockAuthError maps a refused authentication to Bedrock's answer.
func bedrockAuthError(rp *reply, e *authError) {
	msg := func(def string) map[string]any {
		if e.msg != "" {
			return map[string]any{"message": e.msg}
		}
		return map[string]any{"message": def}
	}
	switch e.kind {
	case authMissing:
		rp.jsonError(http.StatusForbidden, "MissingAuthenticationTokenException", map[string]any{"message": "Missing Authentication Token"})
	case authIncomplete:
		rp.jsonError(http.StatusForbidden, "IncompleteSignatureException", msg("Authorization header requires AWS4-HMAC-SHA256 Signature Version 4."))
	case authUnsupportedToken:
		rp.jsonError(http.StatusForbidden, "UnrecognizedClientException", map[string]any{"message": "Bearer tokens (API keys) are not simulated; sign requests with SigV4."})
	case authUnknownKey:
		rp.jsonError(http.StatusForbidden, "UnrecognizedClientException", map[string]any{"message": msgInvalidToken})
	case authExpired:
		rp.jsonError(http.StatusForbidden, "ExpiredTokenException", map[string]any{"message": msgExpiredToken})
	default: // bad signature, skew
		rp.jsonError(http.StatusForbidden, "InvalidSignatureException", msg(msgBadSignature))
	}
}

// approxTokens estimates a token count the way people do: four characters a token.
func approxTokens(s string) int { return len(s)/4 + 1 }

func (s *Server) handleConverse(rp *reply, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		rp.jsonError(http.StatusMethodNotAllowed, "ValidationException", map[string]any{"message": "Method not allowed."})
		return
	}
	modelID := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/model/"), "/converse")

	c, region, aerr := s.authenticate(rp, r, body, "bedrock")
	if aerr != nil {
		bedrockAuthError(rp, aerr)
		return
	}

	var req converseRequest
	if err := json.Unmarshal(body, &req); err != nil {
		rp.jsonError(http.StatusBadRequest, "ValidationException", map[string]any{"message": "Malformed input request, please reformat your input and try again."})
		return
	}
	if modelID == "" {
		rp.jsonError(http.StatusBadRequest, "ValidationException", map[string]any{"message": "The provided model identifier is invalid."})
		return
	}
	if len(req.Messages) == 0 || req.Messages[0].Role != "user" {
		rp.jsonError(http.StatusBadRequest, "ValidationException", map[string]any{"message": "A conversation must start with a user message. Try again with a conversation that starts with a user message."})
		return
	}

	s.mu.Lock()
	denied := s.deniedLocked(OpConverse, c)
	modelDenied := s.modelDeniedLocked(modelID)
	delay := s.converseDelay
	s.mu.Unlock()
	if modelDenied {
		rp.jsonError(http.StatusForbidden, "AccessDeniedException", map[string]any{"message": "You don't have access to the model with the specified model ID."})
		return
	}
	if denied {
		rp.jsonError(http.StatusForbidden, "AccessDeniedException", map[string]any{"message": fmt.Sprintf(
			"User: %s is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:%s::foundation-model/%s because no identity-based policy allows the bedrock:InvokeModel action",
			c.principal.arn, region, modelID)})
		return
	}

	start := time.Now()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-s.done:
			t.Stop()
			rp.jsonError(http.StatusServiceUnavailable, "ServiceUnavailableException", map[string]any{"message": "The simulation is shutting down."})
			return
		}
	}

	var in int
	for _, sys := range req.System {
		if sys.Text != nil {
			in += approxTokens(*sys.Text)
		}
	}
	for _, m := range req.Messages {
		for _, cb := range m.Content {
			if cb.Text != nil {
				in += approxTokens(*cb.Text)
			}
		}
	}
	text := fmt.Sprintf("Hello from the simulated Bedrock (%s). I received %d message(s).", modelID, len(req.Messages))
	out := approxTokens(text)
	rp.jsonBody(http.StatusOK, map[string]any{
		"output": map[string]any{
			"message": map[string]any{
				"role":    "assistant",
				"content": []any{map[string]any{"text": text}},
			},
		},
		"stopReason": "end_turn",
		"usage":      map[string]any{"inputTokens": in, "outputTokens": out, "totalTokens": in + out},
		"metrics":    map[string]any{"latencyMs": time.Since(start).Milliseconds()},
	})
}
