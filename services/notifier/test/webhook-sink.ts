import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The exact bytes received, as text: what the signature covers. */
  body: string;
  receivedAt: number;
  /** What we answered. */
  status: number;
}

/** A real HTTP receiver on loopback; answers `status` (which a test may change) and keeps every request. */
export class WebhookSink {
  readonly requests: ReceivedWebhook[] = [];
  status = 200;
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/orderflow`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const status = this.status;
        this.requests.push({
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
          status,
        });
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  withDeliveryId(id: string): ReceivedWebhook[] {
    return this.requests.filter((r) => r.headers['x-delivery-id'] === id);
  }
}
