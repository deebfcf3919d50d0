/**
 * The lightest HTTP/1.1 client that can ask the inspector for a state: one kept-alive socket,
 * one request at a time, a response framed by its Content-Length. The inspector bench runs its
 * client in the server's own process, where node:http's client machinery (agent, parser,
 * streams) cost as much as the server's part and was charged to the API; the page's real client
 * is a browser in another process.
 * @module
 */
import { connect, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

/** One response: the status and the body as UTF-8 text. */
export interface LoopbackResponse {
  readonly status: number;
  readonly body: string;
}

/** A kept-alive HTTP/1.1 connection to one loopback server, asking one GET at a time. */
export class LoopbackHttpClient {
  readonly #socket: Socket;
  readonly #host: string;
  #received: Buffer = Buffer.alloc(0);
  #waiting: { resolve: (response: LoopbackResponse) => void; reject: (error: Error) => void } | undefined;

  private constructor(socket: Socket, host: string) {
    this.#socket = socket;
    this.#host = host;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error(`the connection to ${host} closed with a request waiting`)));
  }

  /** Opens the connection to `url`'s host and port. */
  static connect(url: URL): Promise<LoopbackHttpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) }, () => {
        socket.off('error', reject);
        resolve(new LoopbackHttpClient(socket, url.host));
      });
      socket.once('error', reject);
    });
  }

  /** GET `path` (path and query, already encoded). */
  get(path: string): Promise<LoopbackResponse> {
    if (this.#waiting !== undefined) return Promise.reject(new Error(`GET ${path}: the previous request is still waiting`));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.#host}\r\n\r\n`);
    });
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    const headerEnd = this.#received.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = this.#received.toString('latin1', 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
    if (length === undefined) {
      this.#fail(new Error(`expected a response with Content-Length, found headers: ${head}`));
      return;
    }
    const bodyStart = headerEnd + HEADER_END.length;
    const bodyEnd = bodyStart + Number(length);
    if (this.#received.length < bodyEnd) return;
    const body = this.#received.toString('utf8', bodyStart, bodyEnd);
    this.#received = this.#received.subarray(bodyEnd);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve({ status, body });
  }

  #fail(error: Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
  }
}
