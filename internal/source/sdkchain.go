package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/smithy-go/logging"

	"github.com/awsfresh/awsfresh/internal/creds"
)

// DefaultSDKTimeout bounds one retrieval through the SDK chain.
const DefaultSDKTimeout = 30 * time.Second

// SDKChain is a Source backed by the AWS SDK for Go v2's default
// credential chain for one profile of the shared config files. It renews
// silently what the SDK can renew: role credentials from a still-valid SSO
// session, SSO tokens through their refresh token, assume-role,
// credential_process.
type SDKChain struct {
	// Profile is the shared config profile; always selected explicitly, so
	// static key variables in the environment do not shadow it.
	Profile string
	// LoadOptions are extra options for config.LoadDefaultConfig.
	LoadOptions []func(*config.LoadOptions) error
	// Timeout bounds one retrieval, retries included: an AWS endpoint that
	// accepts a connection and never answers must not hold awsfresh.
	// 0 means DefaultSDKTimeout.
	Timeout time.Duration

	mu     sync.Mutex
	region string
}

// Retrieve loads the profile afresh (so files rewritten by another tool are
// seen) and retrieves credentials through the SDK.
func (s *SDKChain) Retrieve(ctx context.Context) (creds.Credentials, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSDKTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cfg, err := s.load(ctx)
	if err != nil {
		return creds.Credentials{}, err
	}
	if cfg.Credentials == nil {
		return creds.Credentials{}, fmt.Errorf("profile %q: no credentials configured", s.Profile)
	}
	v, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return creds.Credentials{}, retrieveError(s.Profile, cfg, err, s.LoadOptions...)
	}
	c := creds.FromAWS(v)
	if mintsFresh(v.Source) {
		c.IssuedAt = time.Now()
	}
	return c, nil
}

// mintsFresh reports whether the SDK provider named source asks AWS for
// new credentials on every retrieval (the config is loaded afresh each
// time, so no SDK cache sits in between).
func mintsFresh(source string) bool {
	switch source {
	case ssocreds.ProviderName, stscreds.ProviderName, stscreds.WebIdentityProviderName:
		return true
	}
	return false
}

func (s *SDKChain) load(ctx context.Context) (aws.Config, error) {
	// The SDK's own log lines (IMDS fallbacks, retries) would reach
	// stderr, which export keeps for awsfresh's messages: errors say it.
	quiet := config.WithLogger(logging.Nop{})
	opts := append([]func(*config.LoadOptions) error{quiet, config.WithSharedConfigProfile(s.Profile)}, s.LoadOptions...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	var notExist config.SharedConfigProfileNotExistError
	if errors.As(err, &notExist) && s.Profile == "default" && cmp.Or(os.Getenv("AWS_PROFILE"), "default") == "default" {
		// No default profile in the files: the SDK's chain without one
		// (environment variables, web identity, container, instance role).
		cfg, err = config.LoadDefaultConfig(ctx, append([]func(*config.LoadOptions) error{quiet}, s.LoadOptions...)...)
	}
	if err != nil {
		return aws.Config{}, fmt.Errorf("profile %q: %w", s.Profile, err)
	}
	s.mu.Lock()
	s.region = cfg.Region
	s.mu.Unlock()
	return cfg, nil
}

// Describe implements Source.
func (s *SDKChain) Describe() string {
	return fmt.Sprintf("AWS SDK credential chain for profile %q", s.Profile)
}

// Key implements Source.
func (s *SDKChain) Key() string { return "sdk:" + s.Profile }

// Region implements Source: the profile's region once Retrieve has run.
func (s *SDKChain) Region() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.region
}
