import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { errorMessage } from '@orderflow/runtime';
import { smtpResult } from '../domain/delivery-policy';
import { emailContent, type DeliveryChannel } from './delivery-channel';

export interface EmailChannelOptions {
  /** `smtp://[user:pass@]host[:port]` (STARTTLS when offered) or `smtps://...` (TLS from the start). */
  smtpUrl: string;
  /** `Name <address>` or an address. */
  from: string;
  /** Bound of each step: connecting, the greeting, any silence on the socket. */
  sendTimeoutMs: number;
}

/** SMTP options from the URL; credentials in it are percent-decoded. */
export function smtpOptions(smtpUrl: string, timeoutMs: number): SMTPTransport.Options {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 25,
    secure,
    auth: url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
  };
}

/** The domain of the sender address, for Message-IDs. */
export function senderDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1).trim() || 'orderflow.local';
}

/** The Message-ID of a notification's e-mail: the same on every attempt, so a mailbox can drop repeats. */
export function messageIdFor(notificationId: string, domain: string): string {
  return `<${notificationId}@${domain}>`;
}

export function emailChannel(options: EmailChannelOptions): DeliveryChannel {
  // Not pooled: one connection per message, so nothing queues inside the transport where the timeouts
  // cannot see it, and a server that went away costs nothing but the failed attempt.
  const transport: Transporter = nodemailer.createTransport(
    smtpOptions(options.smtpUrl, options.sendTimeoutMs),
  );
  const domain = senderDomain(options.from);
  return {
    name: 'email',
    async deliver(notification) {
      if (notification.recipient === null) {
        return { ok: false, permanent: true, error: 'no recipient address' };
      }
      const content = emailContent(notification);
      try {
        await transport.sendMail({
          from: options.from,
          to: { name: content.toName, address: notification.recipient },
          subject: content.subject,
          text: content.text,
          html: content.html,
          messageId: messageIdFor(notification.notification_id, domain),
          headers: { 'X-Notification-Id': notification.notification_id },
        });
        return { ok: true };
      } catch (error) {
        const details = error as { code?: unknown; responseCode?: unknown };
        return smtpResult({
          code: typeof details.code === 'string' ? details.code : undefined,
          responseCode: typeof details.responseCode === 'number' ? details.responseCode : undefined,
          message: errorMessage(error),
        });
      }
    },
    close: () => transport.close(),
  };
}
