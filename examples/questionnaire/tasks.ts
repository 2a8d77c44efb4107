/**
 * The trigger tasks of the questionnaire workflow: the code the
 * configuration's `run` names. Importing this module registers them (the
 * `@TriggerTask` decorator records each class under its name), which is why
 * both the in-process demo and the distributed example import it.
 */
import { inject } from 'inversify';
import { IsEmail, IsInt, IsNotEmpty, IsObject, IsString, Min } from 'class-validator';
import { Task, TriggerTask, withContext } from 'triggers-ts';
import type { Kwargs, TaskContext } from 'triggers-ts';
import { MailServer, MailServerUnavailable } from './MailServer';

// ---------------------------------------------------------------- kwargs DTOs

/** Kwargs of `firstPageReceived`: who is answering. */
export class FirstPageDto {
  @IsString()
  @IsNotEmpty()
  subjectId!: string;

  @IsEmail()
  email!: string;
}

/** Kwargs of `pageReceived`: one page of answers. */
export class PageDto {
  @IsInt()
  @Min(1)
  page!: number;

  @IsObject()
  answers!: Record<string, unknown>;
}

/** The part of `pageReceived` that only browsers send. */
export class BrowserDto {
  @IsString()
  @IsNotEmpty()
  userAgent!: string;
}

/** What `t_importSubject` returns (and therefore what its cascade carries). */
export interface ImportedSubject extends Kwargs {
  subjectId: string;
  email: string;
}

// --------------------------------------------------------------------- tasks

/**
 * Creates the subject record once the first page arrived **and** the
 * questionnaire is complete (a subject who gives up half-way is not
 * imported). Its result is fired as the `t_importSubject` cascade, which
 * starts every other import.
 */
@TriggerTask()
export class ImportSubject extends Task {
  async run(ctx: TaskContext): Promise<ImportedSubject> {
    const subject = await ctx.validate('firstPageReceived', FirstPageDto);
    ctx.logger.info(`Imported subject ${subject.subjectId}`);
    return { subjectId: subject.subjectId, email: subject.email };
  }
}

/**
 * Stores one page of answers. Configured with `andEvery: 'pageReceived'`,
 * so each page gets its own instance; pages that arrive before the subject
 * is imported simply wait for the `t_importSubject` cascade.
 */
@TriggerTask()
export class ImportResponses extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const page = await ctx.validate('pageReceived', PageDto);
    const subjectId = ctx.triggerKwargs.t_importSubject?.subjectId;
    const answered = Object.keys(page.answers).length;
    ctx.logger.info(`Stored ${answered} answer(s) of page ${page.page} for ${String(subjectId)}`);
    return { page: page.page, answered };
  }
}

/**
 * Records the participant's browser from the first page. Configured
 * `unless: ['isEmbeddedApp']`: the embedded mobile app has no browser to
 * report, so the instance is abandoned there and never runs.
 */
@TriggerTask()
export class ImportBrowserMetadata extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const browser = await ctx.validate('pageReceived', BrowserDto);
    return { userAgent: browser.userAgent };
  }
}

/**
 * Thanks the participant by email. It gets the mail gateway by constructor
 * injection (every run gets a fresh task object from the container). When
 * the gateway is down it asks to be retried; `maxRetries: 2` lets the
 * framework replay it twice, after which `retry()` throws
 * `MaxRetriesExceeded`, the instance stays `failed`, and an operator decides
 * (replay it once the gateway is back, or skip it).
 */
@TriggerTask({ maxRetries: 2 })
export class SendConfirmationEmail extends Task {
  constructor(@inject(MailServer) private readonly mailServer: MailServer) {
    super();
  }

  run(ctx: TaskContext): Kwargs {
    // withParams put `template` next to the subject's kwargs.
    const { subjectId, email, template } = ctx.triggerKwargs.t_importSubject as ImportedSubject & { template: string };
    try {
      this.mailServer.send({ to: email, template, subjectId });
    } catch (error) {
      if (!(error instanceof MailServerUnavailable)) throw error;
      ctx.logger.warn(`Mail server down, asking for a retry`, { to: email });
      throw this.retry({ error: withContext(error, { to: email }), cooldown: 1 });
    }
    return { sentTo: email, template };
  }
}

/**
 * Runs after `sessionFinalized` (fired by the finalizing manager once every
 * other task is resolved) and returns a tally of the session's instances:
 * a task may read its session through `ctx.manager.storage`.
 */
@TriggerTask()
export class ArchiveSession extends Task {
  async run(ctx: TaskContext): Promise<Kwargs> {
    const instances = await ctx.manager.storage.getInstances();
    const tally: Record<string, number> = {};
    for (const instance of instances) {
      if (instance.name === ctx.instanceName) continue;
      tally[instance.status] = (tally[instance.status] ?? 0) + 1;
    }
    ctx.logger.info(`Archived session ${ctx.uid}`);
    return { archived: true, instances: tally };
  }
}
