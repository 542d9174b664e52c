import { messageIdFor, senderDomain, smtpOptions } from './email.channel';

describe('smtpOptions', () => {
  test('host, port and credentials from the URL; the timeout bounds every step', () => {
    expect(smtpOptions('smtp://mailer:p%40ss@mail.example.test:2525', 5_000)).toEqual({
      host: 'mail.example.test',
      port: 2525,
      secure: false,
      auth: { user: 'mailer', pass: 'p@ss' },
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 5_000,
      dnsTimeout: 5_000,
    });
  });

  test('default ports: 25 for smtp, 465 (TLS from the start) for smtps', () => {
    expect(smtpOptions('smtp://127.0.0.1', 1_000)).toMatchObject({
      port: 25,
      secure: false,
      auth: undefined,
    });
    expect(smtpOptions('smtps://[::1]', 1_000)).toMatchObject({ host: '::1', port: 465, secure: true });
  });
});

describe('Message-ID', () => {
  test('derived from the notification id and the sender domain', () => {
    expect(senderDomain('orderflow <notifications@shop.example>')).toBe('shop.example');
    expect(senderDomain('notifications@shop.example')).toBe('shop.example');
    expect(messageIdFor('0190-abc', 'shop.example')).toBe('<0190-abc@shop.example>');
  });
});
