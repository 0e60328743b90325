// Command cached-config shows an awsfresh Provider set up the way most Go
// programs set up their credentials: config.LoadDefaultConfig with
// config.WithCredentialsProvider, which wraps the Provider in an
// aws.CredentialsCache. Each line of standard input makes one AWS STS
// GetCallerIdentity call; the caller's ARN is printed.
//
// Usage:
//
//	cached-config [--profile P] [--login CMD]
//
// The cache is handed to awsfresh.WithRefreshRetry: when AWS rejects the
// cached credentials before their expiry (revoked, or a session that ended
// early), the retry invalidates the cache and is signed with the Provider's
// new credentials.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsfresh/awsfresh"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cached-config", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "default", "AWS profile")
	login := fs.String("login", "", "login command, e.g. \"aws sso login --profile P\"")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx := context.Background()

	p, err := awsfresh.New(awsfresh.Options{Profile: *profile, LoginCommand: *login, LoginOutput: stderr})
	if err != nil {
		fmt.Fprintln(stderr, "Error:", err)
		return 2
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithSharedConfigProfile(*profile),
		config.WithCredentialsProvider(p), // wrapped in an aws.CredentialsCache
	)
	if err != nil {
		fmt.Fprintln(stderr, "Error:", err)
		return 2
	}
	// Give the cache (cfg.Credentials) to the retry, so that a rejection
	// empties it.
	cfg.APIOptions = append(cfg.APIOptions, awsfresh.WithRefreshRetry(p, cfg.Credentials))
	client := sts.NewFromConfig(cfg)

	in := bufio.NewScanner(stdin)
	code := 0
	for in.Scan() {
		if strings.TrimSpace(in.Text()) == "" {
			continue
		}
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			fmt.Fprintln(stderr, "Error:", err)
			code = 1
			continue
		}
		fmt.Fprintln(stdout, aws.ToString(out.Arn))
	}
	return code
}
