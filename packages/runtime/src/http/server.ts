import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  STATUS_CODES,
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger';
import { codeForStatus, problem, PROBLEM_CONTENT_TYPE } from './problem-details';

export interface StartHttpServerOptions {
  host: string;
  /** 0 picks a free port; the bound one is returned. */
  port: number;
  logger: Logger;
  /** How long `close` lets in-flight requests finish before cutting their connections. */
  shutdownGraceMs?: number;
}

export interface RunningHttpServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to the grace), resolves once every socket is gone. */
  close(): Promise<void>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

/** What a request Node's HTTP parser refused gets told, by the parser's error code. */
function parserRefusal(code: string | undefined): { status: number; detail: string } {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, detail: 'The request line and headers are too large (a very long query string?).' };
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, detail: 'The request took too long to arrive.' };
  return { status: 400, detail: 'The request is not valid HTTP.' };
}

/**
 * Requests Node refuses before the app sees them (headers over the size limit, malformed request lines)
 * get a problem+json answer like every other client error, instead of Node's bare status line.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, detail } = parserRefusal(error.code);
  const body = JSON.stringify(
    problem(status, codeForStatus(status), detail, { instance: '', requestId: randomUUID() }),
  );
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startHttpServer(
  app: RequestListener,
  options: StartHttpServerOptions,
): Promise<RunningHttpServer> {
  const { logger } = options;
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const inFlight = new Set<ServerResponse>();
  let closing = false;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      // The keep-alive socket this response leaves behind would otherwise linger until keepAliveTimeout.
      if (closing) server.closeIdleConnections();
    });
    // Tells the client not to reuse the connection, and makes Node close it after the response.
    if (closing) res.shouldKeepAlive = false;
    app(req, res);
  });
  // Slowloris guards: a client gets 10 s to send its headers and 30 s for the whole request. Node's
  // defaults (60 s / 300 s) are meant for uploads this service does not take.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', answerClientError);

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  server.on('error', (error) => logger.error({ err: error }, 'http server error'));
  logger.info({ host: options.host, port }, 'http server listening');

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      const force = setTimeout(() => {
        logger.warn({ open: inFlight.size }, 'http grace period over, closing remaining connections');
        server.closeAllConnections();
      }, graceMs);
      force.unref();
      server.close((error) => {
        clearTimeout(force);
        if (error) logger.warn({ err: error }, 'http server was not running');
        logger.info({ port }, 'http server closed');
        resolve();
      });
      server.closeIdleConnections();
    });
    return closed;
  };

  return { server, port, close };
}
