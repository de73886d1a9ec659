import type { StoredDbConfig } from './meta-store.js';

/** A resolved connection to one database; the password lives only in memory. */
export interface DbConfig extends StoredDbConfig {
  readonly password?: string;
  readonly role: 'source' | 'target';
}

/** host:port/database, for messages (never includes the password). */
export function describeDb(c: Pick<DbConfig, 'host' | 'port' | 'database' | 'user'>): string {
  return `${c.user}@${c.host}:${c.port}/${c.database}`;
}
