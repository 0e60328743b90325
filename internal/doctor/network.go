package doctor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/engine"
	"github.com/awsfresh/awsfresh/internal/settings"
	"github.com/awsfresh/awsfresh/internal/source"
	"github.com/awsfresh/awsfresh/internal/wording"
)

// unreachable says that what could not be reached: it did not answer
// before the deadline, or the connection failed.
func unreachable(ctx context.Context, what string, deadline time.Duration, err error) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("%s did not answer within %s", what, wording.Duration(deadline))
	}
	return what + " could not be reached: " + redact(err)
}

// maxSkew is how far AWS lets a request's signing time be off.
const maxSkew = 5 * time.Minute

// networkChecks get credentials and ask AWS about them, each step with
// its own deadline: the endpoint request beside everything else,
// verification beside the model request once credentials are there.
func (d *doctor) networkChecks(ctx context.Context) {
	dates := &dateRecorder{now: d.opts.Now, next: awshttp.NewBuildableClient()}
	var wg sync.WaitGroup
	wg.Go(func() { d.checkEndpoint(ctx, dates) })

	c, ok := d.obtain(ctx)
	var skewErr bool
	if ok {
		wg.Go(func() { skewErr = d.verify(ctx, c, dates) })
		wg.Go(func() { d.checkModel(ctx, c, dates) })
	} else {
		d.skip(IDVerify, "no credentials to verify")
		d.skip(IDBedrockModel, "no credentials to ask Bedrock with")
	}
	wg.Wait()
	d.checkClock(dates, skewErr)
}

// credentialSource is where export would get the profile's credentials,
// or why the doctor will not ask it.
func (d *doctor) credentialSource() (source.Source, string) {
	if d.res == nil {
		if !d.profile.Exists && d.profile.Name != "default" || d.profileErr != nil {
			return nil, "no profile to get credentials from"
		}
		return &source.SDKChain{Profile: d.profile.Name, Timeout: d.opts.Deadlines.Credentials}, ""
	}
	// What export would refuse to run, the doctor does not run either: an
	// export command, or an env entry that steers the SDK (AWS_CONFIG_FILE,
	// endpoints), from a project file the user has not trusted.
	if err := d.res.SourceRefused; err != nil {
		return nil, "not asked: " + err.Error() + " (see " + IDClaudeTrust + ")"
	}
	if d.res.Export == nil && (!d.profile.Exists && d.profile.Name != "default" || d.profileErr != nil) {
		return nil, "no profile to get credentials from"
	}
	return d.res.CredentialSource(d.opts.Deadlines.Credentials), ""
}

// obtain gets credentials the way export would, without a login and
// without touching awsfresh's cache.
func (d *doctor) obtain(ctx context.Context) (creds.Credentials, bool) {
	src, why := d.credentialSource()
	if src == nil {
		d.skip(IDCredentials, "%s", why)
		return creds.Credentials{}, false
	}
	before, _ := source.LoadSSOSession(d.profile)
	ctx, cancel := context.WithTimeout(ctx, d.opts.Deadlines.Credentials)
	defer cancel()
	c, err := src.Retrieve(ctx)
	if err != nil {
		status, fix := Problem, d.loginFix()
		msg := "cannot get credentials without a login from " + src.Describe() + ": " + redact(err)
		switch engine.Classify(err) {
		case engine.KindNetwork:
			msg = "could not reach AWS to get credentials from " + src.Describe() + ": " + redact(err)
			fix = "check the network, VPN or proxy (HTTPS_PROXY), then run awsfresh doctor again"
		case engine.KindClockSkew:
			fix = clockFix
		case engine.KindAccessDenied:
			fix = "ask your AWS administrator for access to the role of profile " + quote(d.profile.Name)
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg = fmt.Sprintf("no credentials from %s within %s: %s", src.Describe(), wording.Duration(d.opts.Deadlines.Credentials), redact(err))
			fix = "check the network, VPN or proxy, or whether the export command waits for input"
		}
		d.set(IDCredentials, status, msg, fix)
		return creds.Credentials{}, false
	}
	kind := "long-term keys " + c.MaskedKeyID() + " (awsfresh export --format claude makes temporary ones from them for Claude Code)"
	if c.Temporary() {
		kind = "temporary credentials " + c.MaskedKeyID()
		if c.HasExpiration() {
			kind += ", valid for " + wording.Duration(c.Expiration.Sub(d.opts.Now()))
		}
	}
	note := ""
	if after, err := source.LoadSSOSession(d.profile); err == nil && after.ExpiresAt.After(before.ExpiresAt) && !before.ExpiresAt.IsZero() {
		note = "; the AWS SDK renewed the SSO access token with its refresh token"
	}
	d.ok(IDCredentials, "obtained without a login from %s: %s%s", src.Describe(), kind, note)
	return c, true
}

