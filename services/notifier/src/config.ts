import { z } from 'zod';
import { baseEnv, ConfigError, loadConfig, port } from '@orderflow/runtime';
import { CHANNEL_NAMES, type ChannelName } from './domain/notification';

/**
 * Public development values so a fresh checkout works; a deployment sets its own (refused when
 * NODE_ENV=production).
 */
export const DEV_API_TOKEN = 'orderflow-dev-api-token-change-me';
export const DEV_NOTIFY_WEBHOOK_SECRET = 'orderflow-dev-notify-webhook-secret-change-me';

/** `log,email` -> ['log', 'email']: known names only, each once, at least one. */
const channelList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(
        z.enum(CHANNEL_NAMES, { error: `expected a comma-separated list of ${CHANNEL_NAMES.join(', ')}` }),
      )
      .min(1, 'at least one channel'),
  )
  .transform((names) => [...new Set(names)] as ChannelName[]);

const ms = z.coerce.number().int();

export const notifierEnv = {
  ...baseEnv,
  PORT: port(3005),
  /** Channels every notification goes out on; a notification is created per event and enabled channel. */
  NOTIFY_CHANNELS: channelList.default(['log']),
  /** `smtp://[user:pass@]host[:port]` or `smtps://...` (implicit TLS). */
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'expected an smtp:// or smtps:// URL' })
    .default('smtp://127.0.0.1:1025'),
  /** Sender of the e-mails, `Name <address>` or a bare address. */
  MAIL_FROM: z
    .string()
    .regex(/^(?:[^<>]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/, 'expected "Name <address>" or an address')
    .default('orderflow <notifications@orderflow.local>'),
  /** Where webhook notifications are POSTed; required when the webhook channel is enabled. */
  NOTIFY_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  /** HMAC-SHA256 key of the webhook signatures, shared with the receiver. */
  NOTIFY_WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').default(DEV_NOTIFY_WEBHOOK_SECRET),
  /** Bearer token of the write endpoints (POST /notifications/{id}/retry). */
  API_TOKEN: z.string().min(16, 'at least 16 characters').default(DEV_API_TOKEN),
  /** Locale money and dates are written in for people (e-mail, log line). */
  NOTIFY_LOCALE: z
    .string()
    .refine((value) => {
      try {
        return Intl.NumberFormat.supportedLocalesOf(value).length > 0;
      } catch {
        return false;
      }
    }, 'expected a BCP 47 locale the runtime supports, e.g. en-US')
    .default('en-US'),
  /** First retry delay; doubles per failed attempt (with jitter) up to NOTIFY_RETRY_MAX_MS. */
  NOTIFY_RETRY_BASE_MS: ms.min(1).max(3_600_000).default(1_000),
  NOTIFY_RETRY_MAX_MS: ms.min(1).max(86_400_000).default(300_000),
  /** Attempts before a notification ends FAILED (a manual retry grants as many again). */
  NOTIFY_MAX_ATTEMPTS: ms.min(1).max(100).default(8),
  /** Bound of one delivery step: SMTP connection, greeting and socket inactivity; the whole webhook request. */
  NOTIFY_SEND_TIMEOUT_MS: ms.min(100).max(300_000).default(10_000),
  /**
   * How long a claimed notification is left to its worker before another may take it (a crashed worker's
   * notifications come back after this). Must exceed what a delivery can take.
   */
  NOTIFY_LEASE_MS: ms.min(1_000).max(3_600_000).default(60_000),
  /** Notifications claimed and delivered concurrently per round. */
  NOTIFY_BATCH_SIZE: ms.min(1).max(500).default(10),
  /** Log-channel notifications claimed per round (a log delivery is a local write, not a network send). */
  NOTIFY_LOG_BATCH_SIZE: ms.min(1).max(2_000).default(200),
  /** How often an idle worker looks for due notifications. */
  NOTIFY_POLL_MS: ms.min(10).max(60_000).default(250),
};

export type NotifierConfig = z.infer<z.ZodObject<typeof notifierEnv>>;

/** Rules across variables, and the public dev secrets refused in production. */
export function checkNotifierConfig(config: NotifierConfig): void {
  const issues: { variable: string; problem: string }[] = [];
  const webhook = config.NOTIFY_CHANNELS.includes('webhook');
  if (webhook && !config.NOTIFY_WEBHOOK_URL) {
    issues.push({
      variable: 'NOTIFY_WEBHOOK_URL',
      problem: 'required when NOTIFY_CHANNELS includes webhook',
    });
  }
  if (config.NODE_ENV === 'production') {
    if (config.API_TOKEN === DEV_API_TOKEN) {
      issues.push({
        variable: 'API_TOKEN',
        problem: 'must be set in production (the default is a public dev value)',
      });
    }
    if (webhook && config.NOTIFY_WEBHOOK_SECRET === DEV_NOTIFY_WEBHOOK_SECRET) {
      issues.push({
        variable: 'NOTIFY_WEBHOOK_SECRET',
        problem: 'must be set in production (the default is a public dev value)',
      });
    }
  }
  if (config.NOTIFY_RETRY_MAX_MS < config.NOTIFY_RETRY_BASE_MS) {
    issues.push({ variable: 'NOTIFY_RETRY_MAX_MS', problem: 'must not be below NOTIFY_RETRY_BASE_MS' });
  }
  // An SMTP exchange is bounded by three timeouts in a row (connect, greeting, inactivity); a lease shorter
  // than that could hand a notification still being sent to a second worker.
  if (config.NOTIFY_LEASE_MS <= 3 * config.NOTIFY_SEND_TIMEOUT_MS) {
    issues.push({ variable: 'NOTIFY_LEASE_MS', problem: 'must exceed 3 x NOTIFY_SEND_TIMEOUT_MS' });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

export function loadNotifierConfig(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const config = loadConfig(notifierEnv, env);
  checkNotifierConfig(config);
  return config;
}
