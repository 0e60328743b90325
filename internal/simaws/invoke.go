package simaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// OpInvokeModel is Bedrock Runtime's InvokeModel, the call Claude Code
// makes (with an Anthropic Messages body).
const OpInvokeModel = "InvokeModel"

// deniedModelsKey keys the models of [Server.DenyModel] in the deny table.
const deniedModelsKey = "model"

// DenyModel makes InvokeModel and Converse answer, for every caller,
// AccessDeniedException "You don't have access to the model with the
// specified model ID." for modelID: what Bedrock says when the account has
// no access to a model. [Server.AllowModel] undoes it.
func (s *Server) DenyModel(modelID string) { s.Deny(deniedModelsKey, modelID) }

// AllowModel undoes [Server.DenyModel].
func (s *Server) AllowModel(modelID string) { s.Allow(deniedModelsKey, modelID) }

func (s *Server) modelDeniedLocked(modelID string) bool { return s.denies[deniedModelsKey][modelID] }

// anthropicRequest is the Anthropic Messages body of InvokeModel.
type anthropicRequest struct {
	AnthropicVersion string `json:"anthropic_version"`
	MaxTokens        *int   `json:"max_tokens"`
	Messages         []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

func (s *Server) handleInvokeModel(rp *reply, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		rp.jsonError(http.StatusMethodNotAllowed, "ValidationException", map[string]any{"message": "Method not allowed."})
		return
	}
	modelID := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/model/"), "/invoke")
	c, region, aerr := s.authenticate(rp, r, body, "bedrock")
	if aerr != nil {
		bedrockAuthError(rp, aerr)
		return
	}
	rp.key = MaskKey(c.accessKeyID)

	s.mu.Lock()
	denied := s.deniedLocked(OpInvokeModel, c)
	modelDenied := s.modelDeniedLocked(modelID)
	s.mu.Unlock()
	switch {
	case denied:
		rp.jsonError(http.StatusForbidden, "AccessDeniedException", map[string]any{"message": fmt.Sprintf(
			"User: %s is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:%s::foundation-model/%s because no identity-based policy allows the bedrock:InvokeModel action",
			c.principal.arn, region, modelID)})
		return
	case modelDenied:
		rp.jsonError(http.StatusForbidden, "AccessDeniedException", map[string]any{"message": "You don't have access to the model with the specified model ID."})
		return
	case modelID == "":
		rp.jsonError(http.StatusBadRequest, "ValidationException", map[string]any{"message": "The provided model identifier is invalid."})
		return
	}

	var req anthropicRequest
	if err := json.Unmarshal(body, &req); err != nil {
		rp.jsonError(http.StatusBadRequest, "ValidationException", map[string]any{"message": "Malformed input request, please reformat your input and try again."})
		return
	}
	switch {
	case req.AnthropicVersion == "":
		rp.jsonError(http.StatusBadRequest, "ValidationException", map[string]any{"message": "Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again."})
		return
	case req.MaxTokens == nil || *req.MaxTokens < 1:
		rp.jsonError(http.StatusBadRequest, "ValidationException", map[string]any{"message": "Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again."})
		return
	case len(req.Messages) == 0 || req.Messages[0].Role != "user":
		rp.jsonError(http.StatusBadRequest, "ValidationException", map[string]any{"message": "messages: first message must use the \"user\" role"})
		return
	}

	in := approxTokens(string(body))
	text := fmt.Sprintf("Hello from the simulated Bedrock (%s).", modelID)
	stop := "end_turn"
	if words := strings.Fields(text); *req.MaxTokens < len(words) {
		text, stop = strings.Join(words[:*req.MaxTokens], " "), "max_tokens"
	}
	out := approxTokens(text)
	rp.w.Header().Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(in))
	rp.w.Header().Set("X-Amzn-Bedrock-Output-Token-Count", strconv.Itoa(out))
	rp.jsonBody(http.StatusOK, map[string]any{
		"id":            "msg_bdrk_" + randomString(keyAlphabet, 24),
		"type":          "message",
		"role":          "assistant",
		"model":         modelID,
		"content":       []any{map[string]any{"type": "text", "text": text}},
		"stop_reason":   stop,
		"stop_sequence": nil,
		"usage":         map[string]any{"input_tokens": in, "output_tokens": out},
	})
}
