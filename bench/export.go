//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

const exportSection = "Warm export (one process per call)"

// benchExport measures a warm-cache `awsfresh export` against the floor and
// the AWS CLI. The calls of the three programs are interleaved, so that
// whatever else the machine does affects them alike.
func (b *bench) benchExport() ([]row, error) {
	sim := simaws.New(simaws.Options{})
	if err := sim.Start(); err != nil {
		return nil, err
	}
	defer sim.Close()
	h, err := newHome(b.tmp, "export", sim.Env()...)
	if err != nil {
		return nil, err
	}
	// A static-keys profile the AWS CLI and awsfresh both read. awsfresh
	// verifies keys without an expiry with STS once (the simulation), then
	// serves them from its cache.
	key, secret := sim.CreateUser("bench")
	if err := h.write(".aws/credentials", fmt.Sprintf("[bench]\naws_access_key_id = %s\naws_secret_access_key = %s\n", key, secret)); err != nil {
		return nil, err
	}
	if err := h.write(".aws/config", "[profile bench]\nregion = us-east-1\noutput = json\n"); err != nil {
		return nil, err
	}
	// The export command counts its runs, to prove the loop is served from
	// the cache.
	counter := filepath.Join(h.dir, "export-runs")
	command := "echo run >> '" + counter + "'; " + exportCommand

	floorOut, _, err := runEnv(h.env, b.floor)
	if err != nil {
		return nil, err
	}
	withCommand := []string{"export", "--profile", "bench", "--command", command}
	withProfile := []string{"export", "--profile", "bench"}
	out, _, err := h.run(b.awsfresh, withCommand...)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(out, floorOut) {
		return nil, fmt.Errorf("awsfresh export does not print the floor's bytes:\n%s\n%s", out, floorOut)
	}
	out, _, err = h.run(b.awsfresh, withProfile...)
	if err != nil {
		return nil, err
	}
	if c, err := creds.Parse(out); err != nil || c.AccessKeyID != key {
		return nil, fmt.Errorf("awsfresh export --profile bench printed other credentials (%v)", err)
	}

	awsArgs, awsLabel, awsErr := b.awsExportArgs(h, key)

	// The programs measured in each round, in a rotating order so none
	// always runs right after another.
	progs := []struct {
		bin  string
		args []string
		env  []string
	}{
		{b.floor, nil, h.env},
		{b.awsfresh, withCommand, h.env},
		{b.awsfresh, withProfile, h.env},
		{b.awsfresh, []string{"--version"}, h.env},
		{b.sdkFloor, nil, h.env},
		{b.cgoBuild, withProfile, h.env},
	}
	const (
		pFloor = iota
		pCommand
		pProfile
		pVersion
		pSDK
		pCgo
	)
	if b.cgoBuild == "" {
		progs = progs[:pCgo]
	}
	times := make([][]time.Duration, len(progs))
	var awsT []time.Duration
	requests := sim.TotalRequests()
	awsEvery := max(1, b.exportRuns/max(1, b.awsRuns))
	for i := range b.exportRuns {
		for j := range progs {
			k := (i + j) % len(progs)
			_, d, err := runEnv(progs[k].env, progs[k].bin, progs[k].args...)
			if err != nil {
				return nil, err
			}
			times[k] = append(times[k], d)
		}
		if awsErr == nil && i%awsEvery == 0 && len(awsT) < b.awsRuns {
			_, d, err := h.run(b.aws, awsArgs...)
			if err != nil {
				return nil, err
			}
			awsT = append(awsT, d)
		}
		b.progress("warm export", i+1, b.exportRuns)
	}
	if n := sim.TotalRequests() - requests; n != 0 {
		return nil, fmt.Errorf("warm exports made %d requests to AWS: not served from the cache", n)
	}
	if data, _ := os.ReadFile(counter); strings.Count(string(data), "run") != 1 {
		return nil, fmt.Errorf("the export command ran %d times, want once (warm cache)", strings.Count(string(data), "run"))
	}

	m := make([]time.Duration, pCgo+1)
	for k := range progs {
		m[k] = median(times[k])
	}
	n := fmt.Sprintf(" (median of %d)", b.exportRuns)
	rows := []row{
		{name: "floor: Go binary printing the same JSON" + n, value: ms(m[pFloor]), target: "-", verdict: info},
		{name: "awsfresh export, warm, export-command source" + n, value: ms(m[pCommand]), target: "-", verdict: info},
		ratioRow("awsfresh export (export command) / floor", m[pCommand], m[pFloor], maxExportRatio, false),
		{name: "awsfresh export --profile bench, warm, static keys" + n, value: ms(m[pProfile]), target: "-", verdict: info},
		ratioRow("awsfresh export --profile bench / floor", m[pProfile], m[pFloor], maxExportRatio, false),
		{name: "reference: awsfresh --version, start-up only" + n, value: fmt.Sprintf("%s (%.2fx floor)", ms(m[pVersion]), float64(m[pVersion])/float64(m[pFloor])), target: "-", verdict: info},
		{name: "reference: the floor linking the AWS SDK packages awsfresh uses" + n, value: fmt.Sprintf("%s (%.2fx floor)", ms(m[pSDK]), float64(m[pSDK])/float64(m[pFloor])), target: "-", verdict: info},
	}
	if b.cgoBuild != "" {
		rows = append(rows, row{name: "reference: awsfresh export --profile bench built with cgo (CGO_ENABLED=1)" + n,
			value:  fmt.Sprintf("%s (%.2fx the CGO_ENABLED=%s build above)", ms(m[pCgo]), float64(m[pCgo])/float64(m[pProfile]), installCgo),
			target: "-", verdict: info})
	}
	if awsErr != nil {
		rows = append(rows, row{name: "aws configure export-credentials --profile bench", value: "not measured", target: ">= 50x slower than awsfresh", verdict: skipped, note: awsErr.Error()})
	} else {
		mAWS := median(awsT)
		rows = append(rows,
			row{name: fmt.Sprintf("%s (median of %d)", awsLabel, len(awsT)), value: ms(mAWS), target: "-", verdict: info},
			ratioRow("AWS CLI / awsfresh export --profile bench (same profile)", mAWS, m[pProfile], 50, true),
			ratioRow("AWS CLI / awsfresh export (export command)", mAWS, m[pCommand], 50, true),
		)
	}
	b.noteExportMisses(rows, m[pFloor], m[pCommand], m[pProfile], m[pVersion], m[pSDK])
	for i := range rows {
		rows[i].section = exportSection
	}
	return rows, nil
}

