package cli

import (
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/source"
)

// TestStatusLine: what the prompt shows for each state of the SSO session
// and the credentials.
func TestStatusLine(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	sso := source.Profile{Name: "dev", SSOCacheKey: "corp"}
	session := func(left time.Duration, refresh bool, registration time.Duration) *source.SSOSession {
		s := &source.SSOSession{ExpiresAt: now.Add(left), Refreshable: refresh}
		if registration != 0 {
			s.RegistrationExpiresAt = now.Add(registration)
		}
		return s
	}
	temp := func(left time.Duration) *engine.CredentialsStatus {
		return &engine.CredentialsStatus{Temporary: true, Expiration: at(left)}
	}
	tests := []struct {
		name    string
		profile source.Profile
		creds   *engine.CredentialsStatus
		session *source.SSOSession
		want    string
	}{
		{"session outlives expired credentials", sso, temp(-5 * time.Minute), session(59*time.Minute, false, 0), "aws dev 59m"},
		{"credentials outlive the session", sso, temp(50 * time.Minute), session(20*time.Minute, false, 0), "aws dev 50m"},
		{"refresh token", sso, nil, session(4*time.Hour+23*time.Minute, true, 0), "aws dev 4h23m+"},
		{"refresh token, registration over", sso, nil, session(59*time.Minute, true, -time.Hour), "aws dev 59m"},
		{"all over", sso, temp(-time.Minute), session(-time.Minute, false, 0), "aws dev login needed"},
		{"no token", sso, nil, nil, "aws dev login needed"},
		{"token over, refresh token", sso, nil, session(-time.Minute, true, 0), "aws dev renewable"},
		{"long-term keys", source.Profile{Name: "dev"}, &engine.CredentialsStatus{}, nil, "aws dev ok"},
		{"other credentials", source.Profile{Name: "dev"}, temp(12 * time.Minute), nil, "aws dev 12m"},
		{"other credentials, expired", source.Profile{Name: "dev"}, temp(-time.Minute), nil, "aws dev expired"},
		{"other credentials, for days", source.Profile{Name: "dev"}, temp(80 * time.Hour), nil, "aws dev 3d"},
		{"nothing", source.Profile{Name: "dev"}, nil, nil, "aws dev no credentials"},
	}
	for _, tt := range tests {
		rep := statusReport{Profile: "dev", LoginNeeded: outlook(tt.profile, tt.creds, tt.session, now)}
		if got := statusLine(rep, now); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		if rep.LoginNeeded != nil && describeOutlook(rep.LoginNeeded, rep.SSOSession, now) == "" {
			t.Errorf("%s: no words for %+v", tt.name, rep.LoginNeeded)
		}
	}
	if got := statusLine(statusReport{Profile: "dev", Problem: &problemReport{Error: "x"}}, now); got != "aws dev config error" {
		t.Errorf("a configuration problem: %q", got)
	}
}
