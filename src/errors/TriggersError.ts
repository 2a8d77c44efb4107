/**
 * Base class of every error the framework throws on purpose.
 *
 * Catch `TriggersError` to tell framework refusals (bad input, unknown names,
 * illegal transitions) apart from bugs in task code. `name` is always the
 * concrete class name, so it survives serialization into instance metadata.
 *
 * Each subclass takes structured fields in its constructor, keeps them as
 * readonly properties and builds its `message` from them, so code that
 * catches one can read `error.uid` or `error.instance` instead of parsing
 * the message.
 */
export class TriggersError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
