package simaws_test

import (
	"os"
	"testing"

	"github.com/awsfresh/awsfresh/internal/testtools"
)

// TestMain ends the run with a count of the tests skipped for a missing
// tool (the AWS CLI).
func TestMain(m *testing.M) { os.Exit(testtools.Main(m)) }
