import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { networkWords, tlsWords } from "../net-errors.js";

/** One HTTP exchange as the registry checks need it. */
export interface HttpRequest {
  method: "GET" | "HEAD";
  url: string;
  headers: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string | undefined>;
  /** At most the first 64 KiB of the body, as text. */
  body: string;
}

/** The network, behind the smallest interface the registry checks need; tests use loopback servers. */
export interface HttpClient {
  request(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse>;
}

const MAX_BODY = 64 * 1024;

/** The real client over node:http/node:https; no redirects are followed, no proxy is used. */
export function nodeHttpClient(): HttpClient {
  return {
    request(req, signal) {
      return new Promise((resolve, reject) => {
        const url = new URL(req.url);
        const send = url.protocol === "http:" ? httpRequest : httpsRequest;
        const outgoing = send(
          url,
          {
            method: req.method,
            headers: { "user-agent": "pullkey-doctor", ...req.headers },
            signal,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on("data", (chunk: Buffer) => {
              if (size < MAX_BODY) chunks.push(chunk);
              size += chunk.length;
            });
            res.on("end", () => {
              const headers: Record<string, string | undefined> = {};
              for (const [key, value] of Object.entries(res.headers)) {
                headers[key.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
              }
              resolve({
                status: res.statusCode ?? 0,
                headers,
                body: Buffer.concat(chunks).subarray(0, MAX_BODY).toString("utf8"),
              });
            });
            res.on("error", reject);
          },
        );
        outgoing.on("error", reject);
        outgoing.end();
      });
    },
  };
}

/** The few words an operator needs for a failed connection (shared with the sources). */
export function describeNetworkError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return "request failed";
  if (code === "ABORT_ERR") return "no answer in time";
  const tls = tlsWords(code);
  return networkWords(code) ?? (tls === undefined ? code : `TLS: ${tls}`);
}
