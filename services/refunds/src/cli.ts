#!/usr/bin/env node
// `refunds request <order_id> [amount_cents] --reason <text> --key <key>` and `refunds status <refund_id>`:
// thin clients of the refunds HTTP API. The answer is printed as JSON on stdout; a failed request prints
// one line on stderr (the problem's code and detail) and exits 1.
import { Command } from 'commander';
import { callApi, CliError, DEFAULT_URL, parseAmount } from './cli/refunds-client';

interface CommonFlags {
  url: string;
}

interface RequestFlags extends CommonFlags {
  reason: string;
  key: string;
  token?: string;
}

function print(body: unknown): void {
  console.log(JSON.stringify(body, null, 2));
}

const program = new Command()
  .name('refunds')
  .description('Ask for refunds and follow them, through the refunds service HTTP API.')
  .showHelpAfterError('(refunds <command> --help shows the usage)');

program
  .command('request')
  .description('ask for a refund of an order (all that is left when no amount is given)')
  .argument('<order_id>', 'the order to refund')
  .argument('[amount_cents]', 'amount in minor units of the order currency', parseAmount)
  .requiredOption('--reason <text>', 'why the refund is asked for')
  .requiredOption('--key <idempotency-key>', 'the same key again never makes a second refund')
  .option('--url <url>', 'refunds service base URL (env REFUNDS_URL)', process.env.REFUNDS_URL || DEFAULT_URL)
  .option('--token <token>', 'bearer token (env API_TOKEN)')
  .action(async (orderId: string, amountCents: number | undefined, flags: RequestFlags) => {
    const token = flags.token ?? process.env.API_TOKEN;
    if (!token) throw new CliError('no API token: pass --token or set API_TOKEN');
    print(
      await callApi(flags.url, '/refunds', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': flags.key },
        body: {
          order_id: orderId,
          ...(amountCents === undefined ? {} : { amount_cents: amountCents }),
          reason: flags.reason,
        },
      }),
    );
  });

program
  .command('status')
  .description('show a refund')
  .argument('<refund_id>', 'the id POST /refunds answered with')
  .option('--url <url>', 'refunds service base URL (env REFUNDS_URL)', process.env.REFUNDS_URL || DEFAULT_URL)
  .action(async (refundId: string, flags: CommonFlags) => {
    print(await callApi(flags.url, `/refunds/${encodeURIComponent(refundId)}`));
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(
    `refunds: ${error instanceof CliError ? error.message : error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 1;
});
