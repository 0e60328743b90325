package awsfresh

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

// lockedBuffer is a LoginOutput the sign-in writes to from its goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestBuiltinSignInIsTheDefault: for an IAM Identity Center profile and no
// login command, New signs in with awsfresh's own sign-in when the
// credentials are needed; SSOLoginNone turns that off.
func TestBuiltinSignInIsTheDefault(t *testing.T) {
	env := newSimEnv(t, simaws.Options{SignIn: simaws.SignInOptions{OnDeviceAuthorization: func(d simaws.DeviceAuthorization) {
		if resp, err := http.Post(d.VerificationURIComplete, "", nil); err == nil {
			resp.Body.Close()
		}
	}}})
	// Whatever machine runs the test: the device flow, no real browser.
	t.Setenv("AWSFRESH_LOGIN_FLOW", "device-code")
	t.Setenv("BROWSER", "true")

	off, _ := newSimProvider(t, Options{SSOLogin: SSOLoginNone})
	if _, err := off.Retrieve(context.Background()); !errors.Is(err, engine.ErrNoLoginCommand) {
		t.Errorf("SSOLoginNone: want engine.ErrNoLoginCommand, got %v", err)
	}
	if n := env.sim.Count(simaws.OpStartDeviceAuthorization); n != 0 {
		t.Errorf("SSOLoginNone signed in")
	}

	var out lockedBuffer
	p, rec := newSimProvider(t, Options{LoginOutput: &out, Timeout: 30 * time.Second})
	c, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("Retrieve: %v\n%s", err, out.String())
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || env.sim.Count(simaws.OpStartDeviceAuthorization) != 1 {
		t.Errorf("key %s…, counts %v", c.AccessKeyID[:4], env.sim.Counts())
	}
	if auths := env.sim.DeviceAuthorizations(); len(auths) != 1 || !strings.Contains(out.String(), auths[0].VerificationURIComplete) {
		t.Errorf("LoginOutput lacks the verification URL:\n%s", out.String())
	}
	if rec.count(RefreshStarted) != 1 {
		t.Errorf("events: %v", rec.list())
	}
}
