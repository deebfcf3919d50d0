/**
 * A loopback HTTP proxy between an S3 client and a real S3 server that injects faults:
 * error statuses, connection resets, slow responses, bodies cut short. Requests pass
 * through unchanged (Host header included, so SigV4 signatures still verify).
 * @module
 */
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to do to a matching request. */
export type Fault =
  /** Answer with this status and an S3 error body; the server never sees the request. */
  | { readonly kind: 'status'; readonly status: number; readonly code?: string }
  /** Drop the connection before forwarding. */
  | { readonly kind: 'reset' }
  /** Forward (the server acts on it), then drop the connection instead of answering. */
  | { readonly kind: 'reset-after' }
  /** Wait before forwarding. */
  | { readonly kind: 'slow'; readonly delayMs: number }
  /** Forward; send the response headers and half the body, then drop the connection. */
  | { readonly kind: 'truncate' }
  /** Forward; answer with half the body and a Content-Length that matches it (a clean, short body). */
  | { readonly kind: 'short' }
  /** Forward only half the request body to the server, then drop both connections. */
  | { readonly kind: 'truncate-request' };

/** Which requests a rule applies to. */
export interface FaultMatch {
  readonly method?: string;
  /** Substring of the decoded request path and query. */
  readonly path?: string;
  /** Custom predicate on method and decoded URL. */
  readonly test?: (method: string, url: string) => boolean;
}

/** A fault rule: applies to the next `times` matching requests (default: forever). */
export interface FaultRule extends FaultMatch {
  readonly fault: Fault;
  times?: number;
}

/** One request the proxy saw. */
export interface ProxiedRequest {
  readonly method: string;
  /** Decoded path and query. */
  readonly url: string;
  readonly fault: Fault['kind'] | undefined;
}

/** A running fault proxy. */
export interface S3FaultProxy {
  readonly endpoint: string;
  /** Every request seen, in order. */
  readonly requests: ProxiedRequest[];
  /** Adds a rule; rules are checked in the order added. Returns the rule (its `times` counts down). */
  inject(rule: FaultRule): FaultRule;
  /** Removes every rule and forgets the request log. */
  reset(): void;
  close(): Promise<void>;
}

const decode = (url: string): string => {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
};

const matches = (rule: FaultRule, method: string, url: string): boolean =>
  (rule.method === undefined || rule.method === method) &&
  (rule.path === undefined || url.includes(rule.path)) &&
  (rule.test === undefined || rule.test(method, url));

const errorBody = (code: string, status: number) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected ${status}</Message><RequestId>fault</RequestId></Error>`;

/** Starts a fault proxy on a free loopback port in front of `upstream` (`http://host:port`). */
export async function startS3FaultProxy(upstream: string): Promise<S3FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  let rules: FaultRule[] = [];
  const requests: ProxiedRequest[] = [];

  const forward = (req: IncomingMessage, onResponse: (upstreamResponse: IncomingMessage) => void, onError: (error: Error) => void) => {
    const upstreamRequest = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent },
      onResponse,
    );
    upstreamRequest.on('error', onError);
    return upstreamRequest;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = decode(req.url ?? '/');
    const rule = rules.find((candidate) => matches(candidate, method, url) && (candidate.times === undefined || candidate.times > 0));
    if (rule?.times !== undefined) rule.times--;
    const fault = rule?.fault;
    requests.push({ method, url, fault: fault?.kind });
    const fail = () => {
      req.socket.destroy();
    };

    switch (fault?.kind) {
      case 'status': {
        req.resume();
        req.on('end', () => {
          const body = errorBody(fault.code ?? (fault.status === 503 ? 'SlowDown' : 'InternalError'), fault.status);
          res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
        return;
      }
      case 'reset':
        fail();
        return;
      case 'truncate-request': {
        const total = Number(req.headers['content-length'] ?? 0);
        if (!(total > 1)) {
          // No body to cut in half: behave like a reset.
          fail();
          return;
        }
        const upstreamRequest = forward(
          req,
          (upstreamResponse) => upstreamResponse.resume(),
          () => undefined,
        );
        let sent = 0;
        req.on('data', (chunk: Buffer) => {
          const room = Math.max(0, (total >> 1) - sent);
          if (room > 0) upstreamRequest.write(chunk.subarray(0, room));
          sent += chunk.length;
          if (sent >= total >> 1) {
            upstreamRequest.destroy();
            fail();
          }
        });
        return;
      }
      default:
        break;
    }

    const go = () => {
      const upstreamRequest = forward(
        req,
        (upstreamResponse) => {
          if (fault?.kind === 'reset-after') {
            upstreamResponse.resume();
            upstreamResponse.on('end', fail);
            return;
          }
          if (fault?.kind === 'truncate' || fault?.kind === 'short') {
            const chunks: Buffer[] = [];
            upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
            upstreamResponse.on('end', () => {
              const body = Buffer.concat(chunks);
              const half = body.subarray(0, body.length >> 1);
              if (fault.kind === 'short') {
                res.writeHead(upstreamResponse.statusCode ?? 200, { ...upstreamResponse.headers, 'content-length': String(half.length) });
                res.end(half);
              } else {
                res.writeHead(upstreamResponse.statusCode ?? 200, upstreamResponse.headers);
                res.write(half, () => setTimeout(fail, 10));
              }
            });
            return;
          }
          res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
          upstreamResponse.pipe(res);
        },
        () => fail(),
      );
      req.pipe(upstreamRequest);
    };
    if (fault?.kind === 'slow') {
      const timer = setTimeout(go, fault.delayMs);
      req.socket.once('close', () => clearTimeout(timer));
    } else go();
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    inject(rule) {
      rules.push(rule);
      return rule;
    },
    reset() {
      rules = [];
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
