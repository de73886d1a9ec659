import type { StoredDbConfig } from './meta-store.js';
import type { NameRef } from './identifier-list.js';

/** libpq's ssl modes, weakest first; the meaning of each is in `adapters/postgres/ssl-config.ts`. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The `--*-ssl-root-cert` value for the CAs Node.js trusts instead of a file (libpq's `sslrootcert=system`). */
export const SYSTEM_ROOTS = 'system';

/** A resolved connection to one database; the password lives only in memory. */
export interface DbConfig extends StoredDbConfig {
  readonly password?: string;
  /**
   * Secrets only one engine has (Oracle's `--oracle-wallet-password`), keyed like `engineOptions`:
   * in memory only, never stored or printed.
   */
  readonly engineSecrets?: Readonly<Record<string, string>>;
  readonly role: 'source' | 'target';
  /**
   * `--*-db-schema` as typed in this command (unquoted names keep their case), until a command that
   * reads the catalog resolves them into `schemas` (`resolveNameRefs`); `schemas` then holds the
   * names as the catalog spells them, and that is what meta.db keeps.
   */
  readonly schemaRefs?: readonly NameRef[];
}

/** host:port/database, for messages (never includes the password). */
export function describeDb(c: Pick<DbConfig, 'host' | 'port' | 'database' | 'user'>): string {
  return `${c.user}@${c.host}:${c.port}/${c.database}`;
}

/** What meta.db keeps of a connection: everything but the password (and of TLS files only their paths). */
export function toStored(c: DbConfig): StoredDbConfig {
  return {
    type: c.type, host: c.host, port: c.port, user: c.user, database: c.database, schemas: c.schemas,
    sslMode: c.sslMode, sslRootCert: c.sslRootCert, sslCert: c.sslCert, sslKey: c.sslKey, sslCrl: c.sslCrl,
    ...(c.engineOptions && Object.keys(c.engineOptions).length > 0 ? { engineOptions: { ...c.engineOptions } } : {}),
  };
}
