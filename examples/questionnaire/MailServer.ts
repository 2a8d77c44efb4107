import { injectable } from 'inversify';

/** One message the {@link MailServer} accepted. */
export interface SentMail {
  to: string;
  template: string;
  subjectId: string;
}

/** What {@link MailServer.send} throws while the server is down. */
export class MailServerUnavailable extends Error {
  constructor(message = 'Mail server unavailable (connection refused)') {
    super(message);
    this.name = 'MailServerUnavailable';
  }
}

/**
 * A stand-in for the application's mail gateway: the kind of service a task
 * gets through constructor injection. It keeps what it "sent" in `outbox`,
 * and can be switched off to play an outage deterministically (the demo
 * turns it off, lets a task fail, turns it back on and has an operator
 * replay the failure).
 *
 * Bind one per container: `container.bind(MailServer).toSelf().inSingletonScope()`.
 */
@injectable()
export class MailServer {
  /** Messages accepted, in order. */
  readonly outbox: SentMail[] = [];

  /** Whether `send` currently works. */
  up = true;

  /** Sends a message, or throws {@link MailServerUnavailable} while the server is down. */
  send(mail: SentMail): void {
    if (!this.up) throw new MailServerUnavailable();
    this.outbox.push({ ...mail });
  }
}
