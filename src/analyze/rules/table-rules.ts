import type { Constraint, CreateStmt } from 'libpg-query';
import { nodeAs, relationName } from '../ast-helpers.js';
import { ALL_VERSIONS, BEFORE_2024_2, PG11_BASED_ONLY } from '../target-version.js';
import { DOCS } from './schema-rule.js';
import type { RuleHit, SchemaRule } from './schema-rule.js';
import { alterCommandsOf, columnDefsOf } from './table-constraints.js';

/** Rules about tables and their columns, other than data types. */
export const tableRules: SchemaRule[] = [
  {
    id: 'stored-generated-column',
    category: 'unsupported_feature',
    title: 'Stored generated column',
    suggestion:
      'PG11-based YugabyteDB has no GENERATED ALWAYS AS ... STORED columns. Target 2025.1 or later, or drop the column from the table and compute it where it is read (a view, the application). '
      + 'Not an ordinary column filled by a trigger: the snapshot and the change stream leave a generated column\'s values out, and Tandem writes with triggers off, so it would stay NULL in every migrated row (import data refuses it).',
    docsLink: DOCS.pg15,
    gate: PG11_BASED_ONLY,
    check: (s) =>
      columnDefsOf(s.node)
        .filter(({ column }) =>
          (column.constraints ?? []).some((c) => {
            const con = nodeAs<Constraint>(c, 'Constraint');
            return con?.contype === 'CONSTR_GENERATED' && con.generated_kind === 's';
          }),
        )
        .map(({ table, column }) => ({ objectType: 'TABLE', objectName: relationName(table), detail: `column ${column.colname ?? ''}` })),
  },
  {
    id: 'unlogged-table',
    category: 'unsupported_feature',
    title: 'UNLOGGED table',
    suggestion:
      'YugabyteDB before 2024.2 rejects UNLOGGED; remove the keyword (from 2024.2 it is accepted and ignored: the table is logged and replicated like any other).',
    docsLink: DOCS.compatibility,
    gate: BEFORE_2024_2,
    check: (s) => {
      const create = nodeAs<CreateStmt>(s.node, 'CreateStmt');
      const hits: RuleHit[] = [];
      if (create?.relation?.relpersistence === 'u') hits.push({ objectType: 'TABLE', objectName: relationName(create.relation) });
      for (const { table, cmd } of alterCommandsOf(s.node)) {
        if (cmd.subtype === 'AT_SetUnLogged') hits.push({ objectType: 'TABLE', objectName: relationName(table) });
      }
      return hits;
    },
  },
  {
    id: 'table-inheritance',
    category: 'unsupported_feature',
    title: 'Table inheritance',
    suggestion:
      'YugabyteDB does not support INHERITS. Use declarative partitioning, or copy the parent columns into the child table and query the tables with UNION ALL.',
    docsLink: DOCS.compatibility,
    gate: ALL_VERSIONS,
    check: (s) => {
      const create = nodeAs<CreateStmt>(s.node, 'CreateStmt');
      const hits: RuleHit[] = [];
      // PARTITION OF also fills inhRelations; only a CREATE TABLE without a partition bound inherits.
      if (create !== undefined && (create.inhRelations?.length ?? 0) > 0 && create.partbound === undefined) {
        hits.push({ objectType: 'TABLE', objectName: relationName(create.relation) });
      }
      for (const { table, cmd } of alterCommandsOf(s.node)) {
        if (cmd.subtype === 'AT_AddInherit') hits.push({ objectType: 'TABLE', objectName: relationName(table) });
      }
      return hits;
    },
  },
  {
    id: 'table-without-primary-key',
    category: 'migration_caveat',
    title: 'Table without a primary key',
    suggestion:
      'Add a primary key before migrating: YugabyteDB stores rows by primary key (a table without one gets a hidden key and cannot be changed later without a rewrite), and live migration needs a key to apply updates and deletes.',
    docsLink: DOCS.sharding,
    gate: ALL_VERSIONS,
    check: (s, ctx) => {
      const create = nodeAs<CreateStmt>(s.node, 'CreateStmt');
      if (create === undefined || create.relation?.relpersistence === 't') return [];
      const table = ctx.catalog.findTable(create.relation);
      if (table === undefined || ctx.catalog.hasPrimaryKeyInHierarchy(table)) return [];
      // A unique key on NOT NULL columns identifies each row as a primary key would: name it.
      const candidate = table.indexes.find((i) => i.unique && !i.special && i.method === 'btree' && i.columns.length > 0
        && i.columns.every((c) => table.columns.get(c)?.notNull === true));
      return [{
        objectType: 'TABLE', objectName: relationName(create.relation),
        ...(candidate && { detail: `its unique key ${candidate.name ? `${candidate.name} ` : ''}(${candidate.columns.join(', ')}) is on NOT NULL columns: declare those columns the PRIMARY KEY in its CREATE TABLE instead` }),
      }];
    },
  },
  {
    id: 'column-compression',
    category: 'unsupported_feature',
    title: 'Column COMPRESSION clause',
    suggestion:
      'PG11-based YugabyteDB rejects COMPRESSION (PostgreSQL 14 syntax); the PostgreSQL 15-based releases accept it but do nothing with it (YugabyteDB does not TOAST, DocDB compresses data itself). Remove the clause.',
    docsLink: DOCS.knownIssues,
    gate: ALL_VERSIONS,
    check: (s) => {
      const hits: RuleHit[] = columnDefsOf(s.node)
        .filter(({ column }) => column.compression !== undefined && column.compression !== '')
        .map(({ table, column }) => ({ objectType: 'TABLE', objectName: relationName(table), detail: `column ${column.colname ?? ''}` }));
      for (const { table, cmd } of alterCommandsOf(s.node)) {
        if (cmd.subtype === 'AT_SetCompression') hits.push({ objectType: 'TABLE', objectName: relationName(table), detail: `column ${cmd.name ?? ''}` });
      }
      return hits;
    },
  },
  {
    id: 'foreign-table',
    category: 'migration_caveat',
    title: 'Foreign table',
    suggestion:
      'Its rows stay on the remote server: Tandem exports the foreign table with its foreign-data wrapper, server and user mappings (schema/foreign_tables/), never its data. The wrapper must exist on every YugabyteDB node (postgres_fdw and file_fdw are bundled), the server must be reachable from them, and the user mappings\' credentials must be filled in by hand. Or migrate the remote data as a regular table instead.',
    docsLink: DOCS.extensions,
    gate: ALL_VERSIONS,
    check: (s) => {
      const foreign = nodeAs<{ base?: CreateStmt; servername?: string }>(s.node, 'CreateForeignTableStmt');
      return foreign === undefined
        ? []
        : [{ objectType: 'FOREIGN TABLE', objectName: relationName(foreign.base?.relation), detail: `server ${foreign.servername ?? ''}` }];
    },
  },
];
