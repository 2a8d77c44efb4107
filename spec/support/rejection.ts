import { expect } from 'chai';

/**
 * Awaits `promise` (or calls `fn`), expects it to reject with an instance of
 * `errorClass` whose message contains every fragment, and returns the error.
 */
export async function expectRejection<E extends Error>(
  action: Promise<unknown> | (() => unknown),
  errorClass: new (...args: never[]) => E,
  ...fragments: string[]
): Promise<E> {
  let error: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (caught) {
    error = caught;
  }
  expect(error, `expected a ${errorClass.name}`).to.be.instanceOf(errorClass);
  for (const fragment of fragments) expect((error as Error).message).to.contain(fragment);
  return error as E;
}
