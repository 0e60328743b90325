package engine

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsfresh/awsfresh/creds"
)

// A Verifier asks AWS whether credentials are accepted and whose they are.
type Verifier interface {
	// Verify returns the caller's ARN, or the error AWS answered with.
	Verify(ctx context.Context, c creds.Credentials, region string) (identity string, err error)
}

// STSVerifier verifies with STS GetCallerIdentity, which needs no
// permission: any failure but a network one is about the credentials or
// the clock.
type STSVerifier struct {
	// Timeout bounds one verification; 0 means 5 seconds.
	Timeout time.Duration
	// HTTPClient; nil means a default client.
	HTTPClient *http.Client
}

// Verify implements Verifier. The endpoint follows AWS_ENDPOINT_URL_STS or
// AWS_ENDPOINT_URL, as the SDK's own configuration does.
func (v *STSVerifier) Verify(ctx context.Context, c creds.Credentials, region string) (string, error) {
	timeout := v.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if region == "" {
		region = firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), "us-east-1")
	}
	opts := sts.Options{
		Region:           region,
		Credentials:      credentials.StaticCredentialsProvider{Value: c.AWS("awsfresh")},
		RetryMaxAttempts: 2,
	}
	if v.HTTPClient != nil {
		opts.HTTPClient = v.HTTPClient
	}
	if ep := firstNonEmpty(os.Getenv("AWS_ENDPOINT_URL_STS"), os.Getenv("AWS_ENDPOINT_URL")); ep != "" {
		opts.BaseEndpoint = aws.String(ep)
	}
	out, err := sts.New(opts).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Arn), nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