// verify asks STS whose the credentials are. It reports whether AWS
// refused the request's time.
func (d *doctor) verify(ctx context.Context, c creds.Credentials, dates *dateRecorder) (clockRefused bool) {
	if d.opts.Offline {
		d.skip(IDVerify, "--offline: not verified with STS")
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Deadlines.Verify)
	defer cancel()
	region := cmp.Or(d.claudeRegion(), "us-east-1")
	out, err := source.STSClient(c, region).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.Options) {
		o.HTTPClient = dates.client("STS")
	})
	if err == nil {
		d.ok(IDVerify, "valid: %s (account %s), key %s", aws.ToString(out.Arn), aws.ToString(out.Account), c.MaskedKeyID())
		return false
	}
	kind := engine.Classify(err)
	switch kind {
	case engine.KindClockSkew:
		d.set(IDVerify, Problem, "AWS refused the request's time: "+redact(err), clockFix)
		return true
	case engine.KindLoginExpired, engine.KindNoCredentials:
		d.set(IDVerify, Problem, "AWS rejects the credentials ("+c.MaskedKeyID()+"): "+redact(err), d.loginFix())
	case engine.KindNetwork:
		d.set(IDVerify, Problem, unreachable(ctx, "STS", d.opts.Deadlines.Verify, err), "check the network, VPN or proxy (HTTPS_PROXY)")
	case engine.KindAccessDenied:
		d.set(IDVerify, Warning, "STS GetCallerIdentity is denied (an organization policy?): "+redact(err), "nothing to do unless other requests fail too")
	default:
		d.set(IDVerify, Problem, "STS GetCallerIdentity failed: "+redact(err), "check the message; run awsfresh doctor --debug")
	}
	return false
}

const clockFix = "turn on time synchronization: sudo timedatectl set-ntp true (Linux), or Settings › General › Date & Time › Set time automatically (macOS)"

func (d *doctor) checkClock(dates *dateRecorder, refused bool) {
	skew, from, ok := dates.skew()
	// A Date header counts whole seconds: a skew of minutes is told in
	// minutes, so it reads the same on every run.
	shown := abs(skew)
	if shown > 2*time.Minute {
		shown = shown.Round(time.Minute)
	}
	switch {
	case refused && ok:
		d.set(IDClock, Problem, fmt.Sprintf("this machine's clock is %s %s AWS (%s's Date header), and AWS refused the request's time", wording.Duration(shown), aheadBehind(skew), from), clockFix)
	case refused:
		d.set(IDClock, Problem, "AWS refused the request's time: this machine's clock is more than 5 minutes off", clockFix)
	case !ok:
		d.skip(IDClock, "no answer from AWS to compare the clock with")
	case abs(skew) > maxSkew:
		d.set(IDClock, Problem, fmt.Sprintf("this machine's clock is %s %s AWS (%s's Date header); AWS refuses requests signed more than 5 minutes off", wording.Duration(shown), aheadBehind(skew), from), clockFix)
	case abs(skew) > time.Minute:
		d.set(IDClock, Warning, fmt.Sprintf("this machine's clock is %s %s AWS (%s's Date header), close to the 5-minute limit", wording.Duration(shown), aheadBehind(skew), from), clockFix)
	default:
		d.ok(IDClock, "within %s of AWS (%s's Date header)", wording.Duration(max(abs(skew), time.Second)), from)
	}
}

