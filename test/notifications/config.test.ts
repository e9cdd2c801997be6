import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The notification and metrics settings as src/config.ts reads them from the environment. */
describe('notification and metrics settings', () => {
  it('send no email and call no webhook when nothing is set', () => {
    expect(loadConfig({})).toMatchObject({ smtp: null, webhook: null, metricsToken: undefined, metricsPort: undefined });
  });

  it.each([
    [{ SMTP_URL: 'smtps://u:p@mail.example.com' }, { url: 'smtps://u:p@mail.example.com', from: 'scimflow <scimflow@localhost>' }],
    [{ SMTP_HOST: 'mail.example.com', SMTP_PORT: '465', SMTP_USER: 'u', SMTP_PASSWORD: 'p' }, { host: 'mail.example.com', port: 465, secure: true, user: 'u', password: 'p' }],
    [{ SMTP_HOST: 'mail.example.com', SMTP_PORT: '587', SMTP_FROM: 'IAM <iam@example.com>' }, { port: 587, secure: false, from: 'IAM <iam@example.com>' }],
    [{ SMTP_HOST: 'mail.example.com', SMTP_PORT: '2525', SMTP_SECURE: 'true' }, { secure: true }],
  ])('read SMTP from %o', (env, smtp) => {
    expect(loadConfig(env).smtp).toMatchObject(smtp);
  });

  it('need a secret with a webhook URL, and a long enough one', () => {
    expect(() => loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/x' })).toThrow(ConfigError);
    expect(() => loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/x', WEBHOOK_SECRET: 'short' })).toThrow(/WEBHOOK_SECRET/);
    expect(loadConfig({ WEBHOOK_URL: 'https://hooks.example.com/x', WEBHOOK_SECRET: 'a-secret-of-some-length' }).webhook)
      .toEqual({ url: 'https://hooks.example.com/x', secret: 'a-secret-of-some-length' });
  });

  it('refuse a short metrics token and read the worker\'s metrics port', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
  });
});
