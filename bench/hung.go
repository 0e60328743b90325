//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

const hungSection = "Hung command"

// hungCase is a command that never finishes on its own.
type hungCase struct {
	name    string
	command string
}

var hungCases = []hungCase{
	{"plain sleep", "sleep 600"},
	{"grandchild holding the pipe", "(sleep 600) & sleep 600"},
	{"SIGTERM ignored", `trap "" TERM; sleep 600`},
}

// hungRun is one run of a hung command under a deadline. Times are
// relative to the deadline.
type hungRun struct {
	marker   string
	deadline time.Time
	// exclude is the PID of the caller when it is a process of its own
	// (awsfresh), which carries the marker too but is not the command.
	exclude int

	returned   chan struct{} // closed when the call returned
	returnedAt time.Time     // set before returned is closed
	exit       int           // awsfresh's exit status, set before returned is closed
	// retAt is returnedAt when the call returned while watched, zero
	// when it had not returned by the end of the watch.
	retAt time.Time

	seenAlive bool
	goneAt    time.Time // zero while a process of the command lives
}

// watch polls /proc until every run has returned and every process of its
// command is gone, or until limit after the last deadline. It records when
// each run's processes were first all seen dead.
func (b *bench) watch(runs []*hungRun, limit time.Duration) {
	last := time.Time{}
	for _, r := range runs {
		if r.deadline.After(last) {
			last = r.deadline
		}
	}
	stop := last.Add(limit)
	for {
		live := b.scan.live(b.runID)
		now := time.Now()
		finished := true
		for _, r := range runs {
			pids := slices.DeleteFunc(slices.Clone(live[r.marker]), func(p int) bool { return p == r.exclude })
			if len(pids) > 0 {
				r.seenAlive = true
				r.goneAt = time.Time{}
			} else if r.seenAlive && r.goneAt.IsZero() {
				r.goneAt = now
			}
			select {
			case <-r.returned:
			default:
				finished = false
			}
			if r.goneAt.IsZero() {
				finished = false
			}
		}
		if finished || now.After(stop) {
			for _, r := range runs {
				select {
				case <-r.returned:
					r.retAt = r.returnedAt
				default:
				}
			}
			return
		}
		time.Sleep(pollEvery)
	}
}

// pollEvery is how often watch looks at /proc: the figures carry up to
// this much polling delay.
const pollEvery = 5 * time.Millisecond

