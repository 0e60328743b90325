// Package awsfresh keeps the AWS credentials of a long-running Go program
// fresh, so that its AWS SDK for Go v2 calls — Amazon Bedrock calls of an AI
// agent that runs for hours, for example — survive the expiry of role
// credentials and of the IAM Identity Center (SSO) session behind them.
//
// A [Provider] is an [aws.CredentialsProvider]. It caches credentials in
// memory, renews them silently ahead of their expiry, and logs in — with
// the user's login command, or for an IAM Identity Center profile
// awsfresh's own sign-in (see [Options.SSOLogin]) — only when credentials
// are needed now and cannot be renewed silently: once for all concurrent
// callers, with a deadline, never in a loop, and not again during a
// cooldown after a failure. [WithRefreshRetry] adds to any SDK
// client a step that, when AWS rejects a call's credentials as expired or
// invalid, refreshes them and retries that call once.
//
// The simplest use:
//
//	p, err := awsfresh.New(awsfresh.Options{Profile: "dev"})
//	if err != nil { ... }
//	cfg, err := p.Config(ctx) // Credentials: p; APIOptions: WithRefreshRetry(p)
//	if err != nil { ... }
//	client := bedrockruntime.NewFromConfig(cfg)
//
// The Provider hands out credentials with their real expiry. It renews
// them silently from 15 minutes before they expire, and from 10 minutes
// before gets new ones or fails (windows shrink for credentials that live
// less than 30 minutes); keys that do not expire are read again every 15
// minutes. Used behind an aws.CredentialsCache — config.LoadDefaultConfig
// with config.WithCredentialsProvider(p) makes one — it is asked only when
// the cache's copy expires; pass the cache to [WithRefreshRetry] too:
//
//	cfg, err := config.LoadDefaultConfig(ctx, config.WithCredentialsProvider(p))
//	cfg.APIOptions = append(cfg.APIOptions, awsfresh.WithRefreshRetry(p, cfg.Credentials))
//
// [FromSettings] builds a Provider the way Claude Code and the awsfresh
// command do: from the awsAuthRefresh, awsCredentialExport and env keys of
// Claude Code's settings files, refusing a command from a project's own
// settings until the user trusted it.
//
// The last good credentials, the login cooldown and the lock that keeps
// refreshes one at a time are shared through a disk cache (see
// [Options.CacheDir]) with every other Provider and awsfresh process of the
// same user, so several programs do not each run the login command.
//
// This package owns the public API over package engine: the
// credentials provider, the SDK middleware, settings-driven construction,
// events and the wording of errors. It decides nothing about credentials
// itself (package engine does), prints nothing (it reports through
// [Options.Logger] and [Options.OnEvent] and returns errors), does no
// background work (credentials are renewed when a call asks for them; a
// refresh outlives a call that gave up only to serve the calls still
// waiting, and only until its deadline), and never puts a secret — secret
// key, session token, full access key ID — in an error, an event or a log
// line.
package awsfresh
