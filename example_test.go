package awsfresh_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/awsfresh/awsfresh"
	"github.com/awsfresh/awsfresh/internal/settings"
)

// An agent that calls Amazon Bedrock for hours: credentials renew
// silently, and when the SSO session ends, "aws sso login" runs once,
// bounded by a deadline, for all concurrent calls.
func ExampleNew() {
	ctx := context.Background()
	p, err := awsfresh.New(awsfresh.Options{
		Profile:      "dev",
		LoginCommand: "aws sso login --profile dev",
		Timeout:      2 * time.Minute,
		Logger:       slog.Default(),
	})
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := p.Config(ctx) // Credentials: p, APIOptions: WithRefreshRetry(p)
	if err != nil {
		log.Fatal(err)
	}
	client := bedrockruntime.NewFromConfig(cfg)

	out, err := client.Converse(ctx, &bedrockruntime.ConverseInput{
		ModelId: aws.String("anthropic.claude-3-5-haiku-20241022-v1:0"),
		Messages: []types.Message{{
			Role:    types.ConversationRoleUser,
			Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "Hello"}},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if msg, ok := out.Output.(*types.ConverseOutputMemberMessage); ok {
		for _, block := range msg.Value.Content {
			if text, ok := block.(*types.ContentBlockMemberText); ok {
				fmt.Println(text.Value)
			}
		}
	}
}

// A tool that behaves like Claude Code: the login and export commands come
// from awsAuthRefresh and awsCredentialExport in the settings files.
func ExampleFromSettings() {
	ctx := context.Background()
	p, err := awsfresh.FromSettings(ctx, awsfresh.SettingsOptions{
		Options: awsfresh.Options{
			OnEvent: func(ev awsfresh.Event) {
				if ev.Kind == awsfresh.RefreshStarted {
					fmt.Fprintf(os.Stderr, "Refreshing AWS credentials (%s)...\n", ev.Command)
				}
			},
		},
	})
	var untrusted *settings.UntrustedError
	if errors.As(err, &untrusted) {
		// The project's .claude/settings.json sets the command; its message
		// says how to trust the file.
		log.Fatal(err)
	}
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := p.Config(ctx)
	if err != nil {
		log.Fatal(err)
	}
	_ = bedrockruntime.NewFromConfig(cfg)
}

// Adding the provider and the retry to an aws.Config loaded elsewhere.
func ExampleWithRefreshRetry() {
	ctx := context.Background()
	p, err := awsfresh.New(awsfresh.Options{Profile: "dev", LoginCommand: "aws sso login --profile dev"})
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-west-2"))
	if err != nil {
		log.Fatal(err)
	}
	cfg.Credentials = p
	cfg.APIOptions = append(cfg.APIOptions, awsfresh.WithRefreshRetry(p))
	_ = bedrockruntime.NewFromConfig(cfg)
}

// The Provider behind the aws.CredentialsCache that
// config.WithCredentialsProvider wraps it in. The retry is given the cache,
// so that a call whose credentials AWS rejected empties it and is retried
// with new ones. examples/cached-config runs this against a simulated AWS.
func ExampleWithRefreshRetry_credentialsCache() {
	ctx := context.Background()
	p, err := awsfresh.New(awsfresh.Options{Profile: "dev", LoginCommand: "aws sso login --profile dev"})
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithSharedConfigProfile("dev"), config.WithCredentialsProvider(p))
	if err != nil {
		log.Fatal(err)
	}
	cfg.APIOptions = append(cfg.APIOptions, awsfresh.WithRefreshRetry(p, cfg.Credentials))
	_ = bedrockruntime.NewFromConfig(cfg)
}

// Telling why no credentials could be had.
func ExampleRefreshError() {
	ctx := context.Background()
	p, err := awsfresh.New(awsfresh.Options{Profile: "dev", LoginCommand: "aws sso login --profile dev"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = p.Retrieve(ctx)
	var re *awsfresh.RefreshError
	switch {
	case err == nil:
	case errors.Is(err, awsfresh.ErrLoginTimeout):
		log.Printf("nobody completed the login in time: %v", err)
	case errors.Is(err, awsfresh.ErrLoginFailed) && errors.As(err, &re):
		log.Printf("the login failed: %v\n%s", err, re.CommandOutput())
	case errors.Is(err, awsfresh.ErrCooldown):
		log.Printf("the login failed a moment ago and was not run again: %v", err)
	default:
		log.Print(err)
	}
}
