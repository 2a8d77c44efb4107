import type { TriggerManager } from './TriggerManager';

/** Which registered types a manager is built from (defaults from the container tokens). */
export interface ManagerTypeOptions {
  /** Registered manager name (default `TRIGGERS.DefaultManagerName`). */
  manager?: string;
  /** Registered storage name (default `TRIGGERS.DefaultStorageName`). */
  storage?: string;
}

/** Builds a manager of a registered type over a session's storage (bound to `TRIGGERS.ManagerFactory`). */
export type ManagerFactory = (uid: string, options?: ManagerTypeOptions) => TriggerManager;
