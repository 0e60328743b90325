package progress

import (
	"io"
	"sync"
	"time"
)

// Display shows a Line for each command that runs, in turn, on one output.
// It exists for callers that must hand out the command's output writer
// before they know when a command starts (engine.Login.Output): Writer
// stays valid for the Display's whole life, and goes through the current
// Line while there is one. Its methods may be called from several
// goroutines at once.
type Display struct {
	opts Options

	mu  sync.Mutex
	cur *Line // nil between commands
}

// NewDisplay returns a Display that shows its Lines with opts.
func NewDisplay(opts Options) *Display {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	return &Display{opts: opts}
}

// Start stops the current Line, if any, and starts a Line for command with
// its timeout (see the package function Start).
func (d *Display) Start(command string, timeout time.Duration) {
	d.mu.Lock()
	prev := d.cur
	d.cur = nil
	d.mu.Unlock()
	if prev != nil {
		prev.Stop()
	}
	l := Start(d.opts, command, timeout)
	d.mu.Lock()
	prev, d.cur = d.cur, l
	d.mu.Unlock()
	if prev != nil { // a concurrent Start: only the last one stays
		prev.Stop()
	}
}

// Stop stops the current Line, if any (see Line.Stop). It may be called
// at any time, more than once.
func (d *Display) Stop() {
	d.mu.Lock()
	l := d.cur
	d.cur = nil
	d.mu.Unlock()
	if l != nil {
		l.Stop()
	}
}

// Writer returns the writer for the commands' output: through the current
// Line's Writer while there is one, straight to the output otherwise.
func (d *Display) Writer() io.Writer { return displayWriter{d} }

type displayWriter struct{ d *Display }

func (w displayWriter) Write(p []byte) (int, error) {
	w.d.mu.Lock()
	l := w.d.cur
	w.d.mu.Unlock()
	if l != nil {
		return l.write(p)
	}
	return w.d.opts.Out.Write(p)
}
