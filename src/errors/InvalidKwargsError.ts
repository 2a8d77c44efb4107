import { TriggersError } from './TriggersError';

/** Kwargs, params or a task result are not a JSON object (or hold a value JSON cannot carry); the message names the culprit. Nothing was saved. */
export class InvalidKwargsError extends TriggersError {}
