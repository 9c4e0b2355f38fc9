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
    this.transport = smtpUrl ? nodemailer.createTransport(smtpUrl) : null;
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

  close(): void {
    this.transport?.close();
  }
}

function redact(message: string): string {
  return message.replace(/(smtps?:\/\/[^:\s/]+:)[^@\s]+@/gi, '$1***@');
}
