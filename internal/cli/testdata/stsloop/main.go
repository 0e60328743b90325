// Command stsloop calls STS GetCallerIdentity through the AWS SDK for Go
// v2's default credential chain (under awsfresh exec: the container
// credentials endpoint) at a fixed rate for a while, and prints one line
// per call: "ok ARN" or "FAIL error". It exits 1 if any call failed.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	duration := flag.Duration("for", 40*time.Second, "how long to call")
	every := flag.Duration("every", time.Second, "time between calls")
	flag.Parse()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Println("FAIL config:", err)
		os.Exit(1)
	}
	client := sts.NewFromConfig(cfg)
	failed := 0
	for end := time.Now().Add(*duration); time.Now().Before(end); time.Sleep(*every) {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		out, err := client.GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
		cancel()
		if err != nil {
			failed++
			fmt.Println("FAIL", time.Now().Format("15:04:05.000"), err)
			continue
		}
		fmt.Println("ok", time.Now().Format("15:04:05.000"), aws.ToString(out.Arn))
	}
	if failed > 0 {
		os.Exit(1)
	}
}
