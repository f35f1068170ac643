import nodemailer, { type Transporter } from 'nodemailer';
import { AppError } from '../errors.ts';
import type { Mailer, OutgoingMail } from '../ports/Mailer.ts';

/** Mail through the university's SMTP server (AMPHI_SMTP_URL), from AMPHI_MAIL_FROM. */
export class SmtpMailer implements Mailer {
  readonly #transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    this.#transport = nodemailer.createTransport(url);
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.#transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        attachments: mail.attachments?.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
      });
    } catch (err) {
      throw new AppError('mail.failed', `the mail server refused the message: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  close(): void {
    this.#transport.close();
  }
}
