//go:build unix

package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/simaws"
)

const (
	ssoSession  = "corp"
	ssoStartURL = "https://corp.awsapps.com/start"
	ssoRegion   = "us-east-1"
)

// loginResult is one round of concurrent exports.
type loginResult struct {
	logins int
	wall   time.Duration
	ok     int // exports that printed the credentials all others printed
}

// benchLogin runs -callers concurrent `awsfresh export` processes while the
// SSO login is over, -login-runs times, each with a new simulation and home.
func (b *bench) benchLogin() ([]row, error) {
	var results []loginResult
	for rep := range b.loginRuns {
		r, err := b.loginRound(rep)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
		b.progress(fmt.Sprintf("%d concurrent exports, login expired", b.callers), rep+1, b.loginRuns)
	}
	var logins []string
	var walls []time.Duration
	exactlyOne, allOK := true, true
	for _, r := range results {
		logins = append(logins, fmt.Sprint(r.logins))
		walls = append(walls, r.wall)
		exactlyOne = exactlyOne && r.logins == 1
		allOK = allOK && r.ok == b.callers
	}
	oks := make([]string, 0, len(results))
	for _, r := range results {
		oks = append(oks, fmt.Sprintf("%d/%d", r.ok, b.callers))
	}
	section := fmt.Sprintf("%d concurrent exports, SSO login expired (login takes %s), %d runs", b.callers, b.loginDelay, b.loginRuns)
	return []row{
		{section: section, name: "login command runs, each run", value: strings.Join(logins, ", "), target: "exactly 1", verdict: check(exactlyOne)},
		{section: section, name: "exports that printed the same valid credentials", value: strings.Join(oks, ", "), target: fmt.Sprintf("%d/%d", b.callers, b.callers), verdict: check(allOK)},
		{section: section, name: "total wall time, first start to last exit (median)", value: secs(median(walls)), target: "-", verdict: info},
		{section: section, name: "total wall time minus the login's own duration (median)", value: secs(median(walls) - b.loginDelay), target: "-", verdict: info},
	}, nil
}

// loginRound starts the exports all at once and waits for every one.
func (b *bench) loginRound(rep int) (loginResult, error) {
	sim := simaws.New(simaws.Options{})
	if err := sim.Start(); err != nil {
		return loginResult{}, err
	}
	defer sim.Close()
	marker := b.marker(fmt.Sprintf("login-%d", rep))
	base := filepath.Join(b.tmp, marker)
	h, err := newHome(base, "home", append(sim.Env(), markerVar+"="+marker)...)
	if err != nil {
		return loginResult{}, err
	}
	// An SSO profile whose session is over: expired access token, dead
	// refresh token. Only the login command can renew it.
	if err := simaws.WriteSSOProfile(h.dir, "dev", ssoSession, ssoStartURL, ssoRegion, sim.AccountID(), "Developer"); err != nil {
		return loginResult{}, err
	}
	tok := sim.IssueSSOToken()
	tok.ExpiresAt = time.Now().Add(-time.Minute)
	sim.ExpireSSOTokens()
	sim.RevokeRefreshTokens()
	if _, err := simaws.WriteSSOCache(h.dir, ssoSession, ssoStartURL, ssoRegion, tok); err != nil {
		return loginResult{}, err
	}
	login := fmt.Sprintf("sleep %g && %s", b.loginDelay.Seconds(), sim.LoginCommand(h.dir, ssoSession, ssoStartURL, ssoRegion))
	h.env = append(h.env, "AWSFRESH_REFRESH_COMMAND="+login)

	outs := make([][]byte, b.callers)
	errs := make([]error, b.callers)
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range b.callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], _, errs[i] = h.run(b.awsfresh, "export", "--profile", "dev")
		}()
	}
	wg.Wait()
	wall := time.Since(begin)
	b.scan.killMarked(marker) // nothing should be left; be sure

	res := loginResult{logins: sim.Count(simaws.OpSSOLogin), wall: wall}
	var keys []string
	for i := range b.callers {
		if errs[i] != nil {
			continue
		}
		if c, err := creds.Parse(outs[i]); err == nil && c.Temporary() {
			keys = append(keys, c.AccessKeyID)
		}
	}
	// Count the exports that agree with the most common answer.
	slices.Sort(keys)
	best := 0
	for i := 0; i < len(keys); {
		j := i
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		best = max(best, j-i)
		i = j
	}
	res.ok = best
	for i := range b.callers {
		if errs[i] != nil {
			b.logf("export %d of round %d failed: %v", i, rep, errs[i])
			break
		}
	}
	return res, nil
}
