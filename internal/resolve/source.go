package resolve

import (
	"time"

	"github.com/awsfresh/awsfresh/internal/source"
)

// CredentialSource is where credentials come from: the export command when
// one is configured, else the AWS SDK chain for the profile. timeout bounds
// each retrieval.
func (r *Result) CredentialSource(timeout time.Duration) source.Source {
	if r.Export != nil {
		return &source.Command{Command: r.Export.Line, Env: r.ChildEnv, Timeout: timeout, RegionName: r.ProfileInfo.Region}
	}
	return &source.SDKChain{Profile: r.Profile, LoadOptions: r.SDKOptions, Timeout: timeout}
}
