package settings

import (
	"bytes"
	"encoding/json"
	"os"
)

// ReadModel returns the "model" key of the settings file at path (Claude
// Code's model choice), or "" when the file does not set it to a string
// or cannot be read. awsfresh itself never uses the key; it only reports
// which model Claude Code would ask Bedrock for.
func ReadModel(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var v struct {
		Model json.RawMessage `json:"model"`
	}
	if json.Unmarshal(bytes.TrimPrefix(data, utf8BOM), &v) != nil {
		return ""
	}
	var model string
	if json.Unmarshal(v.Model, &model) != nil {
		return ""
	}
	return model
}
