//go:build unix

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// bench holds the configuration and the shared state of one harness run.
type bench struct {
	// Repetition counts and durations (flags).
	exportRuns   int
	awsRuns      int
	hungRuns     int
	hungTimeout  time.Duration
	hungLimit    time.Duration
	peerWait     time.Duration
	callers      int
	loginRuns    int
	loginDelay   time.Duration
	clients      []int
	loadRuns     int
	loadDuration time.Duration
	aws          string // AWS CLI v2 path

	root     string // repository root
	tmp      string // everything the run creates lives here
	awsfresh string // built binary, as the README's install command builds it
	cgoBuild string // built binary with cgo, go build's default where a C compiler exists; "" when none could be built
	floor    string // built floor binary
	sdkFloor string // built floor binary that links the AWS SDK
	runID    string // prefix of every marker of this run
	scan     *scanner
	log      io.Writer
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	b := &bench{log: stderr, scan: newScanner()}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./bench [flags]\n\nMeasures awsfresh against its peers, prints a table and writes it to BENCHMARKS.md.\n\nFlags:")
		fs.PrintDefaults()
	}
	out := fs.String("o", "", "Markdown file to write (default BENCHMARKS.md at the repository root; \"-\" writes none)")
	quick := fs.Bool("quick", false, "smoke run: small repetition counts (figures are not stable; use for checking the harness)")
	fs.IntVar(&b.exportRuns, "export-runs", 300, "calls of the floor and of each warm awsfresh export")
	fs.IntVar(&b.awsRuns, "aws-runs", 15, "calls of the AWS CLI (about 0.5 s each)")
	fs.IntVar(&b.hungRuns, "hung-runs", 5, "runs of each hung command per tool")
	fs.DurationVar(&b.hungTimeout, "hung-timeout", time.Second, "deadline given to each hung command")
	fs.DurationVar(&b.hungLimit, "hung-limit", 2500*time.Millisecond, "target: awsfresh returns and leaves nothing behind this long after the deadline")
	fs.DurationVar(&b.peerWait, "peer-wait", 30*time.Second, "how long after the deadline to watch for processes left behind")
	fs.IntVar(&b.callers, "callers", 100, "concurrent awsfresh export processes while the login is expired")
	fs.IntVar(&b.loginRuns, "login-runs", 3, "rounds of concurrent exports")
	fs.DurationVar(&b.loginDelay, "login-delay", time.Second, "how long the simulated login command takes")
	clients := fs.String("clients", "1,16,64", "comma-separated concurrent client counts for the exec endpoint")
	fs.IntVar(&b.loadRuns, "load-runs", 3, "load runs per client count")
	fs.DurationVar(&b.loadDuration, "load-duration", 3*time.Second, "measured duration of each load run (after a "+loadWarmup.String()+" warm-up)")
	fs.StringVar(&b.aws, "aws", "/usr/bin/aws", "AWS CLI v2 executable")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *quick {
		b.exportRuns, b.awsRuns, b.hungRuns, b.peerWait = 30, 3, 1, 5*time.Second
		b.loginRuns, b.loadRuns, b.loadDuration = 1, 1, time.Second
	}
	for _, f := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "bench: -clients: %q is not a positive number\n", f)
			return 2
		}
		b.clients = append(b.clients, n)
	}
	if b.exportRuns < 1 || b.hungRuns < 1 || b.callers < 1 || b.loginRuns < 1 || b.loadRuns < 1 || b.hungTimeout <= 0 || b.loadDuration <= 0 {
		fmt.Fprintln(stderr, "bench: repetition counts and durations must be positive")
		return 2
	}

	if err := b.setUp(); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		b.tearDown()
		return 1
	}
	defer b.tearDown()

	// Interrupted: leave nothing behind, then stop at once.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		<-sig
		b.tearDown()
		os.Exit(130)
	}()
	ctx := context.Background()

	mach := machineInfo(b)
	started := time.Now()
	var rows []row
	phases := []struct {
		name string
		fn   func() ([]row, error)
	}{
		{"warm export", b.benchExport},
		{"hung commands", func() ([]row, error) { return b.benchHung(ctx) }},
		{"concurrent exports", b.benchLogin},
		{"exec endpoint", func() ([]row, error) { return b.benchEndpoint(ctx) }},
	}
	for _, p := range phases {
		r, err := p.fn()
		if err != nil {
			fmt.Fprintf(stderr, "bench: %s: %v\n", p.name, err)
			return 1
		}
		rows = append(rows, r...)
	}
	took := time.Since(started)
	mach.loadEnd = loadAvg()
	b.noteOtherMisses(rows, mach)

	fmt.Fprintln(stdout)
	printTable(stdout, rows)
	fmt.Fprintf(stdout, "\n%s, %d CPUs, %s; measured in %s; load average %s at the start, %s at the end\n",
		mach.cpu, mach.nproc, mach.goVersion, took.Round(time.Second), mach.loadStart, mach.loadEnd)

	if *out != "-" {
		path := *out
		if path == "" {
			path = filepath.Join(b.root, "BENCHMARKS.md")
		}
		doc := b.markdown(mach, rows, "go run ./bench"+argString(args), took)
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		fmt.Fprintln(stdout, "wrote", path)
	}
	return 0
}

