//go:build unix

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/awsfresh/awsfresh/internal/runcmd"
)

// noteExportMisses explains, with the figures of this run, the warm-export
// rows that missed their target.
func (b *bench) noteExportMisses(rows []row, floor, command, profile, version, sdk time.Duration) {
	size := "a large"
	if fi, err := os.Stat(b.awsfresh); err == nil {
		size = fmt.Sprintf("a %.0f MB", float64(fi.Size())/1e6)
	}
	for i := range rows {
		r := &rows[i]
		if r.verdict != miss {
			continue
		}
		switch {
		case strings.HasSuffix(r.name, "/ floor"):
			r.note = fmt.Sprintf("nearly all of the gap is start-up, before awsfresh runs a line of its own. The floor takes %s; "+
				"`awsfresh --version`, which does no work, already takes %s; the floor merely linking the AWS SDK packages awsfresh uses "+
				"(config, sso, ssooidc, sts, processcreds) takes %s. So linking the SDK costs %s per process (Go package initialization: "+
				"the SDK's endpoint tables and schemas, thousands of allocations), the rest of awsfresh's start-up %s (cobra, net/http, "+
				"mapping %s binary), and the warm path itself (settings, cache read, printing) only about "+
				"%s (export command) and %s (profile). What it would take: serve a fresh cache from code that does not link the SDK, "+
				"e.g. a small program, or a main package that handles that case with the standard library only, which reads the cache and "+
				"hands off to the full binary on a miss; or lazy package initialization in the SDK upstream. The cost is a few "+
				"milliseconds per call, still far below the AWS CLI (see the AWS CLI ratios in the table).",
				ms(floor), ms(version), ms(sdk), ms(max(0, sdk-floor)), ms(max(0, version-sdk)), size,
				ms(max(0, command-version)), ms(max(0, profile-version)))
		case strings.HasPrefix(r.name, "AWS CLI /"):
			r.note = "the AWS CLI was faster than usual or awsfresh slower; compare the absolute times above with the machine's load " +
				"during the run, and rerun on an idle machine."
		}
	}
}

// noteOtherMisses gives every missed row that has no note yet the
// explanation that fits its section.
func (b *bench) noteOtherMisses(rows []row, m machine) {
	busy := fmt.Sprintf("The load average (1, 5, 15 min) when the harness started, before any of its own work, was %s on %d CPUs; "+
		"well above 0 means other work competed for the CPUs during the run. ", m.loadStart, m.nproc)
	clients := make([]string, len(b.clients))
	for i, n := range b.clients {
		clients[i] = strconv.Itoa(n)
	}
	for i := range rows {
		r := &rows[i]
		if r.verdict != miss || r.note != "" {
			continue
		}
		switch {
		case strings.HasPrefix(r.section, hungSection):
			r.note = busy + fmt.Sprintf("awsfresh signals the command's group at the deadline and kills it %s later, so only the "+
				"SIGTERM-ignored case should take that grace. More means runcmd did not signal or abandon the command's processes in time, "+
				"or the machine was so loaded that timers and the %s polling lagged; rerun on an idle machine, and if it persists it is a "+
				"runcmd defect to fix.", durText(runcmd.DefaultGrace), durText(pollEvery))
		case strings.Contains(r.section, "concurrent exports"):
			r.note = "more than one login means the per-profile lock (engine, gofrs/flock on the cache directory) let a second " +
				"process run the login command, or a waiter did not re-read the credentials after the first login: a defect to fix. " +
				"Exports that failed are logged on stderr by the harness."
		case strings.Contains(r.name, "resident memory"):
			r.note = fmt.Sprintf("the idle exec process holds the Go runtime, the AWS SDK and the endpoint; more than %s means something "+
				"grew (a cache, buffers, goroutines): compare with a heap profile of `awsfresh exec`, and consider GOMEMLIMIT.", mib(maxIdleRSS))
		case strings.HasPrefix(r.section, "exec endpoint"):
			r.note = busy + fmt.Sprintf("The load generator (%s client goroutines in the harness) shares the CPUs with the server, so the tail ", strings.Join(clients, ", ")) +
				"latency mostly measures who gets a CPU when; other work on the machine lengthens it directly. The handler already " +
				"answers from memory with a pre-encoded body, so what remains per request is net/http's own work on both ends. " +
				"What it would take: rerun on an idle machine; to measure the server alone, run the clients on other cores or another " +
				"host; to cut the server's share, serve the endpoint with a leaner HTTP/1.1 responder than net/http (fewer allocations, " +
				"no per-connection goroutine wake-ups), at the cost of owning that code."
		}
	}
}
