//go:build !unix

package engine_test

import (
	"testing"

	"github.com/awsfresh/awsfresh/internal/engine"
)

func loginSignal(t *testing.T, _ *engine.Login) <-chan struct{} {
	t.Skip("needs a named pipe")
	return nil
}

func gateLogin(t *testing.T, _ *engine.Login) func() {
	t.Skip("needs a named pipe")
	return nil
}
