// Calls STS GetCallerIdentity through the AWS SDK for JavaScript v3's
// default credential chain (under awsfresh exec: the container credentials
// endpoint) for a while, printing "ok ARN" or "FAIL error" per call.
// Usage: node loop.mjs SECONDS INTERVAL_MS   (endpoint from $SIM_URL)
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const seconds = Number(process.argv[2] ?? 40);
const every = Number(process.argv[3] ?? 1000);
const client = new STSClient({ region: "us-east-1", endpoint: process.env.SIM_URL });
let failed = 0;
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    console.log("ok", new Date().toISOString(), out.Arn);
  } catch (err) {
    failed++;
    console.log("FAIL", new Date().toISOString(), err.name, err.message);
  }
  await new Promise((r) => setTimeout(r, every));
}
process.exit(failed > 0 ? 1 : 0);
