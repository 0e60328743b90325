package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/runcmd"
)

// Command is a Source that runs an export command (awsCredentialExport)
// and parses the credentials JSON it prints on stdout.
type Command struct {
	// Command is the shell command line.
	Command string
	// Env is the command's full environment; nil means os.Environ().
	Env []string
	// Timeout bounds each run.
	Timeout time.Duration
	// Stderr, when set, receives the command's stderr as it runs.
	Stderr io.Writer
	// RegionName is reported by Region.
	RegionName string
}

// ErrExportFailed is matched by every *CommandError.
var ErrExportFailed = errors.New("export command failed")

// CommandError is returned when the export command fails or prints
// something that is not credentials. It never carries the command's
// stdout, which may hold secrets. It matches ErrExportFailed.
type CommandError struct {
	Command string
	Err     error // a runcmd error, or a *creds.ParseError
	// StderrTail is the redacted end of the command's stderr.
	StderrTail string
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("export command %q: %v", e.Command, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Is matches ErrExportFailed.
func (e *CommandError) Is(target error) bool { return target == ErrExportFailed }

// Retrieve runs the command once and parses its output.
func (c *Command) Retrieve(ctx context.Context) (creds.Credentials, error) {
	res, err := runcmd.Run(ctx, runcmd.Options{
		Command: c.Command,
		Env:     c.Env,
		Timeout: c.Timeout,
		Mode:    runcmd.Capture,
		Stderr:  c.Stderr,
	})
	tail := ""
	if res != nil {
		tail = creds.Redact(string(res.StderrTail))
	}
	if err != nil {
		return creds.Credentials{}, &CommandError{Command: c.Command, Err: err, StderrTail: tail}
	}
	v, err := creds.Parse(res.Stdout)
	if err != nil {
		return creds.Credentials{}, &CommandError{Command: c.Command, Err: err, StderrTail: tail}
	}
	return v, nil
}

// Describe implements Source.
func (c *Command) Describe() string { return fmt.Sprintf("export command `%s`", c.Command) }

// Key implements Source.
func (c *Command) Key() string { return "command:" + c.Command }

// Region implements Source.
func (c *Command) Region() string { return c.RegionName }
