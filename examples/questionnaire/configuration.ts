/**
 * The questionnaire workflow as a Triggers configuration: plain JSON-shaped
 * data, read as sentences ("after the first page and the completion, run
 * ImportSubject"). Shared by the in-process demo and the distributed example.
 */
import type { TriggerConfiguration } from 'triggers-ts';

/** The trigger the finalizing manager fires once every other task is resolved. */
export const SESSION_FINALIZED = 'sessionFinalized';

/**
 * - `t_importSubject`, `t_importResponses`, `t_importBrowser`: the three tasks
 *   of the example in docs/concepts.md.
 * - `t_sendConfirmation`: thanks the participant once the subject exists; its
 *   `withParams` adds the mail template to the `t_importSubject` kwargs.
 * - `t_archiveSession`: runs once the session is finalized.
 */
export const questionnaireConfiguration: TriggerConfiguration = {
  t_importSubject: {
    after: ['firstPageReceived', 'questionnaireComplete'],
    run: 'ImportSubject',
  },
  t_importResponses: {
    after: ['t_importSubject'],
    andEvery: 'pageReceived',
    run: 'ImportResponses',
  },
  t_importBrowser: {
    after: ['t_importSubject', 'pageReceived'],
    unless: ['isEmbeddedApp'],
    run: 'ImportBrowserMetadata',
  },
  t_sendConfirmation: {
    after: ['t_importSubject'],
    run: 'SendConfirmationEmail',
    withParams: { t_importSubject: { template: 'questionnaire-thanks' } },
  },
  t_archiveSession: {
    after: [SESSION_FINALIZED],
    run: 'ArchiveSession',
  },
};
