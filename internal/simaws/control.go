package simaws

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// ssoLoginRequest is the body of POST /_sim/sso-login.
type ssoLoginRequest struct {
	Home       string `json:"home"`
	SSOSession string `json:"ssoSession"`
	StartURL   string `json:"startUrl"`
	Region     string `json:"region"`
}

// handleSSOLogin stands in for a completed `aws sso login`: it issues a
// fresh SSO token ([Server.IssueSSOToken]) and writes the cache file
// ([WriteSSOCache]). It answers 200 {"expiresAt": RFC 3339, "cacheFile": path}.
func (s *Server) handleSSOLogin(rp *reply, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		rp.jsonError(http.StatusMethodNotAllowed, "InvalidRequestException", map[string]any{"message": "POST only."})
		return
	}
	if !equalSecret(r.Header.Get(ControlHeader), s.controlToken) {
		rp.jsonError(http.StatusForbidden, "AccessDeniedException", map[string]any{"message": "Missing or wrong " + ControlHeader + " header."})
		return
	}
	var req ssoLoginRequest
	if err := json.Unmarshal(body, &req); err != nil {
		rp.jsonError(http.StatusBadRequest, "InvalidRequestException", map[string]any{"message": "Body must be JSON {home, ssoSession, startUrl, region}."})
		return
	}
	tok := s.IssueSSOToken()
	path, err := WriteSSOCache(req.Home, req.SSOSession, req.StartURL, req.Region, tok)
	if err != nil {
		rp.jsonError(http.StatusBadRequest, "InvalidRequestException", map[string]any{"message": err.Error()})
		return
	}
	rp.jsonBody(http.StatusOK, map[string]any{"expiresAt": tok.ExpiresAt.UTC().Format(time.RFC3339), "cacheFile": path})
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// LoginCommand returns a POSIX shell command line that plays `aws sso login`
// against this server: it asks the control endpoint, with curl, for a fresh
// SSO session and the cache file of sso-session ssoSession under home.
// The command prints {"expiresAt": …, "cacheFile": …} and exits non-zero on
// failure. It carries [Server.ControlToken], which is not an AWS secret.
// It returns "" before Start.
func (s *Server) LoginCommand(home, ssoSession, startURL, region string) string {
	u := s.URL()
	if u == "" {
		return ""
	}
	body, _ := json.Marshal(ssoLoginRequest{Home: home, SSOSession: ssoSession, StartURL: startURL, Region: region})
	return strings.Join([]string{
		"curl", "-fsS", "--noproxy", shellQuote("*"), "-X", "POST",
		"-H", shellQuote(ControlHeader + ": " + s.controlToken),
		"-H", shellQuote("Content-Type: application/json"),
		"--data-binary", shellQuote(string(body)),
		shellQuote(u + "/_sim/sso-login"),
	}, " ")
}
