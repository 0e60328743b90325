package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/awsfresh/awsfresh/internal/creds"
)

// Defaults for the zero values of the corresponding Options fields.
const (
	DefaultInterval    = time.Second
	DefaultPlainEvery  = 30 * time.Second
	DefaultPartialWait = time.Second
	DefaultWidth       = 80
	DefaultWhat        = "the login command"
)

// Terminal control sequences. clearLine moves to the start of the line and
// erases it.
const (
	clearLine = "\r\x1b[K"
	bold      = "\x1b[1m"
	dim       = "\x1b[2m"
	reset     = "\x1b[0m"
)

// Options says where and how a Line is shown. The zero value of each field
// is usable.
type Options struct {
	// Out is where the status and the command's output are written: the
	// process's stderr. Nil discards both.
	Out io.Writer
	// Terminal selects the live status line, redrawn in place with carriage
	// returns and erase-line sequences. Set it only when Out is a terminal
	// that understands them (see Auto). When false, the Line writes plain
	// lines every PlainEvery and no control characters at all.
	Terminal bool
	// Color allows bold and dim text in the live status line (see
	// ColorAllowed). It is ignored when Terminal is false.
	Color bool
	// Width reports the terminal's width in columns; the status line is
	// shortened to fit in one row, so that erasing it erases all of it. Nil,
	// or a result of zero or less, means DefaultWidth.
	Width func() int
	// Interval is how often the live status line is redrawn; zero or
	// negative means DefaultInterval. In plain mode it is how often the Line
	// checks whether a plain line is due.
	Interval time.Duration
	// PlainEvery is the time between plain lines when Terminal is false;
	// zero or negative means DefaultPlainEvery.
	PlainEvery time.Duration
	// PartialWait is how long output that does not end with a newline (a
	// prompt, a code printed without one) is left alone at the end of the
	// screen before the status goes on a new line below it; zero or negative
	// means DefaultPartialWait.
	PartialWait time.Duration
	// What names what is running in plain lines ("still waiting for What");
	// empty means DefaultWhat.
	What string
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Line shows the progress of one running command. Its methods may be called
// from several goroutines at once. Start creates it; Stop ends it.
type Line struct {
	o       Options
	command string        // as shown: one line, redacted
	timeout time.Duration // zero or negative: no deadline
	start   time.Time
	w       lineWriter

	done   chan struct{} // closed by Stop
	exited chan struct{} // closed when the ticking goroutine returns

	mu        sync.Mutex
	stopped   bool
	broken    bool      // a write of our own to Out failed: show nothing more
	shown     bool      // the live status line is on screen, cursor at its end
	midLine   bool      // the command's output so far does not end with '\n'
	lastWrite time.Time // of the command's output
	nextPlain time.Time // when the next plain line is due
}

// Start begins showing that command is running with the given deadline
// (zero or negative: none), counted from now, and returns the Line. On a
// terminal it draws the status line at once; in plain mode the first line
// comes after PlainEvery, so the caller should announce the command itself
// before Start.
//
// The command's output must then be written through l.Writer(), and Stop
// must be called when the command has ended.
func Start(opts Options, command string, timeout time.Duration) *Line {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.PlainEvery <= 0 {
		opts.PlainEvery = DefaultPlainEvery
	}
	if opts.PartialWait <= 0 {
		opts.PartialWait = DefaultPartialWait
	}
	if opts.What == "" {
		opts.What = DefaultWhat
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if !opts.Terminal {
		opts.Color = false
	}
	now := opts.Now()
	l := &Line{
		o:         opts,
		command:   oneLine(creds.Redact(command)),
		timeout:   timeout,
		start:     now,
		done:      make(chan struct{}),
		exited:    make(chan struct{}),
		nextPlain: now.Add(opts.PlainEvery),
	}
	l.w = lineWriter{l}
	if opts.Terminal {
		l.mu.Lock()
		l.draw(now)
		l.mu.Unlock()
	}
	go l.loop()
	return l
}

// Writer returns the writer through which the command's output must reach
// Out (runcmd.Options.Stderr). Each Write erases the live status line, writes
// the bytes unchanged, and draws the status line again below them when they
// end with a newline; otherwise the status waits, for more output or for
// PartialWait, so that a partial line stays intact. After Stop, Writes go to
// Out unchanged. Its Write returns Out's result for the bytes.
func (l *Line) Writer() io.Writer { return l.w }

// Stop erases the live status line and stops the redrawing; when the
// command's output ended without a newline, it ends that line, so that what
// is printed next starts on a line of its own. Stop may be called more than
// once and from several goroutines; only the first call does anything.
// Neither the status nor anything else is written by the Line once Stop
// has returned.
func (l *Line) Stop() {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return
	}
	l.stopped = true
	if l.shown {
		l.put(clearLine)
		l.shown = false
	}
	if l.midLine {
		l.put("\n")
		l.midLine = false
	}
	l.mu.Unlock()
	close(l.done)
	<-l.exited
}

// loop calls tick every Interval until Stop.
func (l *Line) loop() {
	defer close(l.exited)
	t := time.NewTicker(l.o.Interval)
	defer t.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-t.C:
			l.tick(l.o.Now())
		}
	}
}

