import type pg from 'pg';

/**
 * The cluster settings the spec asks for on a YugabyteDB target during a migration, as far as a
 * SQL session can see them. NOT verified against a real YugabyteDB (it cannot run where Tandem is
 * developed): the setting names come from YugabyteDB's documentation and source.
 */
export interface YbSettingsSeen {
  /** `version()`, e.g. `PostgreSQL 11.2-YB-2.18.6.0-b0 on x86_64-pc-linux-gnu, …`. */
  readonly versionText: string;
  /** `yb_max_query_layer_retries` (a YSQL setting, set through ysql_pg_conf_csv); undefined when unknown. */
  readonly maxQueryLayerRetries?: string;
  /** The isolation a READ COMMITTED transaction really gets (`yb_effective_transaction_isolation_level`); undefined when unknown. */
  readonly readCommittedEffective?: string;
}

/** Reads what {@link ybSettingWarnings} checks; settings the server does not know come back undefined. */
export async function readYbSettings(client: pg.Client): Promise<YbSettingsSeen> {
  const r = await client.query("SELECT version() AS v, current_setting('yb_max_query_layer_retries', true) AS retries");
  let readCommittedEffective: string | undefined;
  try {
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    const e = await client.query("SELECT current_setting('yb_effective_transaction_isolation_level', true) AS e");
    readCommittedEffective = e.rows[0].e ?? undefined;
  } finally {
    await client.query('ROLLBACK').catch(() => {});
  }
  return { versionText: String(r.rows[0].v), maxQueryLayerRetries: r.rows[0].retries ?? undefined, readCommittedEffective };
}

/** `2.18.6.0` from a YugabyteDB version() text; undefined when there is none. */
export function ybVersion(versionText: string): number[] | undefined {
  const m = /-YB-(\d+(?:\.\d+)+)/.exec(versionText);
  return m ? m[1]!.split('.').map(Number) : undefined;
}

/**
 * The spec's preparation of the target ("Prepare the target database": no query-layer or
 * read/write restart retries, read committed isolation off during the migration), checked as far
 * as SQL can see it. Returns one warning (with its fix) per problem found, and says so when a
 * setting cannot be read over SQL.
 */
export function ybSettingWarnings(seen: YbSettingsSeen): string[] {
  const out: string[] = [];
  const version = ybVersion(seen.versionText);
  const label = version ? version.join('.') : 'unknown version';
  if (seen.maxQueryLayerRetries !== undefined) {
    if (seen.maxQueryLayerRetries.trim() !== '0') {
      out.push(`YugabyteDB ${label}: yb_max_query_layer_retries is ${seen.maxQueryLayerRetries}; set ysql_pg_conf_csv = yb_max_query_layer_retries=0 on the cluster for the migration (and revert it afterwards).`);
    }
  } else {
    out.push(`YugabyteDB ${label}: cannot read the query-layer retry setting over SQL; make sure the tserver flags ysql_max_read_restart_attempts = 0 and ysql_max_write_restart_attempts = 0 are set for the migration.`);
  }
  if (seen.readCommittedEffective === undefined) {
    out.push(`YugabyteDB ${label}: cannot tell over SQL whether read committed isolation is on; turn it off for the migration (tserver flag yb_enable_read_committed_isolation = false).`);
  } else if (/read committed/i.test(seen.readCommittedEffective)) {
    out.push(`YugabyteDB ${label}: read committed isolation is on; turn it off for the migration (tserver flag yb_enable_read_committed_isolation = false), then restart the import.`);
  }
  return out;
}
