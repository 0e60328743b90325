package cli

import (
	"errors"

	"github.com/awsfresh/awsfresh/internal/wording"
)

// describe turns any error into the SPEC's message and exit code (package
// wording), adding what only the command line has: usage errors. The
// lines are escaped (wording.Escape): they repeat names, paths and command
// output from outside.
func describe(err error) *exitError {
	var usage usageError
	if errors.As(err, &usage) {
		return &exitError{code: wording.ExitUsage, lines: []string{"Error: " + wording.Escape(usage.Error()), "Run 'awsfresh --help' for usage."}}
	}
	m := wording.Describe(err)
	for i, l := range m.Lines {
		m.Lines[i] = wording.Escape(l)
	}
	return &exitError{code: m.Code, lines: m.Lines}
}
