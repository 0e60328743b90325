package simaws

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

const msgSSOUnauthorized = "Session token not found or invalid"

// validAccountID reports whether s is an AWS account ID: 12 digits.
func validAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// jsonBody writes a restJson success answer.
func (rp *reply) jsonBody(status int, v any) {
	out, err := json.Marshal(v)
	if err != nil {
		rp.jsonError(http.StatusInternalServerError, "InternalServerException", map[string]any{"message": "Internal error."})
		return
	}
	rp.header("application/json", status)
	_, _ = rp.w.Write(out)
}

// jsonError writes a restJson error: the code in X-Amzn-ErrorType (as AWS
// does) and the given body.
func (rp *reply) jsonError(status int, code string, body map[string]any) {
	rp.code = code
	rp.w.Header().Set("X-Amzn-Errortype", code)
	out, _ := json.Marshal(body)
	rp.header("application/json", status)
	_, _ = rp.w.Write(out)
}

func (s *Server) handleGetRoleCredentials(rp *reply, r *http.Request) {
	if r.Method != http.MethodGet {
		rp.jsonError(http.StatusMethodNotAllowed, "InvalidRequestException", map[string]any{"message": "Method not allowed."})
		return
	}
	token := r.Header.Get("X-Amz-Sso_bearer_token")
	q := r.URL.Query()
	accountID, roleName := q.Get("account_id"), q.Get("role_name")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	t, ok := s.accessTokens[digest(token)]
	if token == "" || !ok || !now.Before(t.expires) {
		rp.jsonError(http.StatusUnauthorized, "UnauthorizedException", map[string]any{"message": msgSSOUnauthorized})
		return
	}
	if !validAccountID(accountID) || roleName == "" || len(roleName) > 32 {
		rp.jsonError(http.StatusBadRequest, "InvalidRequestException", map[string]any{"message": "Invalid request: account_id must be 12 digits and role_name 1 to 32 characters."})
		return
	}
	if s.deniedLocked(OpGetRoleCredentials, nil) {
		rp.jsonError(http.StatusForbidden, "ForbiddenException", map[string]any{"message": "No access"})
		return
	}

	// Identity Center roles are named AWSReservedSSO_<permission set>_<hex>.
	sum := sha256.Sum256([]byte(accountID + "/" + roleName))
	iamRole := fmt.Sprintf("AWSReservedSSO_%s_%s", roleName, hex.EncodeToString(sum[:8]))
	roleARN := fmt.Sprintf("arn:aws:iam::%s:role/aws-reserved/sso.amazonaws.com/%s", accountID, iamRole)
	p := principal{
		arn:     fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", accountID, iamRole, s.ssoUser),
		userID:  s.roleIDLocked(roleARN) + ":" + s.ssoUser,
		account: accountID,
	}
	c := s.issueTemporaryLocked(p, s.roleLifetime)
	rp.key = MaskKey(c.accessKeyID)
	rp.jsonBody(http.StatusOK, map[string]any{
		"roleCredentials": map[string]any{
			"accessKeyId":     c.accessKeyID,
			"secretAccessKey": c.secret,
			"sessionToken":    c.sessionToken,
			"expiration":      c.expires.UnixMilli(),
		},
	})
}
