// Command sdkfloor is a reference point for the warm-export benchmark: it
// links the AWS SDK for Go v2 packages awsfresh depends on, does nothing
// with them, and prints the same JSON as the floor program. Its start-up
// time shows what linking the SDK costs any Go program before it does any
// work (package initialization, a larger binary to map).
package main

import (
	"os"

	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	_ "github.com/aws/aws-sdk-go-v2/service/sso"
	_ "github.com/aws/aws-sdk-go-v2/service/ssooidc"
	_ "github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	os.Stdout.WriteString(`{"Version":1,"AccessKeyId":"ASIABENCHMARK0000001","SecretAccessKey":"benchsecret","SessionToken":"benchtoken","Expiration":"2099-01-01T00:00:00Z"}` + "\n")
}
