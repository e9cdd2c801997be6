import nodemailer from 'nodemailer';

/**
 * The email channel over SMTP (nodemailer). Settings come from the environment
 * (src/config.ts): a whole `SMTP_URL`, or host, port and credentials one by one.
 */
export interface SmtpSettings {
  url?: string;
  host?: string;
  port?: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
}

export interface Mailer {
  send(message: { to: string; subject: string; text: string; messageId: string }): Promise<void>;
  close(): void;
}

export function createMailer(settings: SmtpSettings): Mailer {
  const transport = settings.url
    ? nodemailer.createTransport(settings.url)
    : nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
    });
  return {
    async send(message) {
      await transport.sendMail({ from: settings.from, ...message });
    },
    close: () => transport.close(),
  };
}
