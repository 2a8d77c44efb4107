/** A JSON value: what kwargs, params and results may contain. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Keyword arguments of one trigger firing, or the result of a task: a JSON
 * object. Typed loosely (`unknown` values) so applications can pass their own
 * interfaces; the framework checks JSON-serializability at the boundary.
 */
export type Kwargs = Record<string, unknown>;

/** Kwargs per trigger name: what an instance collected from its `after` triggers. */
export type TriggerKwargs = Record<string, Kwargs>;
