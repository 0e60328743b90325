package cli

import (
	"errors"

	"github.com/awsfresh/awsfresh/internal/wording"
)

// describe turns any error into the SPEC's message and exit code (package
// wording), adding what only the command line has: usage errors.
func describe(err error) *exitError {
	var usage usageError
	if errors.As(err, &usage) {
		return &exitError{code: wording.ExitUsage, lines: []string{"Error: " + usage.Error(), "Run 'awsfresh --help' for usage."}}
	}
	if lines := profileLines(err); lines != nil {
		return &exitError{code: wording.ExitUsage, lines: lines}
	}
	if lines, code, ok := processLines(err); ok {
		return &exitError{code: code, lines: lines}
	}
	m := wording.Describe(err)
	return &exitError{code: m.Code, lines: m.Lines}
}
