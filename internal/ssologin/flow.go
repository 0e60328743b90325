package ssologin

import (
	"os"
	"runtime"
)

// EnvFlow forces a sign-in flow everywhere awsfresh signs in: "device-code"
// or "auth-code" ("auto" or empty: chosen for the machine).
const EnvFlow = "AWSFRESH_LOGIN_FLOW"

// Flow is a sign-in flow.
type Flow int

// The flows.
const (
	FlowDeviceCode Flow = iota // device authorization: a URL and a code, approved on any device
	FlowAuthCode               // authorization code with PKCE: a browser on this machine redirects to a local listener
)

func (f Flow) String() string {
	if f == FlowAuthCode {
		return "authorization code with PKCE"
	}
	return "device code"
}

// Choice is the flow for a sign-in and why.
type Choice struct {
	Flow Flow
	// OpenBrowser says whether a browser is opened on this machine (on the
	// verification URL of the device flow, or the authorize URL).
	OpenBrowser bool
	// Reason says why, for status and --debug: "a local desktop session",
	// "an SSH session: SSH_CONNECTION is set", "--device-code", ...
	Reason string
}

// Machine is what Choose looks at; the zero value means this machine.
type Machine struct {
	GOOS   string              // "" means runtime.GOOS
	Getenv func(string) string // nil means os.Getenv
	Exists func(string) bool   // nil means os.Stat succeeds
}

func (m Machine) normalized() Machine {
	if m.GOOS == "" {
		m.GOOS = runtime.GOOS
	}
	if m.Getenv == nil {
		m.Getenv = os.Getenv
	}
	if m.Exists == nil {
		m.Exists = func(p string) bool { _, err := os.Stat(p); return err == nil }
	}
	return m
}

// remoteMarkers are environment variables that say the user is not at this
// machine's screen: a browser opened here would redirect to a listener the
// user's browser cannot reach.
var remoteMarkers = []struct{ name, what string }{
	{"SSH_CONNECTION", "an SSH session"},
	{"SSH_CLIENT", "an SSH session"},
	{"SSH_TTY", "an SSH session"},
	{"CODESPACES", "a GitHub Codespace"},
	{"REMOTE_CONTAINERS", "a dev container"},
	{"GITPOD_WORKSPACE_ID", "a Gitpod workspace"},
	{"container", "a container"},
}

// containerFiles exist inside Docker and Podman containers.
var containerFiles = []string{"/.dockerenv", "/run/.containerenv"}

// Choose decides the flow. The authorization code flow with PKCE is for a
// desktop session at this machine (macOS, Windows; DISPLAY or
// WAYLAND_DISPLAY elsewhere) and an sso-session profile; the device flow
// for everything else: SSH, Codespaces, dev containers, containers, no
// display, a legacy profile (the AWS CLI signs those in with a device code
// too), --no-browser. deviceCode (--device-code) and AWSFRESH_LOGIN_FLOW
// force a flow. A browser is opened on a local desktop, with $BROWSER set,
// or when the browser flow is forced; never with noBrowser.
func Choose(m Machine, s Session, deviceCode, noBrowser bool) Choice {
	m = m.normalized()
	local, where := localDesktop(m)
	// $BROWSER may open one elsewhere: VS Code sets it in dev containers
	// and Codespaces to open the user's own browser.
	open := (local || m.Getenv("BROWSER") != "") && !noBrowser
	forced := m.Getenv(EnvFlow)
	switch {
	case deviceCode:
		return Choice{Flow: FlowDeviceCode, OpenBrowser: open, Reason: "--device-code"}
	case forced == "device-code":
		return Choice{Flow: FlowDeviceCode, OpenBrowser: open, Reason: EnvFlow + "=device-code"}
	case s.Legacy():
		return Choice{Flow: FlowDeviceCode, OpenBrowser: open, Reason: "a legacy profile: the browser flow needs an sso-session"}
	case forced == "auth-code":
		// Whoever forces the browser flow has a browser here.
		return Choice{Flow: FlowAuthCode, OpenBrowser: !noBrowser, Reason: EnvFlow + "=auth-code"}
	case noBrowser:
		return Choice{Flow: FlowDeviceCode, Reason: "--no-browser"}
	}
	c := Choice{Flow: FlowDeviceCode, OpenBrowser: open, Reason: where}
	if local {
		c = Choice{Flow: FlowAuthCode, OpenBrowser: true, Reason: where}
	}
	if forced != "" && forced != "auto" {
		c.Reason += "; " + EnvFlow + "=" + forced + " is not device-code, auth-code or auto, so it was ignored"
	}
	return c
}

// localDesktop reports whether a browser opened here is in front of the
// user, and describes the session.
func localDesktop(m Machine) (bool, string) {
	for _, r := range remoteMarkers {
		if m.Getenv(r.name) != "" {
			return false, r.what + ": " + r.name + " is set"
		}
	}
	for _, f := range containerFiles {
		if m.Exists(f) {
			return false, "a container: " + f + " exists"
		}
	}
	switch m.GOOS {
	case "darwin", "windows":
		return true, "a local desktop session"
	}
	if m.Getenv("DISPLAY") != "" || m.Getenv("WAYLAND_DISPLAY") != "" {
		return true, "a local desktop session"
	}
	return false, "no display: neither DISPLAY nor WAYLAND_DISPLAY is set"
}