// argString renders the flags the harness was run with.
func argString(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return " " + strings.Join(args, " ")
}

// setUp finds the repository, creates the temporary directory and builds
// the two binaries.
func (b *bench) setUp() error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(gomod))
	if mod == "" || mod == os.DevNull {
		return errors.New("run the harness inside the awsfresh repository (go run ./bench)")
	}
	b.root = filepath.Dir(mod)
	b.tmp, err = os.MkdirTemp("", "awsfresh-bench-")
	if err != nil {
		return err
	}
	b.runID = fmt.Sprintf("awsfresh-bench-%d-%d", os.Getpid(), time.Now().UnixNano())
	b.awsfresh = filepath.Join(b.tmp, "awsfresh")
	b.cgoBuild = filepath.Join(b.tmp, "awsfresh-cgo")
	b.floor = filepath.Join(b.tmp, "printcreds")
	b.sdkFloor = filepath.Join(b.tmp, "sdkfloor")
	// Every Go binary is built as the README's install command builds
	// awsfresh, so the floors compare like with like.
	for _, bin := range []struct{ out, pkg, cgo string }{
		{b.awsfresh, "./cmd/awsfresh", installCgo},
		{b.floor, "./internal/cli/testdata/printcreds", installCgo},
		{b.sdkFloor, "./bench/internal/sdkfloor", installCgo},
		{b.cgoBuild, "./cmd/awsfresh", "1"},
	} {
		fmt.Fprintf(b.log, "building %s with CGO_ENABLED=%s\n", bin.pkg, bin.cgo)
		cmd := exec.Command("go", "build", "-o", bin.out, bin.pkg)
		cmd.Dir = b.root
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+bin.cgo)
		out, err := cmd.CombinedOutput()
		switch {
		case err != nil && bin.out == b.cgoBuild:
			b.logf("no cgo build to compare with (%v); its row is skipped", err)
			b.cgoBuild = ""
		case err != nil:
			return fmt.Errorf("go build %s: %w\n%s", bin.pkg, err, out)
		}
	}
	return nil
}

// installCgo is the CGO_ENABLED of the README's install command.
const installCgo = "0"

// tearDown kills every process of this run still alive and removes the
// temporary directory.
func (b *bench) tearDown() {
	if b.runID != "" {
		b.scan.killMarked(b.runID)
	}
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}

// marker returns the marker value of one measurement of this run.
func (b *bench) marker(name string) string { return b.runID + "-" + name }

// progress reports progress on stderr: the start, about every tenth,
// and the end of a phase.
func (b *bench) progress(what string, done, total int) {
	if done == 0 || done == total || done%max(1, total/10) == 0 {
		fmt.Fprintf(b.log, "%-60s %d/%d\n", what, done, total)
	}
}

// logf writes a diagnostic line on stderr.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "bench: "+format+"\n", args...)
}