// maxExportRatio is the target for a warm export against the floor.
const maxExportRatio = 2.5

// ratioRow compares a/b with a target: at most limit, or at least limit
// when atLeast.
func ratioRow(name string, a, b time.Duration, limit float64, atLeast bool) row {
	r := float64(a) / float64(b)
	if atLeast {
		return row{name: name, value: fmt.Sprintf("%.1fx", r), target: fmt.Sprintf(">= %gx", limit), verdict: check(r >= limit)}
	}
	return row{name: name, value: fmt.Sprintf("%.2fx", r), target: fmt.Sprintf("<= %gx", limit), verdict: check(r <= limit)}
}

// awsExportArgs returns the AWS CLI arguments that print the profile's
// credentials, and how to label them. AWS CLI v2 before 2.9 lacks
// `configure export-credentials`; then the closest equivalent, `configure
// get` of the access key, stands in, and the label says so.
func (b *bench) awsExportArgs(h *home, key string) ([]string, string, error) {
	if b.aws == "" {
		return nil, "", fmt.Errorf("no AWS CLI at the -aws path; install AWS CLI v2 or pass -aws PATH")
	}
	if _, err := os.Stat(b.aws); err != nil {
		return nil, "", fmt.Errorf("no AWS CLI at %s (%v); install AWS CLI v2 or pass -aws PATH", b.aws, err)
	}
	args := []string{"configure", "export-credentials", "--profile", "bench", "--format", "process"}
	out, _, err := h.run(b.aws, args...)
	if err == nil {
		if c, perr := creds.Parse(out); perr != nil || c.AccessKeyID != key {
			return nil, "", fmt.Errorf("aws configure export-credentials printed other credentials (%v)", perr)
		}
		return args, "aws configure export-credentials --profile bench --format process", nil
	}
	if !strings.Contains(err.Error(), "Invalid choice") {
		return nil, "", err
	}
	args = []string{"configure", "get", "aws_access_key_id", "--profile", "bench"}
	if _, _, err := h.run(b.aws, args...); err != nil {
		return nil, "", err
	}
	return args, "aws configure get aws_access_key_id --profile bench (this AWS CLI lacks configure export-credentials)", nil
}
