// Package ssologin is awsfresh's own IAM Identity Center sign-in, and the
// owner of the SSO token cache format.
//
// Login registers a public OIDC client (the registration is cached, in the
// AWS CLI's registration cache, and reused until it expires), then signs in
// with one of two flows, chosen for the machine by Choose:
//
//   - device authorization: the user opens a verification URL on any device
//     and checks a code; Login polls CreateToken at the interval AWS asks
//     for, slowing down when told to, until approval, denial or expiry;
//   - authorization code with PKCE: a one-shot listener on 127.0.0.1 gets
//     the browser's redirect (state checked, S256 challenge) and the code is
//     exchanged. The listener closes as soon as it has its answer or ctx
//     ends; the browser launcher runs bounded and is stopped when Login
//     returns.
//
// The token is written where the AWS CLI v2, botocore and the AWS SDKs look
// for it (~/.aws/sso/cache/<sha1 of the sso-session name, or of the start
// URL for a legacy profile>.json), in their format, atomically and with
// mode 0600, so that a sign-in by awsfresh serves every AWS tool and the
// other way round. For an sso-session the file also holds the refresh token
// and the client registration, with which the SDKs renew the access token
// silently.
//
// Login is bounded by ctx only: deadlines and their wording belong to the
// caller. It talks to AWS only through the AWS SDK for Go v2, whose endpoint
// resolution (AWS_ENDPOINT_URL_SSO_OIDC and the like) it follows. It prints
// only to Options.Output, never a secret (tokens, client secret, device
// code), and runs no command but the browser launcher.
package ssologin
