// Package settings owns awsfresh's Claude Code–compatible settings files:
// finding them, reading them safely, parsing them, merging them by
// precedence, recording where each value came from, and the trust policy:
// which values from a project's own files may be used only once the user
// trusted the file, and the store of what they trusted.
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
// The project is searched from the working directory up to the root of
// its repository (the folder holding .git) or below the home directory. A
// project's .claude folder or settings file that belongs to someone else
// or that others can write is ignored with a warning ([Settings.Ignored]):
// a folder planted in a shared directory is nobody's project.
//
// Only the keys awsAuthRefresh, awsCredentialExport and env are used; every
// other key is ignored, but each file must still be valid JSON. A settings
// file must be a regular file of at most [MaxFileSize]; it is opened
// without blocking, so a FIFO or a terminal behind a symbolic link fails at
// once. A missing file is skipped (except a --settings file, which the user
// named). A file that cannot be used is not an error by itself
// ([Settings.Broken]): the caller fails only when it needs a value such a
// file might have set, with the error naming the file (and, for a syntax
// error, the line and column).
//
// Trust: a command from a project file is code from a repository, and an
// env entry from one can decide what code runs (PATH, PYTHONUSERBASE) or
// where requests go (proxies, endpoints). [Value.NeedsTrust] says which
// values need the user's trust: project commands, and project env entries
// except the names [EnvAllowedUntrusted] accepts (region, profile, Claude
// Code model and feature names). [Settings.CheckTrust] refuses them until
// the user recorded the file's exact content, where it was found, in a
// [TrustStore]. The hash checked is the one of the bytes that were parsed,
// so a file edited between [Load] and the check cannot slip through.
//
// This package runs nothing, talks to no network and knows nothing about AWS
// beyond the key names above. It never puts a setting's value in an error
// message, since env values may hold secrets.
package settings
