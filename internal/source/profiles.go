package source

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

// SharedFiles are the shared config and credentials files the SDK reads
// with opts: those opts name (a settings file's AWS_CONFIG_FILE), else
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else the defaults. They
// are read now: the SDK's own default list is fixed when the program starts.
func SharedFiles(opts ...func(*config.LoadOptions) error) (configFiles, credentialsFiles []string) {
	var lo config.LoadOptions
	for _, fn := range opts {
		_ = fn(&lo)
	}
	configFiles = lo.SharedConfigFiles
	if configFiles == nil {
		configFiles = []string{cmp.Or(os.Getenv("AWS_CONFIG_FILE"), config.DefaultSharedConfigFilename())}
	}
	credentialsFiles = lo.SharedCredentialsFiles
	if credentialsFiles == nil {
		credentialsFiles = []string{cmp.Or(os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), config.DefaultSharedCredentialsFilename())}
	}
	return configFiles, credentialsFiles
}

// profileSection matches "[profile NAME]" in the config file and "[NAME]"
// in either file.
// It is compiled on first use, not at start-up.
var profileSection = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]`)
})

// ProfileNames returns the names of the profiles defined in the shared
// config and credentials files (see SharedFiles), sorted. sso-session and
// services sections are not profiles. Missing files are not an error.
func ProfileNames(opts ...func(*config.LoadOptions) error) ([]string, error) {
	configFiles, credentialsFiles := SharedFiles(opts...)
	seen := map[string]bool{}
	for _, f := range append(configFiles, credentialsFiles...) {
		isConfig := slices.Contains(configFiles, f)
		data, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			m := profileSection().FindStringSubmatch(line)
			if m == nil {
				continue
			}
			head := strings.Fields(strings.Trim(strings.TrimSpace(line), "[]"))
			if isConfig && len(head) > 0 && (head[0] == "sso-session" || head[0] == "services") {
				continue
			}
			seen[m[1]] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// SuggestProfile returns the name in names that name is most likely a typo
// of, or "" when none is close: the same name in another case, a unique
// name it starts, or one at most a third of its letters away (a swap of
// two letters counts as one). A name that is among names needs none.
func SuggestProfile(name string, names []string) string {
	if name == "" || slices.Contains(names, name) {
		return ""
	}
	lower := strings.ToLower(name)
	best, bestDist := "", len(name)/3+1
	var prefixed []string
	for _, n := range names {
		ln := strings.ToLower(n)
		if ln == lower {
			return n
		}
		if len(lower) >= 3 && strings.HasPrefix(ln, lower) {
			prefixed = append(prefixed, n)
		}
		if d := editDistance(lower, ln); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" && len(prefixed) == 1 {
		return prefixed[0]
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of adjacent letters.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	d := make([][]int, len(s)+1)
	for i := range d {
		d[i] = make([]int, len(t)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(s)][len(t)]
}

// NotFoundError reports a profile that is in neither shared file.
type NotFoundError struct {
	Profile          string
	ConfigFiles      []string
	CredentialsFiles []string
	// Known are the profiles the files define; Suggestion the one Profile
	// is most likely a typo of, or "".
	Known      []string
	Suggestion string
	// NoFiles is set when none of the files exists.
	NoFiles bool
}

// maxListed is how many profile names an error lists.
const maxListed = 8

func (e *NotFoundError) Error() string {
	files := make([]string, 0, len(e.ConfigFiles)+len(e.CredentialsFiles))
	for _, f := range append(slices.Clone(e.ConfigFiles), e.CredentialsFiles...) {
		files = append(files, DisplayPath(f))
	}
	var known string
	switch {
	case e.NoFiles && len(files) == 2:
		known = "neither file exists"
	case e.NoFiles:
		known = "no such file"
	case len(e.Known) == 0:
		known = "no profiles defined"
	case len(e.Known) > maxListed:
		known = "profiles: " + strings.Join(e.Known[:maxListed], ", ") + ", …"
	default:
		known = "profiles: " + strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("profile %q is not in %s (%s)", e.Profile, strings.Join(files, " or "), known)
}

// WithSuggestion is the error and, when there is one, the likeliest
// profile meant, on one line.
func (e *NotFoundError) WithSuggestion() string {
	if e.Suggestion == "" {
		return e.Error()
	}
	return fmt.Sprintf("%s; did you mean %q?", e.Error(), e.Suggestion)
}

// ProfileNotFound describes profile name, which the files opts select do
// not define, with the profiles they do and the likeliest one meant.
func ProfileNotFound(name string, opts ...func(*config.LoadOptions) error) *NotFoundError {
	e := &NotFoundError{Profile: name}
	e.ConfigFiles, e.CredentialsFiles = SharedFiles(opts...)
	e.NoFiles = true
	for _, f := range append(slices.Clone(e.ConfigFiles), e.CredentialsFiles...) {
		if _, err := os.Stat(f); err == nil {
			e.NoFiles = false
		}
	}
	e.Known, _ = ProfileNames(opts...)
	e.Suggestion = SuggestProfile(name, e.Known)
	return e
}

// ConfigError is a mistake in the shared config file that no login can
// fix. It names the file, the section and the key to set.
type ConfigError struct {
	Profile string
	File    string // the shared config file
	Section string // "profile dev", "default", "sso-session corp"
	Keys    []string
	Problem string // what is wrong, after "profile P"
	Fix     string // what to change, in a sentence
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("profile %q %s", e.Profile, e.Problem)
}

// Section names a profile's section in the config file.
func Section(profile string) string {
	if profile == "default" {
		return "default"
	}
	return "profile " + profile
}

// checkSSO finds what keeps the SSO configuration of sc, which the
// profile named profile gets its credentials from, from working: the
// SDK's own rules (which it applies only when credentials are asked for,
// and words without the file), plus the account and role a profile needs
// for role credentials.
func checkSSO(profile string, sc *config.SharedConfig, configFile string) *ConfigError {
	file := DisplayPath(configFile)
	prof := Section(sc.Profile)
	if sc.SSOSessionName != "" {
		sess := "sso-session " + sc.SSOSessionName
		var missing []string
		if sc.SSOSession == nil || sc.SSOSession.SSORegion == "" {
			missing = append(missing, "sso_region")
		}
		if sc.SSOSession == nil || sc.SSOSession.SSOStartURL == "" {
			missing = append(missing, "sso_start_url")
		}
		if len(missing) > 0 {
			return &ConfigError{Profile: profile, File: configFile, Section: sess, Keys: missing,
				Problem: fmt.Sprintf("uses IAM Identity Center, but [%s] in %s has no %s", sess, file, strings.Join(missing, " or ")),
				Fix:     fmt.Sprintf("add %s to [%s] in %s, or run 'aws configure sso-session'.", keyExamples(missing), sess, file)}
		}
		if sc.SSORegion != "" && sc.SSORegion != sc.SSOSession.SSORegion {
			return &ConfigError{Profile: profile, File: configFile, Section: prof, Keys: []string{"sso_region"},
				Problem: fmt.Sprintf("has sso_region = %s in [%s] of %s, but its [%s] says sso_region = %s", sc.SSORegion, prof, file, sess, sc.SSOSession.SSORegion),
				Fix:     fmt.Sprintf("remove sso_region from [%s] in %s (the sso-session's is used).", prof, file)}
		}
		if sc.SSOStartURL != "" && sc.SSOStartURL != sc.SSOSession.SSOStartURL {
			return &ConfigError{Profile: profile, File: configFile, Section: prof, Keys: []string{"sso_start_url"},
				Problem: fmt.Sprintf("has an sso_start_url in [%s] of %s that differs from the one in its [%s]", prof, file, sess),
				Fix:     fmt.Sprintf("remove sso_start_url from [%s] in %s (the sso-session's is used).", prof, file)}
		}
	}
	var missing []string
	if sc.SSOSessionName == "" {
		if sc.SSOStartURL == "" {
			missing = append(missing, "sso_start_url")
		}
		if sc.SSORegion == "" {
			missing = append(missing, "sso_region")
		}
	}
	if sc.SSOAccountID == "" {
		missing = append(missing, "sso_account_id")
	}
	if sc.SSORoleName == "" {
		missing = append(missing, "sso_role_name")
	}
	if len(missing) > 0 {
		return &ConfigError{Profile: profile, File: configFile, Section: prof, Keys: missing,
			Problem: fmt.Sprintf("uses IAM Identity Center, but [%s] in %s has no %s", prof, file, strings.Join(missing, " or ")),
			Fix:     fmt.Sprintf("add %s to [%s] in %s, or run 'aws configure sso --profile %s'.", keyExamples(missing), prof, file, sc.Profile)}
	}
	return nil
}

// keyExamples shows the keys to add as lines of the file.
func keyExamples(keys []string) string {
	example := map[string]string{
		"sso_region":     "sso_region = REGION (your IAM Identity Center's region)",
		"sso_start_url":  "sso_start_url = https://…/start (your AWS access portal URL)",
		"sso_account_id": "sso_account_id = ACCOUNT (12 digits)",
		"sso_role_name":  "sso_role_name = ROLE (the permission set)",
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = cmp.Or(example[k], k)
	}
	return strings.Join(out, ", ")
}

// missingSSOSession matches the SDK's error for an sso_session that names
// no [sso-session …] section (the SDK has no error type for it).
// It is compiled on first use, not at start-up.
var missingSSOSession = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`failed to find SSO session section, (.+)$`)
})

// configLoadError turns an error of the SDK's profile loading into a
// *ConfigError when it is a known mistake in the file; else nil.
func configLoadError(profile string, err error, configFile string) *ConfigError {
	m := missingSSOSession().FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	file, sess, prof := DisplayPath(configFile), "sso-session "+m[1], Section(profile)
	return &ConfigError{Profile: profile, File: configFile, Section: prof, Keys: []string{"sso_session"},
		Problem: fmt.Sprintf("has sso_session = %s, but %s has no [%s] section", m[1], file, sess),
		Fix: fmt.Sprintf("add a [%s] section with sso_start_url and sso_region to %s ('aws configure sso-session' writes one), or correct sso_session in [%s].",
			sess, file, prof)}
}

// ProcessError reports a failed credential_process of a profile: the
// command, and where it is configured.
type ProcessError struct {
	Profile string // the profile that was asked for
	Command string // the credential_process line
	Section string // the section that sets it
	File    string
	Err     error // the SDK's *processcreds.ProviderError
}

func (e *ProcessError) Error() string {
	return fmt.Sprintf("the credential_process of profile %q failed: %s", e.Profile, e.Reason())
}

func (e *ProcessError) Unwrap() error { return e.Err }

// Reason is why the command failed, without its output: the SDK's error
// for output it cannot parse quotes that output, which may hold secrets.
func (e *ProcessError) Reason() string {
	msg := e.Err.Error()
	switch {
	case strings.Contains(msg, "parse failed of process output"):
		return "it printed something that is not credential_process JSON (not shown: it may hold secrets)"
	case strings.Contains(msg, "timed out"):
		return "it timed out"
	}
	if _, after, ok := strings.Cut(msg, "error in credential_process: "); ok {
		return after
	}
	_, after, _ := strings.Cut(msg, "process provider error: ")
	return cmp.Or(after, msg)
}

// retrieveError names the profile in an error of the SDK's credential
// chain, as a *ProcessError when its credential_process failed; cfg is
// the configuration the SDK loaded with opts.
func retrieveError(profile string, cfg aws.Config, err error, opts ...func(*config.LoadOptions) error) error {
	var pe *processcreds.ProviderError
	if !errors.As(err, &pe) {
		return fmt.Errorf("profile %q: %w", profile, err)
	}
	out := &ProcessError{Profile: profile, Err: err}
	for _, src := range cfg.ConfigSources {
		sc, ok := src.(config.SharedConfig)
		if !ok {
			continue
		}
		for cur, depth := &sc, 0; cur != nil && depth < 10; cur, depth = cur.Source, depth+1 {
			if cur.CredentialProcess != "" {
				out.Command, out.Section = cur.CredentialProcess, Section(cur.Profile)
				break
			}
		}
	}
	configFiles, _ := SharedFiles(opts...)
	out.File = configFiles[0]
	return out
}

// DisplayPath writes a path under the home directory as ~/….
func DisplayPath(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	if rel, err := filepath.Rel(home, p); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
		return "~" + string(filepath.Separator) + rel
	}
	return p
}
