// Command bedrock-chat talks to a model on Amazon Bedrock with the Converse
// API, through an awsfresh Provider: it can run for hours, across credential
// expiries and the end of the SSO session, without a restart.
//
// Usage:
//
//	bedrock-chat [--profile P] [--model ID] [--region R] [--timeout D] [--verbose] [PROMPT...]
//
// With a PROMPT it asks once and prints the answer. Without one it reads
// prompts from standard input, one a line, and keeps the conversation.
//
// The login command and credentials come from Claude Code's settings
// (awsAuthRefresh, awsCredentialExport, env), as in Claude Code; for an IAM
// Identity Center profile without settings, awsfresh's own sign-in.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/awsfresh/awsfresh"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bedrock-chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "", "AWS profile (default: $AWS_PROFILE, the settings' env.AWS_PROFILE, then \"default\")")
	model := fs.String("model", "anthropic.claude-3-5-haiku-20241022-v1:0", "Bedrock model or inference profile ID")
	region := fs.String("region", "", "AWS region (default: the profile's)")
	timeout := fs.Duration("timeout", 0, "deadline of the login command (default 3m, or $AWSFRESH_TIMEOUT)")
	verbose := fs.Bool("verbose", false, "log credential renewals on stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bedrock-chat [flags] [PROMPT...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	p, err := awsfresh.FromSettings(ctx, awsfresh.SettingsOptions{Options: awsfresh.Options{
		Profile: *profile,
		Timeout: *timeout,
		Logger:  slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}})
	if err != nil {
		fmt.Fprintln(stderr, "Error:", err)
		return 2
	}
	var optFns []func(*config.LoadOptions) error
	if *region != "" {
		optFns = append(optFns, config.WithRegion(*region))
	}
	cfg, err := p.Config(ctx, optFns...)
	if err != nil {
		fmt.Fprintln(stderr, "Error:", err)
		return 2
	}
	c := &chat{client: bedrockruntime.NewFromConfig(cfg), model: *model}

	if fs.NArg() > 0 {
		answer, err := c.ask(ctx, strings.Join(fs.Args(), " "))
		if err != nil {
			return report(stderr, err)
		}
		fmt.Fprintln(stdout, answer)
		return 0
	}

	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 0, 64*1024), 1<<20)
	fmt.Fprint(stderr, "> ")
	for in.Scan() {
		prompt := strings.TrimSpace(in.Text())
		if prompt != "" {
			answer, err := c.ask(ctx, prompt)
			if err != nil {
				if code := report(stderr, err); ctx.Err() != nil {
					return code
				}
			} else {
				fmt.Fprintln(stdout, answer)
			}
		}
		fmt.Fprint(stderr, "> ")
	}
	fmt.Fprintln(stderr)
	return 0
}

// chat is one conversation.
type chat struct {
	client  *bedrockruntime.Client
	model   string
	history []types.Message
}

// ask sends prompt with the conversation so far and returns the answer.
// A failed turn is left out of the history.
func (c *chat) ask(ctx context.Context, prompt string) (string, error) {
	msgs := append(c.history, types.Message{
		Role:    types.ConversationRoleUser,
		Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: prompt}},
	})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	out, err := c.client.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(c.model), Messages: msgs})
	if err != nil {
		return "", err
	}
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok {
		return "", fmt.Errorf("unexpected answer of type %T", out.Output)
	}
	var text strings.Builder
	for _, block := range msg.Value.Content {
		if t, ok := block.(*types.ContentBlockMemberText); ok {
			text.WriteString(t.Value)
		}
	}
	c.history = append(msgs, msg.Value)
	return text.String(), nil
}

// report prints err and returns the exit status awsfresh would use.
func report(stderr io.Writer, err error) int {
	var refresh *awsfresh.RefreshError
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "Interrupted.")
		return 130
	case errors.As(err, &refresh):
		// The SDK's operation error wraps ours; ours says what happened.
		fmt.Fprintln(stderr, "Error:", refresh)
		if errors.Is(err, awsfresh.ErrLoginTimeout) {
			return 124
		}
		return 1
	}
	fmt.Fprintln(stderr, "Error:", err)
	return 1
}
