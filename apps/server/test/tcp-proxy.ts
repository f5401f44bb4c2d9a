import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a real service, to make it disappear, come back or go silent in tests
 * without touching the service itself.
 * @example
 * const proxy = await TcpProxy.start(6379); // then connect to `redis://127.0.0.1:${proxy.port}`
 * await proxy.stop(); await proxy.start();
 */
export class TcpProxy {
  readonly #targetPort: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;
  #silent = false;
  #dropped: Buffer[] = [];

  private constructor(targetPort: number) {
    this.#targetPort = targetPort;
  }

  /** Starts a proxy on a free local port forwarding to `127.0.0.1:<targetPort>`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await proxy.start();
    return proxy;
  }

  /** The port the proxy listens on; stays the same across stop/start. */
  get port(): number {
    return this.#port;
  }

  /** Listens again (on the same port after the first time). */
  async start(): Promise<void> {
    const server = createServer((client) => {
      this.#forward(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => {
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("proxy has no TCP address");
    this.#port = address.port;
    this.#server = server;
  }

  /** Stops listening and cuts every open connection, as a crashed service would. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }

  /** Keeps connections open but stops passing bytes, as a hung service or a black-holed network would. */
  silence(silent = true): void {
    this.#silent = silent;
    if (silent) this.#dropped = [];
  }

  /**
   * What clients sent towards the service since it was silenced, lost on the way (latin1 text):
   * shows what a client tried to do meanwhile.
   */
  dropped(): string {
    return Buffer.concat(this.#dropped).toString("latin1");
  }

  #forward(client: Socket): void {
    const upstream = createConnection({ port: this.#targetPort, host: "127.0.0.1" });
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.on("data", (chunk: Buffer) => {
        if (!this.#silent) to.write(chunk);
        else if (from === client) this.#dropped.push(chunk);
      });
      from.on("error", () => to.destroy());
      from.on("close", () => {
        this.#sockets.delete(from);
        to.destroy();
      });
    }
  }
}