// tick redraws the live status line, or writes a plain line when one is due.
func (l *Line) tick(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped || l.broken {
		return
	}
	if !l.o.Terminal && now.Before(l.nextPlain) {
		return
	}
	if l.midLine {
		if now.Sub(l.lastWrite) < l.o.PartialWait {
			return // the rest of the line may be coming
		}
		// Leave the partial line as it is and go below it.
		l.put("\n")
		l.midLine = false
	}
	if l.o.Terminal {
		l.draw(now)
		return
	}
	l.put(l.plain(now) + "\n")
	for !now.Before(l.nextPlain) {
		l.nextPlain = l.nextPlain.Add(l.o.PlainEvery)
	}
}

// write passes the command's output p to Out around the status line.
func (l *Line) write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown {
		l.put(clearLine)
		l.shown = false
	}
	n, err := l.o.Out.Write(p)
	if n > 0 {
		l.midLine = p[n-1] != '\n'
		l.lastWrite = l.o.Now()
	}
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return n, err
	}
	if l.o.Terminal && !l.midLine && !l.stopped && !l.broken {
		l.draw(l.lastWrite)
	}
	return n, nil
}

// draw shows the live status line in place of the current (empty or status)
// line. Call with l.mu held.
func (l *Line) draw(now time.Time) {
	if l.broken {
		return
	}
	l.put(clearLine + l.status(now))
	l.shown = !l.broken
}

// put writes s, our own text, to Out. A failure stops all further output of
// our own. Call with l.mu held.
func (l *Line) put(s string) {
	if l.broken {
		return
	}
	if _, err := io.WriteString(l.o.Out, s); err != nil {
		l.broken = true
		l.shown = false
	}
}

// times returns the elapsed time (whole seconds) and the time left, rounded
// up so that the two add up to the timeout; left is negative when there is
// no deadline.
func (l *Line) times(now time.Time) (elapsed, left time.Duration) {
	elapsed = max(now.Sub(l.start), 0).Truncate(time.Second)
	if l.timeout <= 0 {
		return elapsed, -1
	}
	left = max(l.timeout-elapsed, 0)
	if r := left % time.Second; r != 0 {
		left += time.Second - r
	}
	return elapsed, left
}

// countdown is "0:12 elapsed, 2:48 left" and its variants, with the numbers
// wrapped in em/unem when color is on.
func (l *Line) countdown(now time.Time, em, unem string) string {
	elapsed, left := l.times(now)
	s := em + clock(elapsed) + unem + " elapsed"
	switch {
	case left < 0:
	case left == 0:
		s += ", deadline reached: stopping it"
	default:
		s += ", " + em + clock(left) + unem + " left"
	}
	return s
}

// plain is the periodic line of plain mode, without its newline.
func (l *Line) plain(now time.Time) string {
	return "awsfresh: still waiting for " + l.o.What + ": " + l.countdown(now, "", "")
}

// status is the live status line, shortened to fit in one terminal row.
func (l *Line) status(now time.Time) string {
	width := DefaultWidth
	if l.o.Width != nil {
		if w := l.o.Width(); w > 0 {
			width = w
		}
	}
	room := width - 1 // never touch the last column: no pending wrap
	const prefix, sep, hint = "awsfresh: ", " — ", " (Ctrl+C to cancel)"
	tail := sep + l.countdown(now, "", "")
	fixed := utf8.RuneCountInString(prefix + tail)
	withHint := fixed+utf8.RuneCountInString(hint)+minCommand <= room
	if withHint {
		fixed += utf8.RuneCountInString(hint)
	}
	if fixed+minCommand > room {
		// Too narrow for anything but the numbers.
		return truncate(prefix+l.countdown(now, "", ""), room)
	}
	cmd := truncate(l.command, room-fixed)
	if !l.o.Color {
		s := prefix + cmd + tail
		if withHint {
			s += hint
		}
		return s
	}
	s := bold + "awsfresh:" + reset + " " + cmd + sep + l.countdown(now, bold, reset)
	if withHint {
		s += dim + hint + reset
	}
	return s
}

// minCommand is the fewest columns worth giving the command in the status.
const minCommand = 12

// clock formats d as m:ss, or h:mm:ss from an hour.
func clock(d time.Duration) string {
	s := int64(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// truncate shortens s to at most n runes, marking a cut with "…".
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// oneLine makes s safe to show inside one status line: control characters
// (newlines, tabs, escape sequences) become spaces, and runs of white space
// one space.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// lineWriter is the io.Writer of Line.Writer.
type lineWriter struct{ l *Line }

func (w lineWriter) Write(p []byte) (int, error) { return w.l.write(p) }