// skew > 0: AWS is ahead, so this machine is behind.
func aheadBehind(skew time.Duration) string {
	if skew > 0 {
		return "behind"
	}
	return "ahead of"
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// bedrockEndpoint is the Bedrock Runtime endpoint Claude Code would use
// for region, and the base endpoint when one is configured.
func (d *doctor) bedrockEndpoint(ctx context.Context, region string) (url, base string, err error) {
	// Claude Code's own override, unless a project file (untrusted code)
	// would send the signed request elsewhere.
	override := d.getenv("ANTHROPIC_BEDROCK_BASE_URL")
	if v, f := d.settingsEnv("ANTHROPIC_BEDROCK_BASE_URL"); f != nil && !f.Scope.NeedsTrust() {
		override = v
	}
	base = cmp.Or(override, d.getenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME"), d.getenv("AWS_ENDPOINT_URL"))
	if base != "" {
		return base, base, nil
	}
	// The region becomes part of the host name: "x@host:port/" would send
	// the request elsewhere.
	if !settings.ValidRegion(region) {
		return "", "", fmt.Errorf("%q is not an AWS region name", region)
	}
	ep, err := bedrockruntime.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, bedrockruntime.EndpointParameters{Region: aws.String(region)})
	if err != nil {
		return "", "", err
	}
	return ep.URI.String(), "", nil
}

// checkEndpoint sends one unauthenticated request to the Bedrock Runtime
// endpoint: any HTTP answer means it is reachable (and carries AWS's
// clock).
func (d *doctor) checkEndpoint(ctx context.Context, dates *dateRecorder) {
	region := d.claudeRegion()
	if region == "" {
		d.skip(IDBedrockEndpoint, "no region (see %s)", IDProfileRegion)
		return
	}
	url, _, err := d.bedrockEndpoint(ctx, region)
	if err != nil {
		d.set(IDBedrockEndpoint, d.bedrockSeverity(), "no Bedrock Runtime endpoint for region "+region+": "+redact(err), "set AWS_REGION to a region that offers Bedrock")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Deadlines.Endpoint)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		d.set(IDBedrockEndpoint, d.bedrockSeverity(), "bad Bedrock endpoint "+url+": "+redact(err), "fix AWS_ENDPOINT_URL_BEDROCK_RUNTIME or ANTHROPIC_BEDROCK_BASE_URL")
		return
	}
	start := time.Now()
	resp, err := dates.client("Bedrock").Do(req)
	if err != nil {
		d.set(IDBedrockEndpoint, d.bedrockSeverity(), unreachable(ctx, url, d.opts.Deadlines.Endpoint, err),
			"check the network, VPN, proxy (HTTPS_PROXY) or firewall for "+url)
		return
	}
	resp.Body.Close()
	d.ok(IDBedrockEndpoint, "%s answers (HTTP %d in %s)", url, resp.StatusCode, wording.Duration(time.Since(start).Round(time.Millisecond)))
}

// checkModel asks Bedrock to answer one token with the model Claude Code
// would use, as Claude Code does (InvokeModel, Anthropic Messages body).
func (d *doctor) checkModel(ctx context.Context, c creds.Credentials, dates *dateRecorder) {
	region := d.claudeRegion()
	switch {
	case d.opts.Offline:
		d.skip(IDBedrockModel, "--offline: no model request sent")
		return
	case region == "":
		d.skip(IDBedrockModel, "no region (see %s)", IDProfileRegion)
		return
	}
	model, from, why := d.model(region)
	if model == "" {
		d.set(IDBedrockModel, Warning, why, "set ANTHROPIC_MODEL to a Bedrock inference profile id (aws bedrock list-inference-profiles --region "+creds.ShellQuote(region)+")")
		return
	}
	_, base, err := d.bedrockEndpoint(ctx, region)
	if err != nil {
		d.skip(IDBedrockModel, "no Bedrock endpoint (see %s)", IDBedrockEndpoint)
		return
	}
	opts := bedrockruntime.Options{
		Region:           region,
		Credentials:      credentials.StaticCredentialsProvider{Value: c.AWS("awsfresh doctor")},
		HTTPClient:       dates.client("Bedrock"),
		RetryMaxAttempts: 2,
	}
	if base != "" {
		opts.BaseEndpoint = aws.String(base)
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Deadlines.Model)
	defer cancel()
	_, err = bedrockruntime.New(opts).InvokeModel(ctx, &bedrockruntime.InvokeModelInput{
		ModelId:     aws.String(model),
		ContentType: aws.String("application/json"),
		Accept:      aws.String("application/json"),
		Body:        []byte(`{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":"ping"}]}`),
	})
	what := model + " (" + from + ") in " + region
	if err == nil {
		d.ok(IDBedrockModel, "%s answers (checked with a one-token InvokeModel request)", what)
		return
	}
	sev := d.bedrockSeverity()
	listFix := "set ANTHROPIC_MODEL to a model id offered in " + region + " (aws bedrock list-inference-profiles --region " + creds.ShellQuote(region) + ")"
	var api smithy.APIError
	code := ""
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	switch kind := engine.Classify(err); {
	case kind == engine.KindAccessDenied:
		d.set(IDBedrockModel, sev, "not allowed to invoke "+what+": "+redact(err),
			"ask your AWS administrator for bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on it and for model access in the Bedrock console, or "+listFix)
	case code == "ValidationException" || code == "ResourceNotFoundException":
		d.set(IDBedrockModel, sev, "Bedrock does not offer "+what+": "+redact(err), listFix)
	case code == "ThrottlingException" || code == "ServiceQuotaExceededException":
		d.set(IDBedrockModel, Warning, "Bedrock throttled the request for "+what+" (the model exists; the quota is busy): "+redact(err), "nothing, unless Claude Code reports throttling too: then ask for a higher quota")
	case kind == engine.KindClockSkew:
		d.set(IDBedrockModel, sev, "Bedrock refused the request's time: "+redact(err), clockFix)
	case kind == engine.KindLoginExpired:
		d.set(IDBedrockModel, sev, "Bedrock rejects the credentials: "+redact(err), d.loginFix())
	case kind == engine.KindNetwork:
		d.set(IDBedrockModel, sev, unreachable(ctx, "Bedrock", d.opts.Deadlines.Model, err), "check the network, VPN or proxy (HTTPS_PROXY)")
	default:
		d.set(IDBedrockModel, sev, "the request to "+what+" failed: "+redact(err), listFix)
	}
}

