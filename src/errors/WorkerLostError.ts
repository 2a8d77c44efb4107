import { TriggersError } from './TriggersError';

/**
 * A task instance was `running` on a worker that stopped (killed, crashed,
 * or blocked past its job lock) before recording an outcome: BullMQ
 * re-delivered its job. The task may have had side effects, so it is not
 * run a second time; the instance is failed so an operator can replay it.
 */
export class WorkerLostError extends TriggersError {}
