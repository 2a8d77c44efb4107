import { createHash, timingSafeEqual } from 'node:crypto';

/** What a request may do: read only (no token configured), act (the right token), or nothing more (a missing or wrong token). */
export type DashboardAccessVerdict = 'act' | 'read-only' | 'unauthorized';

/**
 * The dashboard's access rule: reading is open; actions need
 * `Authorization: Bearer <token>` matching the configured token, compared
 * in constant time (over digests, so the length leaks nothing either).
 * Without a configured token the dashboard is read-only.
 */
export class DashboardAccess {
  private readonly digest?: Buffer;

  constructor(token?: string) {
    if (token !== undefined && token.length === 0) throw new RangeError('The dashboard token must not be empty (leave it unset for a read-only dashboard)');
    this.digest = token === undefined ? undefined : DashboardAccess.hash(token);
  }

  /** Whether actions are possible at all (a token is configured). */
  get actionsEnabled(): boolean {
    return this.digest !== undefined;
  }

  /** The verdict for a request's `Authorization` header. */
  check(authorization: string | undefined): DashboardAccessVerdict {
    if (this.digest === undefined) return 'read-only';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (match === null) return 'unauthorized';
    return timingSafeEqual(DashboardAccess.hash(match[1]), this.digest) ? 'act' : 'unauthorized';
  }

  private static hash(token: string): Buffer {
    return createHash('sha256').update(token, 'utf8').digest();
  }
}
