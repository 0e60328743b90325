//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// execProcess is a running `awsfresh exec` whose program only sleeps.
type execProcess struct {
	cmd    *exec.Cmd
	url    string
	token  string
	done   chan struct{}
	stderr *bytes.Buffer
}

// startExec runs `awsfresh exec -- sh -c '…; exec sleep 600'` with an
// export command as its credential source; the program writes the
// endpoint's URL and token to a file, which is read back.
func (b *bench) startExec(marker string) (*execProcess, error) {
	epFile := filepath.Join(b.tmp, marker+".endpoint")
	h, err := newHome(b.tmp, marker, markerVar+"="+marker, "AWSFRESH_EXPORT_COMMAND="+exportCommand, "BENCH_ENDPOINT_FILE="+epFile)
	if err != nil {
		return nil, err
	}
	script := `printf '%s %s\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN" > "$BENCH_ENDPOINT_FILE.tmp" && mv "$BENCH_ENDPOINT_FILE.tmp" "$BENCH_ENDPOINT_FILE" && exec sleep 600`
	cmd := exec.Command(b.awsfresh, "exec", "--", "sh", "-c", script)
	cmd.Env = h.env
	p := &execProcess{cmd: cmd, done: make(chan struct{}), stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, err := os.ReadFile(epFile)
		if err == nil {
			f := strings.Fields(string(data))
			if len(f) != 2 || !strings.HasPrefix(f[0], "http://127.0.0.1:") {
				p.stop()
				return nil, errors.New("awsfresh exec gave its program no endpoint URL and token")
			}
			p.url, p.token = f[0], f[1]
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("awsfresh exec ended before its program started:\n%s", lastLines(p.stderr.String(), 5))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, errors.New("awsfresh exec: the program did not start within 30 s")
		}
	}
}

// stop ends awsfresh exec the way a user does (SIGTERM, which it forwards
// to its program), then SIGKILL after 5 seconds.
func (p *execProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// rss returns the median of a few VmRSS samples of the awsfresh process.
func (p *execProcess) rss() (int64, error) {
	var xs []int64
	for range 5 {
		n, err := vmRSS(p.cmd.Process.Pid)
		if err != nil {
			return 0, err
		}
		xs = append(xs, n)
		time.Sleep(50 * time.Millisecond)
	}
	return median(xs), nil
}

// loadResult is one load run.
type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

// loadWarmup is how long the clients send before their requests count.
const loadWarmup = 300 * time.Millisecond

// maxIdleRSS is the target for the idle exec process's resident memory.
const maxIdleRSS = 30 << 20

// load sends keep-alive GETs from clients goroutines, each with its own
// connection, for d after a short warm-up, and measures every request.
func load(ctx context.Context, url, token string, clients int, d time.Duration) (loadResult, error) {
	tr := &http.Transport{
		MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients,
		DisableCompression: true, ForceAttemptHTTP2: false, Proxy: nil,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	get := func(req *http.Request) error {
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	start := time.Now()
	measureFrom, end := start.Add(loadWarmup), start.Add(loadWarmup+d)
	lat := make([][]time.Duration, clients)
	errs := make([]int, clients)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			req.Header.Set("Authorization", token)
			own := make([]time.Duration, 0, 1<<16)
			for {
				t0 := time.Now()
				if t0.After(end) || ctx.Err() != nil {
					break
				}
				err := get(req)
				t1 := time.Now()
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil {
					errs[i]++
					once.Do(func() { firstErr = err })
					continue
				}
				own = append(own, t1.Sub(t0))
			}
			lat[i] = own
		}()
	}
	wg.Wait()
	all := slices.Concat(lat...)
	slices.Sort(all)
	res := loadResult{rps: float64(len(all)) / d.Seconds(), p50: percentile(all, 50), p99: percentile(all, 99)}
	for _, e := range errs {
		res.errors += e
	}
	if len(all) == 0 {
		return res, fmt.Errorf("no request succeeded: %v", firstErr)
	}
	if firstErr != nil {
		return res, fmt.Errorf("%d requests failed, first: %v", res.errors, firstErr)
	}
	return res, nil
}

// benchEndpoint measures the credentials endpoint of a real awsfresh exec.
func (b *bench) benchEndpoint(ctx context.Context) ([]row, error) {
	marker := b.marker("exec")
	p, err := b.startExec(marker)
	if err != nil {
		return nil, err
	}
	defer func() {
		p.stop()
		b.scan.killMarked(marker)
	}()
	// Let the process settle: it has served no request yet.
	time.Sleep(500 * time.Millisecond)
	idle, err := p.rss()
	if err != nil {
		return nil, err
	}

	section := fmt.Sprintf("exec endpoint, keep-alive GETs from the same machine, %s per run, median of %d runs", b.loadDuration, b.loadRuns)
	var rows []row
	for _, clients := range b.clients {
		var rps []float64
		var p50, p99 []time.Duration
		for rep := range b.loadRuns {
			r, err := load(ctx, p.url, p.token, clients, b.loadDuration)
			if err != nil {
				return nil, fmt.Errorf("%d clients: %w", clients, err)
			}
			rps, p50, p99 = append(rps, r.rps), append(p50, r.p50), append(p99, r.p99)
			b.progress(fmt.Sprintf("endpoint, %d clients", clients), rep+1, b.loadRuns)
		}
		name := fmt.Sprintf("%d client", clients)
		if clients != 1 {
			name += "s"
		}
		rpsRow := row{name: name + ": requests per second", value: thousands(int64(median(rps))), target: "-", verdict: info}
		p50Row := row{name: name + ": p50 latency", value: ms(median(p50)), target: "-", verdict: info}
		p99Row := row{name: name + ": p99 latency", value: ms(median(p99)), target: "-", verdict: info}
		if clients == 16 {
			rpsRow.target, rpsRow.verdict = ">= 20,000", check(median(rps) >= 20000)
			p99Row.target, p99Row.verdict = "< 5 ms", check(median(p99) < 5*time.Millisecond)
		}
		rows = append(rows, rpsRow, p50Row, p99Row)
	}
	after, err := p.rss()
	if err != nil {
		return nil, err
	}
	rows = append(rows,
		row{name: "awsfresh exec resident memory (VmRSS), idle", value: mib(idle), target: "< " + mib(maxIdleRSS), verdict: check(idle < maxIdleRSS)},
		row{name: "awsfresh exec resident memory (VmRSS), after the load", value: mib(after), target: "-", verdict: info},
	)
	for i := range rows {
		rows[i].section = section
	}
	return rows, nil
}
