/**
 * What each worker process of the distributed example loads:
 *
 * ```sh
 * triggers worker --redis $URL --prefix $P --require ./dist/examples/distributed/workerSetup.js
 * ```
 *
 * Importing the questionnaire's tasks and manager registers them by name
 * (that is all a worker needs to run them); `configureTriggersContainer`
 * binds the service the tasks inject (the mail gateway).
 */
import { appendFileSync, existsSync } from 'node:fs';
import type { Container } from 'inversify';
import '../questionnaire/tasks';
import '../questionnaire/TimelineManager';
import { MailServer } from '../questionnaire/MailServer';
import type { SentMail } from '../questionnaire/MailServer';

/** Environment variables the example's main process sets for its workers. */
export const DEMO_ENV = {
  /** While this file exists, the mail gateway is down (the demo plays an outage across processes). */
  mailDownFlag: 'TRIGGERS_DEMO_MAIL_DOWN_FLAG',
  /** File where sent mails are appended, one JSON line each (the outbox, shared by both workers). */
  outbox: 'TRIGGERS_DEMO_OUTBOX',
} as const;

/**
 * Binds a {@link MailServer} whose up/down state is a flag file the demo's
 * producer switches, and whose outbox is a file both workers append to: a
 * stand-in for a real gateway shared by every process.
 */
export function configureTriggersContainer(container: Container): void {
  const flag = process.env[DEMO_ENV.mailDownFlag];
  const outbox = process.env[DEMO_ENV.outbox];
  const server = new MailServer();
  Object.defineProperty(server, 'up', { get: () => flag === undefined || !existsSync(flag) });
  const send = server.send.bind(server);
  server.send = (mail: SentMail) => {
    send(mail);
    if (outbox !== undefined) appendFileSync(outbox, `${JSON.stringify(mail)}\n`);
  };
  container.bind(MailServer).toConstantValue(server);
}
