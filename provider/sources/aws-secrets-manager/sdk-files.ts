import { homedir } from "node:os";
import { join } from "node:path";
import { PullkeyError } from "../../errors.js";
import { formatBytes, MAX_FILE_BYTES } from "../../files.js";
import { stat } from "../../fs-async.js";

/**
 * The files the AWS SDK reads by itself, named by environment variables (the kubelet's, plus
 * the provider config's `env`), with the SDK's defaults. pullkey cannot bound those reads: the
 * web identity token is read with readFileSync (a /dev/zero token grew to 3.7 GB and blocked
 * the event loop, so no deadline could fire), and a FIFO as the shared config blocks a libuv
 * thread forever, which keeps the process from exiting after its answer.
 */
export function sdkFiles(
  env: Readonly<Record<string, string | undefined>>,
): { variable: string; path: string }[] {
  const home = env["HOME"] || homedir();
  const files = [
    { variable: "AWS_CONFIG_FILE", path: env["AWS_CONFIG_FILE"] || join(home, ".aws", "config") },
    {
      variable: "AWS_SHARED_CREDENTIALS_FILE",
      path: env["AWS_SHARED_CREDENTIALS_FILE"] || join(home, ".aws", "credentials"),
    },
    { variable: "AWS_WEB_IDENTITY_TOKEN_FILE", path: env["AWS_WEB_IDENTITY_TOKEN_FILE"] ?? "" },
    {
      variable: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
      path: env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] ?? "",
    },
  ];
  return files.filter((file) => file.path !== "");
}

/**
 * Refuses, before the SDK is called, any of its files that is not a regular file of at most
 * 1 MiB. stat never blocks, even on a FIFO. A file swapped between this check and the SDK's
 * read escapes it; these paths are the node operator's, not a workload's.
 */
export async function checkSdkFiles(
  env: Readonly<Record<string, string | undefined>>,
  label: string,
): Promise<void> {
  for (const { variable, path } of sdkFiles(env)) {
    let problem: string | undefined;
    try {
      const info = await stat(path);
      if (info.isFIFO()) problem = "is a FIFO, not a regular file";
      else if (info.isCharacterDevice() || info.isBlockDevice())
        problem = "is a device, not a regular file";
      else if (!info.isFile() && !info.isDirectory()) problem = "is not a regular file";
      else if (info.size > MAX_FILE_BYTES)
        problem = `is larger than ${formatBytes(MAX_FILE_BYTES)}, the most pullkey lets the AWS SDK read`;
    } catch {
      // Absent or unreadable: the SDK skips or reports it itself, without blocking.
    }
    if (problem !== undefined) {
      throw new PullkeyError(
        "SOURCE_UNREADABLE",
        `${label}: ${variable} ${path} ${problem}; the AWS SDK reads it whole and could block or exhaust memory`,
      );
    }
  }
}
