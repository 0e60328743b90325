// Package settings owns awsfresh's Claude Code–compatible settings files:
// finding them, parsing them, merging them by precedence, recording where
// each value came from, and deciding whether a command that comes from a
// project's own files may run (trust).
//
// Files, highest precedence first:
//
//   - managed: /etc/claude-code/managed-settings.json
//     (darwin: /Library/Application Support/ClaudeCode/managed-settings.json);
//   - the --settings files, a later one winning over an earlier one;
//   - project local: <project>/.claude/settings.local.json;
//   - project: <project>/.claude/settings.json;
//   - user: <configDir>/settings.json, where configDir is $CLAUDE_CONFIG_DIR
//     or ~/.claude.
//
// Only the keys awsAuthRefresh, awsCredentialExport and env are used; every
// other key is ignored, but each file must still be valid JSON. A missing
// file is skipped (except a --settings file, which the user named); an
// unreadable, malformed or mistyped file is an error that names the file
// (and, for a syntax error, the line and column).
//
// A command from a project file is code from a repository: [Settings.CheckTrust]
// refuses it until the user recorded the file's exact content in a
// [TrustStore]. The hash checked is the one of the bytes that were parsed,
// so a file edited between [Load] and the check cannot slip through.
//
// This package runs nothing, talks to no network and knows nothing about AWS
// beyond the key names above. It never puts a setting's value in an error
// message, since env values may hold secrets.
package settings
