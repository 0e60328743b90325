//go:build windows

package cli

import (
	"errors"
	"os"
	"os/exec"
)

// forwardedSignals are passed on to the program of exec. Windows delivers
// Ctrl+C to every process of the console itself.
var forwardedSignals = []os.Signal{os.Interrupt}

func fromTerminal(sig os.Signal) bool { return sig == os.Interrupt }

// programExit turns the program's end into awsfresh's exit status.
func programExit(err error) error {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	return &exitError{code: ee.ExitCode()}
}
