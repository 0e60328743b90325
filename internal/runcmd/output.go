package runcmd

import (
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// output owns the pipes from the command and the goroutines reading them.
type output struct {
	echo      io.Writer
	maxStdout int64
	tooLarge  chan struct{} // closed when stdout overflows

	writeEnds []*os.File
	readEnds  []*os.File
	readers   []func()
	finished  chan struct{} // one send per reader when it returns
	pending   int           // readers not yet seen on finished

	mu       sync.Mutex
	stdout   []byte
	overflow bool
	tail     tailBuffer
	closed   bool // snapshot taken: readers must not touch the buffers
}

func newOutput(cmd *exec.Cmd, o *Options) (*output, error) {
	out := &output{
		echo:      o.Stderr,
		maxStdout: o.MaxStdout,
		tooLarge:  make(chan struct{}),
		tail:      tailBuffer{max: o.StderrTail},
	}
	pipe := func(read func(*os.File)) (*os.File, error) {
		r, w, err := os.Pipe()
		if err != nil {
			out.closeWriteEnds()
			out.closeReadEnds()
			return nil, err
		}
		out.readEnds = append(out.readEnds, r)
		out.writeEnds = append(out.writeEnds, w)
		out.readers = append(out.readers, func() { read(r) })
		return w, nil
	}
	if o.Mode == Stream {
		w, err := pipe(out.readTail)
		if err != nil {
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = w, w
		return out, nil
	}
	w, err := pipe(out.readStdout)
	if err != nil {
		return nil, err
	}
	cmd.Stdout = w
	if w, err = pipe(out.readTail); err != nil {
		return nil, err
	}
	cmd.Stderr = w
	return out, nil
}

func (out *output) start() {
	out.finished = make(chan struct{}, len(out.readers))
	out.pending = len(out.readers)
	for _, read := range out.readers {
		go func() {
			defer func() { out.finished <- struct{}{} }()
			read()
		}()
	}
}

// wait waits up to d for all readers to return and reports whether they did.
func (out *output) wait(d time.Duration) bool {
	if out.pending == 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	for out.pending > 0 {
		select {
		case <-out.finished:
			out.pending--
		case <-t.C:
			return false
		}
	}
	return true
}

func (out *output) closeWriteEnds() {
	for _, f := range out.writeEnds {
		f.Close()
	}
	out.writeEnds = nil
}

// closeReadEnds closes the pipes' read ends, which makes pending reads
// return. It does not wait for that: on Windows Close waits for a pending
// read to be canceled, and nothing may block Run.
func (out *output) closeReadEnds() {
	for _, f := range out.readEnds {
		go f.Close()
	}
	out.readEnds = nil
}

// snapshot returns the collected output and stops further collection.
func (out *output) snapshot() (stdout, tail []byte) {
	out.mu.Lock()
	defer out.mu.Unlock()
	out.closed = true
	return out.stdout, out.tail.Bytes()
}

func (out *output) overflowed() bool {
	out.mu.Lock()
	defer out.mu.Unlock()
	return out.overflow
}

// readStdout collects stdout up to maxStdout bytes; on more it records the
// overflow, signals tooLarge and stops reading.
func (out *output) readStdout(r *os.File) {
	buf := make([]byte, readChunk)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			out.mu.Lock()
			if out.closed {
				out.mu.Unlock()
				return
			}
			room := out.maxStdout - int64(len(out.stdout))
			over := int64(n) > room
			if over {
				n = int(room)
				out.overflow = true
			}
			out.stdout = appendBounded(out.stdout, buf[:n], out.maxStdout)
			out.mu.Unlock()
			if over {
				close(out.tooLarge)
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// readTail keeps the tail of what it reads and copies it live to echo.
func (out *output) readTail(r *os.File) {
	buf := make([]byte, readChunk)
	echo := out.echo
	for {
		n, err := r.Read(buf)
		if n > 0 {
			out.mu.Lock()
			if out.closed {
				out.mu.Unlock()
				return
			}
			out.tail.Write(buf[:n])
			out.mu.Unlock()
			if echo != nil {
				if _, werr := echo.Write(buf[:n]); werr != nil {
					echo = nil
				}
			}
		}
		if err != nil {
			return
		}
	}
}
