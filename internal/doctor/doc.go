// Package doctor owns the checks behind `awsfresh doctor`: whether a
// profile, the environment, AWS and Claude Code's settings work together,
// each check with a status, one line of explanation and the exact fix.
//
// It changes nothing and runs no login: it reads the shared AWS files, the
// SSO token cache, awsfresh's settings and trust store, and asks AWS only
// what any AWS tool would (credentials through the SDK chain or the export
// command, STS GetCallerIdentity, one one-token Bedrock InvokeModel, an
// unauthenticated request to the Bedrock endpoint), each bounded by its own
// short deadline (see [Deadlines]). The one write it may cause is the AWS
// SDK's: renewing an expired SSO access token with its refresh token
// updates the SSO token cache, as the next call of any AWS tool would.
//
// It never puts a secret in a message: access key ids are masked, anything
// AWS or a command said is redacted, and terminal control characters in
// text from outside are escaped. It prints nothing; the command line
// renders the [Report].
package doctor
