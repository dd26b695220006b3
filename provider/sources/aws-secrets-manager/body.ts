/**
 * Reads a response body for the SDK clients (their `streamCollector`): the bytes of the Node
 * Readable that their Node HTTP handler gives. The SDK's own collector first checks whether the
 * body is a web ReadableStream or a Blob, which makes Node load its web streams, then pipes it
 * into a Writable, and Readable.pipe() opens process.stdout and process.stderr to compare the
 * destination with them: a miss paid for all of that to read a few hundred bytes of JSON.
 */
export async function collectBody(body: unknown): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks);
}
