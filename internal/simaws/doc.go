// Package simaws is a simulated AWS on loopback, shared by the tests, the
// benchmarks and `awsfresh demo`.
//
// One HTTP server on 127.0.0.1 answers, in the real wire formats, the
// operations awsfresh depends on:
//
//   - STS (awsQuery: form POST, XML replies): GetCallerIdentity, AssumeRole,
//     GetSessionToken;
//   - IAM Identity Center portal (restJson): GetRoleCredentials;
//   - SSO OIDC (restJson): RegisterClient, StartDeviceAuthorization and
//     CreateToken with the device code, authorization code (PKCE S256
//     checked) and refresh token grants, with AWS's error codes
//     (AuthorizationPendingException, SlowDownException, ...); and the two
//     pages a browser visits: the device flow's verification page (one
//     POST approves; see [Server.ApproveDevice]) and the authorize page,
//     which redirects to the client's 127.0.0.1 listener;
//   - Bedrock Runtime (restJson): Converse, and InvokeModel with an
//     Anthropic Messages body (what Claude Code sends).
//
// The real AWS SDK for Go v2 reaches it through the service-specific endpoint
// variables returned by [Server.Env]; the AWS CLI through --endpoint-url.
//
// The security behaviour is real, not mocked: every signed request is
// verified by recomputing its Signature Version 4 signature with the SDK's
// signer, access keys and session tokens must match what the simulation
// issued, temporary credentials and SSO tokens expire on the simulation's
// clock, refresh tokens rotate on use, and failures answer with the error
// codes, HTTP statuses and messages real AWS uses. Tests steer the
// simulation through methods that expire, revoke or deny, and through a
// settable clock skew.
//
// A control endpoint (POST /_sim/sso-login, protected by a per-server random
// token) lets a shell command stand in for `aws sso login`; see
// [Server.LoginCommand].
//
// The package owns only this simulation. It must not contact any real AWS
// endpoint, listen on anything but loopback, read or write the user's real
// ~/.aws (files are written only under a home directory the caller names),
// keep global mutable state, or put a secret (secret access key, session
// token, bearer or refresh token, full access key ID) in any log line or
// error message.
package simaws
