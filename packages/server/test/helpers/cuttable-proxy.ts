import net from 'node:net';

/**
 * A TCP forwarder between Cairn and PostgreSQL that a test can cut, as a network partition or a
 * database host going down would: `cut()` resets every connection and refuses new ones until
 * `restore()`. `loseNextCommitReply()` lets the next COMMIT reach the database and then drops
 * Cairn's connection before the reply comes back: a commit whose outcome Cairn cannot know.
 */
export class CuttableProxy {
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  #server: net.Server | undefined;
  #port = 0;
  #loseCommitReply = false;

  constructor(targetUrl: string) {
    const u = new URL(targetUrl);
    this.#target = { host: u.hostname, port: Number(u.port || 5432) };
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlThrough(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.#port);
    return u.toString();
  }

  async start(): Promise<void> {
    await this.#listen();
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const { client, upstream } of this.#pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.#pairs.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    if (!this.#server) await this.#listen();
  }

  loseNextCommitReply(): void {
    this.#loseCommitReply = true;
  }

  close(): Promise<void> {
    return this.cut();
  }

  async #listen(): Promise<void> {
    const server = net.createServer((client) => this.#pair(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  #pair(client: net.Socket): void {
    const upstream = net.connect(this.#target);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop);
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      // A simple-protocol Query message ('Q', int32 length, "commit\0"), as pg sends Kysely's COMMIT.
      if (this.#loseCommitReply && chunk[0] === 0x51 && chunk.subarray(5).toString('latin1').toLowerCase() === 'commit\0') {
        this.#loseCommitReply = false;
        this.#pairs.delete(pair);
        upstream.removeAllListeners('data');
        // The database gets the COMMIT and answers; Cairn's side is reset before it hears.
        upstream.once('data', () => upstream.end());
        upstream.write(chunk);
        client.removeAllListeners('close').removeAllListeners('error').on('error', () => undefined);
        client.resetAndDestroy();
        return;
      }
      upstream.write(chunk);
    });
  }
}