// dateRecorder remembers the Date header of AWS's answers, to compare
// this machine's clock with AWS's.
type dateRecorder struct {
	now  func() time.Time
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	mu    sync.Mutex
	dates map[string]time.Duration // by service: AWS's time minus ours
}

type recordingClient struct {
	r       *dateRecorder
	service string
}

func (d *dateRecorder) client(service string) *recordingClient {
	return &recordingClient{r: d, service: service}
}

func (c *recordingClient) Do(req *http.Request) (*http.Response, error) {
	sent := c.r.now()
	resp, err := c.r.next.Do(req)
	if err != nil {
		return resp, err
	}
	received := c.r.now()
	if t, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
		mid := sent.Add(received.Sub(sent) / 2)
		c.r.mu.Lock()
		if c.r.dates == nil {
			c.r.dates = map[string]time.Duration{}
		}
		if _, seen := c.r.dates[c.service]; !seen {
			// The Date header has whole seconds: compare at its precision.
			c.r.dates[c.service] = t.Sub(mid.Truncate(time.Second))
		}
		c.r.mu.Unlock()
	}
	return resp, nil
}

// skew returns AWS's time minus this machine's, from STS's answer if
// there was one, else Bedrock's.
func (d *dateRecorder) skew() (time.Duration, string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, s := range []string{"STS", "Bedrock"} {
		if v, ok := d.dates[s]; ok {
			return v, s, true
		}
	}
	return 0, "", false
}

// model is the Bedrock model Claude Code would use in region, and where
// that choice comes from; "" with the reason when it cannot be told.
func (d *doctor) model(region string) (model, from, why string) {
	model, from = d.claudeEnv("ANTHROPIC_MODEL"), "ANTHROPIC_MODEL"
	if model == "" {
		model, from = d.settingsModel()
	}
	alias := strings.ToLower(strings.TrimSuffix(model, "[1m]"))
	switch alias {
	case "":
		return defaultModel(region), "Claude Code's default Bedrock model", ""
	case "default", "sonnet", "opus", "haiku", "best", "opusplan":
		family := map[string]string{"default": "SONNET", "sonnet": "SONNET", "opus": "OPUS", "best": "OPUS", "opusplan": "OPUS", "haiku": "HAIKU"}[alias]
		if id := d.claudeEnv("ANTHROPIC_DEFAULT_" + family + "_MODEL"); id != "" {
			return id, "ANTHROPIC_DEFAULT_" + family + "_MODEL, for " + model + " from " + from, ""
		}
		if family == "SONNET" {
			return defaultModel(region), "Claude Code's default Bedrock model, for " + model + " from " + from, ""
		}
		return "", "", "the model alias " + quote(model) + " (from " + from + ") names no Bedrock model id here, so it was not checked"
	}
	return model, from, ""
}

// settingsModel is the "model" key of Claude Code's settings files, in
// their precedence order.
func (d *doctor) settingsModel() (string, string) {
	if d.res == nil {
		return "", ""
	}
	for _, f := range d.res.Settings.Files {
		if !f.Exists {
			continue
		}
		if m := settings.ReadModel(f.Path); m != "" {
			return m, "model in " + f.Path
		}
	}
	return "", ""
}

// defaultModel is Claude Code's default Bedrock model for region: the
// Sonnet inference profile of the region's geography.
func defaultModel(region string) string {
	const id = "anthropic.claude-sonnet-4-5-20250929-v1:0"
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return "us-gov." + id
	case strings.HasPrefix(region, "us-"), strings.HasPrefix(region, "ca-"):
		return "us." + id
	case strings.HasPrefix(region, "eu-"):
		return "eu." + id
	case strings.HasPrefix(region, "ap-"):
		return "apac." + id
	}
	return "global." + id
}
