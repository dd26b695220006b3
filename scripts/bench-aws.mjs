// Secrets Manager for the benchmarks: moto on loopback behind a proxy that counts connections
// (each exec that reads the secret opens one), one secret, and the environment an exec needs.
// Shared by scripts/bench.mjs and scripts/bench-storm.mjs so both measure the same backend.
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { startMoto } from "./peers/moto.mjs";

/** Starts moto and the counting proxy, creates `bench/hub`; `work` holds the empty AWS files. */
export async function startAwsBackend(work) {
  const moto = await startMoto();
  const stats = { connections: 0 };
  const server = createServer((client) => {
    stats.connections++;
    const upstream = connect(moto.port, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const env = {
    AWS_ACCESS_KEY_ID: "AKIABENCH",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    // Empty paths: no shared config or credentials file of the machine's is read.
    AWS_CONFIG_FILE: join(work, "none"),
    AWS_SHARED_CREDENTIALS_FILE: join(work, "none"),
  };
  await fetch(`${moto.endpoint}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "secretsmanager.CreateSecret",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIABENCH/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=x",
    },
    body: JSON.stringify({
      Name: "bench/hub",
      SecretString: JSON.stringify({ username: "hub", password: "bench-secret" }),
    }),
  });
  const source = {
    type: "awsSecretsManager",
    secretId: "bench/hub",
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${server.address().port}`,
  };
  return {
    stats,
    env,
    source,
    async stop() {
      server.close();
      await moto.stop();
    },
  };
}
