import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy on loopback in front of a real backend, for the faults a running server cannot be
 * asked to produce: being stopped and started again on the same port, or answering slowly. It
 * also counts the requests that pass, by a marker in the request bytes.
 */
export class FaultProxy {
  /** Requests seen whose bytes contained the marker. */
  count = 0;
  /** Delay before a connection is forwarded; Infinity never forwards (a hung backend). */
  delayMs = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly upstreamPort: number,
    private readonly marker: RegExp,
  ) {}

  port = 0;

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening: on a free port the first time, on the same port after stop(). */
  async start(): Promise<void> {
    const server = createServer((client) => this.handle(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (address && typeof address === "object") this.port = address.port;
    this.server = server;
  }

  /** Stops listening and drops every connection: the backend is down. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(client: Socket): void {
    this.sockets.add(client);
    client.on("close", () => this.sockets.delete(client));
    client.on("error", () => client.destroy());
    client.on("data", (chunk: Buffer) => {
      const matches = chunk.toString("latin1").match(new RegExp(this.marker, "gi"));
      this.count += matches?.length ?? 0;
    });
    client.pause();
    if (this.delayMs === Number.POSITIVE_INFINITY) return;
    setTimeout(() => {
      if (client.destroyed) return;
      const upstream = connect(this.upstreamPort, "127.0.0.1");
      this.sockets.add(upstream);
      upstream.on("close", () => this.sockets.delete(upstream));
      upstream.on("error", () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    }, this.delayMs);
  }
}
