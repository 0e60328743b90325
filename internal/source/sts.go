package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsfresh/awsfresh/internal/creds"
)

// STSClient returns an STS client signing with c. Its endpoint follows
// AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL, as the SDK's own configuration
// does; the region defaults to AWS_REGION, then us-east-1.
func STSClient(c creds.Credentials, region string) *sts.Client {
	if region == "" {
		region = cmp.Or(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), "us-east-1")
	}
	opts := sts.Options{
		Region:           region,
		Credentials:      credentials.StaticCredentialsProvider{Value: c.AWS("awsfresh")},
		RetryMaxAttempts: 2,
	}
	if ep := cmp.Or(os.Getenv("AWS_ENDPOINT_URL_STS"), os.Getenv("AWS_ENDPOINT_URL")); ep != "" {
		opts.BaseEndpoint = aws.String(ep)
	}
	return sts.New(opts)
}

// ErrCannotMint is wrapped by SessionToken when STS does not give
// temporary credentials for the base source's long-term keys.
var ErrCannotMint = errors.New("cannot mint temporary credentials with STS GetSessionToken")

// SessionToken is a Source for consumers that refuse long-term keys
// (Claude Code's awsCredentialExport needs a session token): it passes
// temporary credentials through and exchanges long-term keys for
// temporary ones with STS GetSessionToken.
type SessionToken struct {
	Base Source
	// Duration asks STS for this lifetime; 0 means STS's default (12h).
	Duration time.Duration
}

// Retrieve implements Source.
func (s *SessionToken) Retrieve(ctx context.Context) (creds.Credentials, error) {
	c, err := s.Base.Retrieve(ctx)
	if err != nil || c.Temporary() {
		return c, err
	}
	in := &sts.GetSessionTokenInput{}
	if s.Duration > 0 {
		in.DurationSeconds = aws.Int32(int32(s.Duration / time.Second))
	}
	out, err := STSClient(c, s.Base.Region()).GetSessionToken(ctx, in)
	if err != nil {
		return creds.Credentials{}, fmt.Errorf("%w for the long-term keys %s: %w", ErrCannotMint, c.MaskedKeyID(), err)
	}
	t := out.Credentials
	return creds.Credentials{
		AccessKeyID:     aws.ToString(t.AccessKeyId),
		SecretAccessKey: aws.ToString(t.SecretAccessKey),
		SessionToken:    aws.ToString(t.SessionToken),
		Expiration:      aws.ToTime(t.Expiration),
		IssuedAt:        time.Now(),
	}, nil
}

// Describe implements Source.
func (s *SessionToken) Describe() string {
	return s.Base.Describe() + ", as temporary credentials from STS GetSessionToken"
}

// Key implements Source.
func (s *SessionToken) Key() string { return "session:" + s.Base.Key() }

// Region implements Source.
func (s *SessionToken) Region() string { return s.Base.Region() }
