package engine

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsfresh/awsfresh/internal/creds"
	"github.com/awsfresh/awsfresh/internal/source"
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
}

// Verify implements Verifier.
func (v *STSVerifier) Verify(ctx context.Context, c creds.Credentials, region string) (string, error) {
	timeout := v.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := source.STSClient(c, region).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Arn), nil
}
