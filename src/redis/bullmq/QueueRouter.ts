import type { TriggerManager } from '../../manager/TriggerManager';
import type { TaskInstance } from '../../model';

/**
 * Picks the BullMQ queue of a scheduled instance, the way Celery's router
 * sends tasks to queues. Bind one to `TRIGGERS.QueueRouter` (or pass
 * `queueRouter` to `createTriggersContainer`). Return `undefined` to let the
 * task class's `@TriggerTask({ queue })` option or the default queue decide.
 *
 * ```ts
 * const router: QueueRouter = (instance) => (instance.config.run.startsWith('Import') ? 'imports' : undefined);
 * ```
 *
 * Precedence: the task configuration's `queue` directive, then the router,
 * then the task class's `queue` option, then the runner's default queue.
 */
export type QueueRouter = (instance: TaskInstance, manager: TriggerManager) => string | undefined;
