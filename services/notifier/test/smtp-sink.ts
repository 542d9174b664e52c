import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * How the server treats a sender: `accept` takes the message; `defer` answers MAIL FROM with 451 (try
 * later), as a server under load or greylisting does. Recipients starting with `bounce` get 550 always.
 */
export type SmtpMode = 'accept' | 'defer';

/** A real SMTP server on loopback that keeps every message it accepted, parsed. */
export class SmtpSink {
  readonly messages: ParsedMail[] = [];
  mode: SmtpMode = 'accept';
  /** Connections made while the server was up, including refused ones; shows the client came back. */
  sessions = 0;
  private server: SMTPServer | undefined;
  private boundPort = 0;

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.boundPort}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Listens on `port` (0: any free one the first time, the same one on a restart). */
  async start(port = this.boundPort): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      // Plain SMTP on loopback: no certificate to trust, nothing to authenticate.
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      closeTimeout: 100,
      onConnect: (_session, callback) => {
        this.sessions++;
        callback();
      },
      onMailFrom: (_address, _session, callback) => {
        if (this.mode === 'defer') {
          callback(Object.assign(new Error('greylisted, try again later'), { responseCode: 451 }));
          return;
        }
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        if (address.address.startsWith('bounce')) {
          callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
          return;
        }
        callback();
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            this.messages.push(mail);
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      const listener = server.listen(port, '127.0.0.1', () => {
        const address = listener.address();
        this.boundPort = typeof address === 'object' && address ? address.port : port;
        resolve();
      });
      listener.once('error', reject);
    });
    this.server = server;
  }

  /** Stops listening: clients get "connection refused" until the next start. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Accepted messages per Message-ID. */
  countsByMessageId(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const mail of this.messages) {
      const id = mail.messageId ?? '(none)';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  /** Messages with this id, as received. */
  withMessageId(messageId: string): ParsedMail[] {
    return this.messages.filter((m) => m.messageId === messageId);
  }
}
