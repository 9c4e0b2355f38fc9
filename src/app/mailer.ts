import nodemailer, { type Transporter } from 'nodemailer';

/** One e-mail as Seatwise sends it: plain text, to one person. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends e-mail through the operator's SMTP server (SEATWISE_SMTP_URL); without one, nothing is sent. */
export class Mailer {
  private readonly transport: Transporter | null;

  constructor(
    smtpUrl: string | undefined,
    private readonly from: string = 'Seatwise <seatwise@localhost>',
  ) {
    this.transport = smtpUrl ? nodemailer.createTransport(smtpOptions(smtpUrl)) : null;
  }

  get configured(): boolean {
    return this.transport !== null;
  }

  /** Sends one mail; throws with the server's reason (never the password) when it is refused. */
  async send(mail: Mail): Promise<void> {
    if (!this.transport) throw new Error('no SMTP server is configured (SEATWISE_SMTP_URL)');
    try {
      await this.transport.sendMail({ from: this.from, ...mail });
    } catch (error) {
      throw new Error(
        `the SMTP server refused the e-mail to ${mail.to}: ${redact((error as Error).message)}`,
      );
    }
  }

  /** Connects to the SMTP server and signs in, sending nothing; throws with its reason (never the password). */
  async verify(): Promise<void> {
    if (!this.transport) throw new Error('no SMTP server is configured (SEATWISE_SMTP_URL)');
    try {
      await this.transport.verify();
    } catch (error) {
      throw new Error(redact((error as Error).message));
    }
  }

  close(): void {
    this.transport?.close();
  }
}

/**
 * The SMTP connection a URL asks for: smtps:// is TLS from the start; smtp:// must upgrade with STARTTLS before
 * anything (a password, a reviewer's name) is sent, unless the server is on this machine.
 */
export function smtpOptions(smtpUrl: string) {
  const url = new URL(smtpUrl);
  const secure = url.protocol === 'smtps:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const local = host === 'localhost' || host === '::1' || /^127\./.test(host);
  return {
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure && !local,
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
  };
}

function redact(message: string): string {
  return message.replace(/(smtps?:\/\/[^:\s/]+:)[^@\s]+@/gi, '$1***@');
}