// benchHung measures awsfresh and the SDK's processcreds on every hung case.
func (b *bench) benchHung(ctx context.Context) ([]row, error) {
	var rows []row
	// awsfresh: one run at a time, nothing else running.
	fresh := make(map[string][]*hungRun)
	for rep := range b.hungRuns {
		for ci, c := range hungCases {
			r, err := b.hungAwsfresh(c, rep, ci)
			if err != nil {
				return nil, err
			}
			fresh[c.name] = append(fresh[c.name], r)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
		b.progress("hung commands, awsfresh", rep+1, b.hungRuns)
	}
	// processcreds: all runs at once (they only sleep), watched together
	// for up to -peer-wait, then cleaned up.
	b.progress("hung commands, processcreds (waits up to "+b.peerWait.String()+")", 0, 1)
	sdk, err := b.hungProcesscreds()
	if err != nil {
		return nil, err
	}
	b.progress("hung commands, processcreds", 1, 1)

	limit := "<= " + secs(b.hungLimit)
	for _, c := range hungCases {
		rs := fresh[c.name]
		ret, gone := hungValues(rs, b.peerWait, "not returned", func(r *hungRun) time.Time { return r.retAt }), hungValues(rs, b.peerWait, "still alive", func(r *hungRun) time.Time { return r.goneAt })
		exits := ""
		for _, r := range rs {
			if r.exit != 124 {
				exits = fmt.Sprintf("; exit %d, want 124", r.exit)
			}
		}
		rows = append(rows,
			row{name: "awsfresh, " + c.name + ": call returned after deadline", value: ret.text + exits, target: limit, verdict: check(ret.worst <= b.hungLimit && exits == "")},
			row{name: "awsfresh, " + c.name + ": all processes gone after deadline", value: gone.text, target: limit, verdict: check(gone.worst <= b.hungLimit)},
		)
	}
	for _, c := range hungCases {
		rs := sdk[c.name]
		ret, gone := hungValues(rs, b.peerWait, "not returned", func(r *hungRun) time.Time { return r.retAt }), hungValues(rs, b.peerWait, "still alive", func(r *hungRun) time.Time { return r.goneAt })
		rows = append(rows,
			row{name: "SDK processcreds, " + c.name + ": call returned after deadline", value: ret.text, target: "-", verdict: info},
			row{name: "SDK processcreds, " + c.name + ": all processes gone after deadline", value: gone.text, target: "-", verdict: info},
		)
	}
	for i := range rows {
		rows[i].section = fmt.Sprintf("%s, timeout %s, median (max) of %d runs", hungSection, b.hungTimeout, b.hungRuns)
	}
	return rows, nil
}

// hungValue summarizes one measurement over runs.
type hungValue struct {
	text  string
	worst time.Duration // the longest; limit+1 when a run never finished
}

// hungValues summarizes when(r)-deadline over runs; a zero time means
// "not within limit".
func hungValues(runs []*hungRun, limit time.Duration, never string, when func(*hungRun) time.Time) hungValue {
	var ds []time.Duration
	for _, r := range runs {
		if t := when(r); !t.IsZero() {
			ds = append(ds, t.Sub(r.deadline))
		}
	}
	missing := len(runs) - len(ds)
	if len(ds) == 0 {
		return hungValue{text: fmt.Sprintf("%s %s after (%d/%d runs)", never, secs(limit), missing, len(runs)), worst: limit + 1}
	}
	text := fmt.Sprintf("%+.3f s (max %+.3f s)", median(ds).Seconds(), slices.Max(ds).Seconds())
	worst := slices.Max(ds)
	if missing > 0 {
		text += fmt.Sprintf("; %s %s after in %d/%d runs", never, secs(limit), missing, len(runs))
		worst = limit + 1
	}
	return hungValue{text: text, worst: worst}
}

// hungAwsfresh runs `awsfresh export --command CMD --timeout T` once, with
// an empty cache, and watches it.
func (b *bench) hungAwsfresh(c hungCase, rep, ci int) (*hungRun, error) {
	marker := b.marker(fmt.Sprintf("hung-awsfresh-%d-%d", rep, ci))
	h, err := newHome(b.tmp, marker, markerVar+"="+marker)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(b.awsfresh, "export", "--command", c.command, "--timeout", b.hungTimeout.String())
	cmd.Env = h.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	r := &hungRun{marker: marker, returned: make(chan struct{})}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r.deadline = start.Add(b.hungTimeout)
	r.exclude = cmd.Process.Pid
	go func() {
		err := cmd.Wait()
		r.returnedAt = time.Now()
		r.exit = exitCode(err)
		close(r.returned)
	}()
	b.watch([]*hungRun{r}, b.peerWait)
	b.cleanup(marker, r)
	select {
	case <-r.returned:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill() // our own child, stuck
		<-r.returned
	}
	if !r.seenAlive {
		return nil, fmt.Errorf("awsfresh export --command %q: never saw the command run (exit %d)\n%s", c.command, r.exit, lastLines(stderr.String(), 5))
	}
	return r, nil
}

// cleanup kills what is left of the runs of marker and waits for the
// calls to return.
func (b *bench) cleanup(marker string, runs ...*hungRun) {
	if b.scan.killMarked(marker) == 0 {
		return
	}
	for _, r := range runs {
		select {
		case <-r.returned:
		case <-time.After(5 * time.Second):
		}
	}
}

// markedBuilder is processcreds' default command builder plus the
// marker: the command runs exactly as the SDK runs it (sh -c, the caller's
// environment, stdin and stderr), and the harness can find its processes.
type markedBuilder struct {
	processcreds.DefaultNewCommandBuilder
	marker string
}

func (m markedBuilder) NewCommand(ctx context.Context) (*exec.Cmd, error) {
	cmd, err := m.DefaultNewCommandBuilder.NewCommand(ctx)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(cmd.Env, markerVar+"="+m.marker)
	return cmd, nil
}

// hungProcesscreds runs every case -hung-runs times at once through the
// SDK's processcreds provider with the same timeout, watches them for up to
// -peer-wait, then kills what is left.
func (b *bench) hungProcesscreds() (map[string][]*hungRun, error) {
	out := make(map[string][]*hungRun)
	var all []*hungRun
	prefix := b.marker("hung-sdk")
	for rep := range b.hungRuns {
		for ci, c := range hungCases {
			marker := fmt.Sprintf("%s-%d-%d", prefix, rep, ci)
			p := processcreds.NewProviderCommand(
				markedBuilder{processcreds.DefaultNewCommandBuilder{Args: []string{c.command}}, marker},
				func(o *processcreds.Options) { o.Timeout = b.hungTimeout })
			r := &hungRun{marker: marker, returned: make(chan struct{})}
			r.deadline = time.Now().Add(b.hungTimeout)
			go func() {
				_, _ = p.Retrieve(context.Background())
				r.returnedAt = time.Now()
				close(r.returned)
			}()
			out[c.name] = append(out[c.name], r)
			all = append(all, r)
		}
	}
	b.watch(all, b.peerWait)
	b.cleanup(prefix, all...)
	for _, r := range all {
		if !r.seenAlive {
			return nil, fmt.Errorf("processcreds: never saw a command run (marker %s)", r.marker)
		}
	}
	return out, nil
}
