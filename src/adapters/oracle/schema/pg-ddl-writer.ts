/**
 * Writes an {@link OracleModel} as PostgreSQL DDL (`SchemaObject`s in the order `import schema`
 * runs them), with a note for every change of behaviour, a manual list for what does not convert,
 * and an inventory of every Oracle object and constraint.
 */
import { quoteIdent } from '../../../core/sql-names.js';
import type { SchemaObject, SchemaObjectType } from '../../../core/schema-object.js';
import { UnconvertibleError, type ConversionNote, type NoteSeverity, type PendingNote } from './conversion-note.js';
import type {
  ManualObject, ObjectStatus, OracleConversionResult, SourceConstraint, SourceObject, ConvertedTable,
} from './conversion-result.js';
import type {
  BoundValue, ColumnDef, ConstraintDef, IndexDef, ObjectDef, OracleModel, PartitionDef, PartitionScheme,
  QualifiedName, SequenceDef, SourceRef, SynonymDef, TableDef, TypeAttribute, TypeDef, ViewDef,
} from './oracle-model.js';
import { oracleNameToPg, truncateIdentifier } from './oracle-name.js';
import type { OracleType } from './oracle-type.js';
import { sequenceClause } from './sequence-options-writer.js';
import type { Expr } from './sql-ast.js';
import { SqlParser } from './sql-parser.js';
import { SqlPrinter, blankPaddedType, literal, type BlankPaddedColumn, type ExprMode, type RelationInfo, type SqlEnvironment } from './sql-printer.js';
import { mapOracleType, type TypeMapping, type ValueKind } from './type-mapping.js';
import { DdlSyntaxError } from './token-cursor.js';
import { isInventoryKind, orderTypes, orderViews, qualifyRef, queryRelations, selectNames, typeFamily } from './ddl-writer-helpers.js';

/** Options of {@link writePostgresDdl}. */
export interface WriterOptions {
  /** The Oracle schema (stored name) unqualified names belong to. */
  readonly schema: string;
  /** The PostgreSQL schema for it. */
  readonly targetSchema: string;
  readonly targetPgMajor: number;
  /** Next values of sequences from the live database, by `SCHEMA.NAME` (stored names). */
  readonly sequenceValues?: ReadonlyMap<string, string>;
  /** Next values of identity columns from the live database, by `SCHEMA.TABLE.COLUMN`. */
  readonly identityValues?: ReadonlyMap<string, string>;
}

/** The PostgreSQL type of a virtual column written without a type, by the kind of its expression. */
const VIRTUAL_COLUMN_TYPES: Partial<Record<ValueKind, string>> = {
  integer: 'numeric', number: 'numeric', float: 'double precision', text: 'text', date: 'timestamp(0)', timestamp: 'timestamp',
  timestamptz: 'timestamptz', interval: 'interval', binary: 'bytea',
};

interface ColumnPlan {
  readonly def: ColumnDef;
  readonly name: string;
  pgType: string;
  kind: ValueKind;
  readonly typeNote?: PendingNote;
}

interface TablePlan {
  readonly def: TableDef;
  readonly schema: string;
  readonly name: string;
  readonly sql: string;
  readonly columns: ColumnPlan[];
  readonly partitionColumns: readonly string[];
  manual?: { readonly reason: string; readonly code: string };
  /** Constraint names used on this table (PostgreSQL needs them unique per table). */
  readonly constraintNames: Set<string>;
  /** PK/UNIQUE constraints that exist on PostgreSQL, by Oracle constraint object. */
  readonly keyNames: Map<ConstraintDef, string>;
}

const key = (q: QualifiedName) => `${q.schema}\u0000${q.name}`;
const display = (q: QualifiedName) => `"${q.schema}"."${q.name}"`;
const isMaxvalue = (v: BoundValue) => v.tokens.length === 1 && v.tokens[0]!.kind === 'word' && v.tokens[0]!.value === 'MAXVALUE';

/** Schemas Oracle creates and maintains itself (its packages, dictionary views, options). */
const ORACLE_MAINTAINED_SCHEMAS = new Set([
  'SYS', 'SYSTEM', 'PUBLIC', 'OUTLN', 'DBSNMP', 'APPQOSSYS', 'AUDSYS', 'CTXSYS', 'DBSFWUSER', 'DVSYS', 'DVF', 'GSMADMIN_INTERNAL',
  'LBACSYS', 'MDSYS', 'MDDATA', 'OJVMSYS', 'OLAPSYS', 'ORDSYS', 'ORDDATA', 'ORDPLUGINS', 'SI_INFORMTN_SCHEMA', 'WMSYS', 'XDB',
  'EXFSYS', 'ORACLE_OCM', 'REMOTE_SCHEDULER_AGENT', 'SYSBACKUP', 'SYSDG', 'SYSKM', 'SYSRAC', 'GGSYS', 'DIP', 'ANONYMOUS', 'XS$NULL',
]);

/**
 * Converts the model.
 *
 * @example
 * const result = writePostgresDdl(readOracleModel(scripts, 'HR'), { schema: 'HR', targetSchema: 'hr', targetPgMajor: 15 });
 */
export function writePostgresDdl(model: OracleModel, options: WriterOptions): OracleConversionResult {
  return new PgDdlWriter(model, options).write();
}

class PgDdlWriter {
  private readonly objects: SchemaObject[] = [];
  private readonly notes: ConversionNote[] = [];
  private readonly manual: ManualObject[] = [];
  private readonly inventoryObjects: SourceObject[] = [];
  private readonly constraints: SourceConstraint[] = [];
  private readonly tablesOut: ConvertedTable[] = [];
  private readonly schemas = new Set<string>();
  /** Relation names (tables, views, sequences, indexes, types, partitions) taken per PostgreSQL schema. */
  private readonly relationNames = new Map<string, Set<string>>();
  private readonly tables = new Map<string, TablePlan>();
  private readonly relations = new Map<string, RelationInfo>();
  private readonly userTypes = new Map<string, { sql: string; kind: ValueKind }>();
  private readonly manualRelations = new Set<string>();
  private readonly plsqlBlockedRelations = new Set<string>();
  private readonly plsqlNames = new Set<string>();
  private readonly sequences = new Set<string>();
  /** Object types of the input (converted or not), and those with PL/SQL (a TYPE BODY or methods). */
  private readonly typeNames = new Set<string>();
  private readonly plsqlTypes = new Set<string>();
  /** Attributes of each converted object type, inherited ones first (a subtype's composite type holds them all). */
  private readonly objectAttributes = new Map<string, readonly TypeAttribute[]>();
  /** Oracle schemas the input defines objects in. */
  private readonly inputSchemas = new Set<string>();
  private readonly env: SqlEnvironment;

  constructor(private readonly model: OracleModel, private readonly options: WriterOptions) {
    this.env = {
      defaultSchema: options.schema,
      schemaName: (s) => this.pgSchema(s),
      relation: (schema, name) => this.relations.get(key({ schema, name })),
      plsqlUnit: (schema, name) => this.plsqlNames.has(key({ schema, name })),
      objectType: (schema, name) => {
        const found = this.userTypes.get(key({ schema, name }));
        return found?.kind === 'composite' ? found.sql : undefined;
      },
      targetPgMajor: options.targetPgMajor,
    };
  }

  write(): OracleConversionResult {
    for (const n of this.model.readNotes) this.addNote(n.objectType, n.name, n.code, n.severity, n.message);
    for (const unit of this.model.plsql) {
      if (unit.kind === 'FUNCTION' || unit.kind === 'PROCEDURE' || unit.kind === 'PACKAGE') this.plsqlNames.add(key(unit.name));
    }
    const of = <K extends ObjectDef['kind']>(kind: K) => this.model.objects.filter((o): o is Extract<ObjectDef, { kind: K }> => o.kind === kind);
    const types = of('TYPE');
    const sequences = of('SEQUENCE');
    const tableDefs = of('TABLE');
    const views = this.model.objects.filter((o): o is ViewDef => o.kind === 'VIEW' || o.kind === 'MVIEW');
    const indexes = of('INDEX');
    const synonyms = of('SYNONYM');
    for (const s of sequences) this.sequences.add(key(s.name));
    for (const t of types) {
      this.typeNames.add(key(t.name));
      if (t.hasMethods) this.plsqlTypes.add(key(t.name));
    }
    for (const unit of this.model.plsql) {
      if (unit.kind === 'TYPE BODY' || unit.kind === 'TYPE') this.plsqlTypes.add(key(unit.name));
      if (unit.kind === 'LIBRARY' || unit.kind === 'JAVA') this.plsqlNames.add(key(unit.name));
    }
    for (const o of [...this.model.objects, ...this.model.plsql]) this.inputSchemas.add(o.name.schema);
    // A table or view the converter could not read is not created: what depends on it follows it
    // to the manual list instead of failing when the schema is imported.
    for (const u of this.model.unconverted) {
      if (['TABLE', 'VIEW', 'MVIEW', 'MATERIALIZED VIEW', 'SYNONYM'].includes(u.kind)) this.manualRelations.add(key(u.name));
    }

    this.reserveOracleNamespace();
    for (const t of orderTypes(types, this.options.schema)) this.guard(t, () => this.writeType(t));
    for (const s of sequences) this.guard(s, () => this.writeSequence(s));
    const mviewNames = new Set(views.filter((v) => v.kind === 'MVIEW' && !v.prebuilt).map((v) => key(v.name)));
    for (const t of tableDefs) this.guard(t, () => this.planTable(t, mviewNames));
    this.alignForeignKeyTypes();
    for (const plan of this.tables.values()) this.registerTableRelation(plan);
    for (const plan of this.tables.values()) this.guard(plan.def, () => this.typeVirtualColumns(plan));
    for (const v of views) this.registerViewRelation(v);
    for (const s of synonyms) this.registerSynonymRelation(s);
    for (const plan of this.tables.values()) this.guard(plan.def, () => this.writeTable(plan));
    for (const plan of this.tables.values()) this.guard(plan.def, () => this.writeUniqueAndForeignKeys(plan));
    for (const index of indexes) this.guard(index, () => this.writeIndex(index));
    // Synonyms of tables before the views that may read them; synonyms of views after those views.
    const viewKeys = new Set(views.map((v) => key(v.name)));
    for (const s of synonyms.filter((x) => !viewKeys.has(key(x.target)))) this.guard(s, () => this.writeSynonym(s));
    for (const v of orderViews(views)) this.guard(v, () => this.writeView(v));
    for (const s of synonyms.filter((x) => viewKeys.has(key(x.target)))) this.guard(s, () => this.writeSynonym(s));
    for (const plan of this.tables.values()) this.guard(plan.def, () => this.writeComments(plan.def, 'TABLE'));
    for (const v of views) this.guard(v, () => this.writeComments(v, v.kind === 'MVIEW' ? 'MATERIALIZED VIEW' : 'VIEW'));
    for (const unit of this.model.plsql) {
      const schema = this.pgSchema(unit.name.schema);
      const name = unit.kind === 'ANONYMOUS BLOCK' ? unit.name.name : oracleNameToPg(unit.name.name);
      const reason = unit.kind === 'ANONYMOUS BLOCK' ? 'an anonymous PL/SQL block is not run; check what it does' : 'PL/SQL is exported as it is for manual conversion';
      this.manual.push({ kind: unit.kind, plsql: true, schema, name, oracleSql: unit.text, reason, code: 'PLSQL', source: unit.source });
      this.addNotePg(unit.kind, schema, name, 'PLSQL', 'manual', unit.table ? `${reason} (a trigger on ${oracleNameToPg(unit.table.name)})` : reason);
      this.inventoryObjects.push({ kind: unit.kind, oracleName: display(unit.name), schema, name, status: 'manual', plsql: true });
    }
    for (const u of this.model.unconverted) {
      const schema = this.pgSchema(u.name.schema);
      this.manual.push({ kind: u.kind, plsql: false, schema, name: oracleNameToPg(u.name.name), oracleSql: u.text, reason: u.reason, code: u.code, source: u.source });
      if (isInventoryKind(u.kind)) {
        this.inventoryObjects.push({ kind: u.kind, oracleName: display(u.name), schema, name: oracleNameToPg(u.name.name), status: 'manual', plsql: false });
      }
      this.addNote(u.kind, u.name, u.code, 'manual', u.reason);
    }
    const plsqlBlocked = new Set(this.manual.filter((m) => m.code === 'PLSQL_DEPENDENCY').map((m) => `${m.kind}\u0000${m.schema}\u0000${m.name}`));
    const inventoryObjects = this.inventoryObjects.map((o) =>
      o.status === 'manual' && plsqlBlocked.has(`${o.kind}\u0000${o.schema}\u0000${o.name}`) ? { ...o, needsPlsql: true as const } : o);
    const schemaObjects: SchemaObject[] = [...this.schemas].map((s) => ({
      type: 'SCHEMA', schema: s, name: s, sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)};`,
    }));
    return {
      objects: [...schemaObjects, ...this.objects], notes: this.notes, manual: this.manual,
      inventory: { objects: inventoryObjects, constraints: this.constraints }, tables: this.tablesOut,
    };
  }

  /** Runs one object's conversion; a converter bug costs that object (listed as CONVERTER_ERROR), not the export. */
  private guard(def: ObjectDef, write: () => void): void {
    try {
      write();
    } catch (error) {
      if (error instanceof UnconvertibleError) {
        this.toManual(def.kind, def.name, def.text, error.message, error.code, def.source);
        return;
      }
      const reason = `the converter failed on this object (a bug, please report it): ${(error as Error).message}`;
      this.toManual(def.kind, def.name, def.text, reason, 'CONVERTER_ERROR', def.source);
    }
  }

  // ---- names ----

  private pgSchema(oracleSchema: string): string {
    const s = oracleSchema === this.options.schema ? this.options.targetSchema : oracleNameToPg(oracleSchema);
    return s;
  }

  private qualified(schema: string, name: string): string {
    return `${quoteIdent(schema)}.${quoteIdent(name)}`;
  }

  private taken(schema: string): Set<string> {
    let set = this.relationNames.get(schema);
    if (!set) {
      set = new Set();
      this.relationNames.set(schema, set);
    }
    return set;
  }

  /** Takes a relation name for an index, key or partition; on a collision picks `name_1`, `name_2`, … and notes it. */
  private claimName(schema: string, wanted: string, objectType: string, what: string): string {
    const taken = this.taken(schema);
    let name = truncateIdentifier(wanted);
    for (let n = 1; taken.has(name); n++) {
      const suffix = `_${n}`;
      name = truncateIdentifier(wanted.slice(0, 63 - suffix.length)) + suffix;
    }
    if (name !== truncateIdentifier(wanted)) {
      this.addNotePg(objectType, schema, name, 'NAME_COLLISION', 'changed', `${what} was renamed from ${wanted} to ${name}: PostgreSQL keeps tables, views, sequences, indexes and keys in one namespace per schema`);
    }
    taken.add(name);
    return name;
  }

  /** Tables, views, sequences, types and synonyms share Oracle's namespace: reserve their names first. */
  private reserveOracleNamespace(): void {
    const seen = new Map<string, QualifiedName>();
    for (const o of this.model.objects) {
      if (o.kind === 'INDEX') continue;
      if (o.kind === 'MVIEW' && o.prebuilt) continue;
      const schema = this.pgSchema(o.name.schema);
      const name = oracleNameToPg(o.name.name);
      const id = `${schema}\u0000${name}`;
      const earlier = seen.get(id);
      if (earlier && !(earlier.name === o.name.name && earlier.schema === o.name.schema)) {
        this.addNote(o.kind, o.name, 'NAME_COLLISION', 'unsupported', `${display(o.name)} and ${display(earlier)} both become ${schema}.${name} on PostgreSQL; rename one of them in Oracle or in the exported files`);
      }
      seen.set(id, o.name);
      this.taken(schema).add(name);
    }
  }

  // ---- notes and inventory ----

  private addNote(objectType: string, name: QualifiedName, code: string, severity: NoteSeverity, message: string, detail?: string): void {
    this.addNotePg(objectType, this.pgSchema(name.schema), detail ?? oracleNameToPg(name.name), code, severity, message);
  }

  private addNotePg(objectType: string, schema: string, name: string, code: string, severity: NoteSeverity, message: string): void {
    this.schemas.add(schema);
    this.notes.push({ objectType, schema, name, code, severity, message });
  }

  private pending(objectType: string, schema: string, name: string, notes: readonly PendingNote[]): void {
    for (const n of notes) this.addNotePg(objectType, schema, name, n.code, n.severity, n.message);
  }

  private emit(type: SchemaObjectType, schema: string, name: string, sql: string): void {
    this.schemas.add(schema);
    this.objects.push({ type, schema, name, sql });
  }

  private inventory(kind: string, q: QualifiedName, name: string, status: ObjectStatus): void {
    this.inventoryObjects.push({ kind, oracleName: display(q), schema: this.pgSchema(q.schema), name, status, plsql: false });
  }

  private toManual(kind: string, q: QualifiedName, text: string, reason: string, code: string, source: SourceRef, name?: string): void {
    const schema = this.pgSchema(q.schema);
    const pgName = name ?? oracleNameToPg(q.name);
    this.manual.push({ kind, plsql: false, schema, name: pgName, oracleSql: text, reason, code, source });
    this.addNotePg(kind, schema, pgName, code, 'manual', reason);
  }

  // ---- types ----

  private resolveType(t: OracleType, ownerSchema: string): TypeMapping {
    if (t.userDefined && !t.ref) {
      const owner = t.owner ?? ownerSchema;
      const found = this.userTypes.get(key({ schema: owner, name: t.name })) ?? (t.owner ? undefined : this.userTypes.get(key({ schema: this.options.schema, name: t.name })));
      if (found) return { pg: found.sql, kind: found.kind };
    }
    if (t.ref) {
      return {
        pg: 'text', kind: 'other',
        note: { code: 'UNSUPPORTED_TYPE', severity: 'unsupported', message: `REF ${t.name} (an object reference) has no PostgreSQL counterpart; the column is created as text and its values are not migrated` },
      };
    }
    return mapOracleType(t, { targetPgMajor: this.options.targetPgMajor });
  }

  private writeType(t: TypeDef): void {
    const schema = this.pgSchema(t.name.schema);
    const name = oracleNameToPg(t.name.name);
    const q = this.qualified(schema, name);
    if (t.form === 'OBJECT') {
      let attributes = t.attributes;
      if (t.supertype) {
        const inherited = this.objectAttributes.get(key(t.supertype));
        if (!inherited) {
          this.toManual('TYPE', t.name, t.text, `a subtype of ${display(t.supertype)}, which is not converted`, 'TYPE_INHERITANCE', t.source);
          this.inventory('TYPE', t.name, name, 'manual');
          return;
        }
        attributes = [...inherited, ...t.attributes];
        this.addNotePg('TYPE', schema, name, 'TYPE_INHERITANCE', 'changed',
          `the subtype became a composite type with the attributes of ${display(t.supertype)} first, then its own: PostgreSQL has no type inheritance, so a column of the supertype cannot hold its values`);
      }
      const attrs = attributes.map((a) => {
        const m = this.resolveType(a.type, t.name.schema);
        if (m.note) this.addNotePg('TYPE', schema, `${name}.${oracleNameToPg(a.name)}`, m.note.code, m.note.severity, m.note.message);
        return `${quoteIdent(oracleNameToPg(a.name))} ${m.pg}`;
      });
      this.emit('TYPE', schema, name, `CREATE TYPE ${q} AS (\n  ${attrs.join(',\n  ')}\n);`);
      this.userTypes.set(key(t.name), { sql: q, kind: 'composite' });
      this.objectAttributes.set(key(t.name), attributes);
      if (t.hasMethods || this.plsqlTypes.has(key(t.name))) this.addNotePg('TYPE', schema, name, 'TYPE_METHODS', 'manual', 'the object type became a composite type of its attributes; its methods (in the TYPE BODY) need manual conversion to functions');
      else if (!t.supertype) this.addNotePg('TYPE', schema, name, 'OBJECT_TYPE', 'changed', 'the object type became a composite type');
      this.inventory('TYPE', t.name, name, 'created');
      return;
    }
    const element = this.resolveType(t.element!, t.name.schema);
    if (element.note) this.addNotePg('TYPE', schema, name, element.note.code, element.note.severity, element.note.message);
    const check = t.form === 'VARRAY' && t.limit !== undefined ? ` CHECK (VALUE IS NULL OR cardinality(VALUE) <= ${t.limit})` : '';
    this.emit('DOMAIN', schema, name, `CREATE DOMAIN ${q} AS ${element.pg}[]${check};`);
    this.userTypes.set(key(t.name), { sql: q, kind: 'array' });
    this.addNotePg('TYPE', schema, name, 'COLLECTION_TYPE', 'changed', `the ${t.form === 'VARRAY' ? 'VARRAY' : 'nested table'} type became a domain over an array of ${element.pg}`);
    this.inventory('TYPE', t.name, name, 'created');
  }

  // ---- sequences ----

  private writeSequence(s: SequenceDef): void {
    const schema = this.pgSchema(s.name.schema);
    const name = oracleNameToPg(s.name.name);
    try {
      const current = this.options.sequenceValues?.get(`${s.name.schema}.${s.name.name}`);
      const clause = sequenceClause(s.options, 'bigint', current);
      this.emit('SEQUENCE', schema, name, `CREATE SEQUENCE ${this.qualified(schema, name)} AS bigint ${clause.sql};`);
      this.pending('SEQUENCE', schema, name, clause.notes);
      this.inventory('SEQUENCE', s.name, name, 'created');
    } catch (error) {
      if (!(error instanceof UnconvertibleError)) throw error;
      this.toManual('SEQUENCE', s.name, s.text, `the sequence cannot be created: ${error.message}`, error.code, s.source);
      this.inventory('SEQUENCE', s.name, name, 'manual');
    }
  }

  // ---- tables ----

  private planTable(written: TableDef, mviewNames: Set<string>): void {
    const objectTable = written.objectType ? this.objectTableColumns(written) : undefined;
    const def = objectTable && 'columns' in objectTable ? { ...written, columns: objectTable.columns } : written;
    const schema = this.pgSchema(def.name.schema);
    const name = oracleNameToPg(def.name.name);
    const plan: TablePlan = {
      def, schema, name, sql: this.qualified(schema, name), columns: [], partitionColumns: [], constraintNames: new Set(), keyNames: new Map(),
    };
    if (mviewNames.has(key(def.name))) {
      // The container table of a materialized view: the view itself is converted.
      this.addNote('TABLE', def.name, 'MVIEW_CONTAINER_TABLE', 'changed', 'this table holds a materialized view\'s rows in Oracle; only the materialized view is created');
      return;
    }
    if (def.temporary) plan.manual = { code: 'GLOBAL_TEMPORARY_TABLE', reason: `a global temporary table (ON COMMIT ${def.temporary} ROWS) has no PostgreSQL counterpart: PostgreSQL temporary tables are created by each session` };
    else if (def.external) plan.manual = { code: 'EXTERNAL_TABLE', reason: 'an external table reads files outside the database (file_fdw can replace it)' };
    else if (objectTable && 'manual' in objectTable) plan.manual = { code: 'OBJECT_TABLE', reason: objectTable.manual };
    else if (objectTable) {
      this.addNote('TABLE', def.name, 'OBJECT_TABLE', 'changed', `the object table became a table whose columns are the attributes of ${display(def.objectType!)}; its object identifiers, and REFs to its rows, have no PostgreSQL form`);
    }
    else if (def.asQuery === undefined && def.columns.length === 0) plan.manual = { code: 'TABLE_SYNTAX', reason: 'the table has no columns the converter could read' };
    for (const col of def.columns) {
      const m = this.resolveType(col.type, def.name.schema);
      let pgType = m.pg;
      let kind = m.kind;
      if (col.identity) {
        if (!['smallint', 'integer', 'bigint'].includes(pgType)) {
          this.addNote('COLUMN', def.name, 'IDENTITY_TYPE', 'changed', `identity column of type ${col.type.written} becomes bigint (PostgreSQL identity columns are integers)`, `${name}.${oracleNameToPg(col.name)}`);
          pgType = 'bigint';
          kind = 'integer';
        }
      }
      plan.columns.push({ def: col, name: oracleNameToPg(col.name), pgType, kind, ...(m.note ? { typeNote: m.note } : {}) });
    }
    const p = def.partitioning;
    if (p && (p.method === 'RANGE' || p.method === 'LIST' || p.method === 'HASH')) {
      (plan.partitionColumns as string[]).push(...p.columns, ...(p.sub?.columns ?? []));
    }
    this.tables.set(key(def.name), plan);
    if (plan.manual) this.manualRelations.add(key(def.name));
  }

  /**
   * The columns of an object table (CREATE TABLE … OF type): the type's attributes, with what the
   * table says about them (defaults, NOT NULL). A table whose rows may be of a subtype, with
   * attributes of its own, has no such form.
   */
  private objectTableColumns(def: TableDef): { columns: ColumnDef[] } | { manual: string } {
    const type = def.objectType!;
    const attributes = this.objectAttributes.get(key(type));
    if (!attributes) return { manual: `an object table of ${display(type)}, which is not converted` };
    const subtypes = this.subtypesOf(type);
    if (subtypes.length > 0 && !def.notSubstitutable) {
      return { manual: `an object table of ${display(type)}, whose rows may be objects of its subtypes (${subtypes.map((t) => t.name).join(', ')}) with attributes of their own: no one PostgreSQL table of columns holds them` };
    }
    const unknown = def.columns.find((c) => !attributes.some((a) => a.name === c.name));
    if (unknown) return { manual: `the table names ${unknown.name}, which is not an attribute of ${display(type)}` };
    const owner = type.schema;
    return {
      columns: attributes.map((a) => {
        const said = def.columns.find((c) => c.name === a.name);
        const type = a.type.userDefined && !a.type.owner ? { ...a.type, owner } : a.type;
        return { ...said, name: a.name, type };
      }),
    };
  }

  /** Every type of the input below this one (UNDER it, directly or not). */
  private subtypesOf(type: QualifiedName): QualifiedName[] {
    const types = this.model.objects.filter((o): o is TypeDef => o.kind === 'TYPE');
    const out: QualifiedName[] = [];
    const walk = (t: QualifiedName) => {
      for (const sub of types.filter((x) => x.supertype && key(x.supertype) === key(t))) {
        out.push(sub.name);
        walk(sub.name);
      }
    };
    walk(type);
    return out;
  }

  private column(plan: TablePlan, oracleName: string): ColumnPlan | undefined {
    return plan.columns.find((c) => c.def.name === oracleName);
  }

  /**
   * Whether Oracle lets the column hold NULL: no enabled NOT NULL and no enabled primary key on it
   * (a primary key column is NOT NULL in Oracle too).
   */
  private oracleNullable(plan: TablePlan, oracleName: string): boolean {
    const col = this.column(plan, oracleName);
    if (!col || (col.def.notNull && col.def.notNull.state.enabled)) return false;
    return !plan.def.constraints.some((k) => k.kind === 'PRIMARY KEY' && k.state.enabled && k.columns.includes(oracleName));
  }

  /**
   * Whether the converted table can hold NULL in a partition column: nullable in Oracle and no
   * primary key on the target, since PostgreSQL adds every partition column to the primary key
   * (`PARTITION_KEY_IN_KEY`), which makes it NOT NULL (that case has its own note, in `keyClause`).
   */
  private targetPartitionNullable(plan: TablePlan, oracleName: string): boolean {
    return this.oracleNullable(plan, oracleName) && !plan.def.constraints.some((k) => k.kind === 'PRIMARY KEY' && k.state.enabled);
  }

  private primaryKey(plan: TablePlan): ConstraintDef | undefined {
    return plan.def.constraints.find((k) => k.kind === 'PRIMARY KEY');
  }

  /** Foreign key columns take the referenced columns' types when the families differ (PostgreSQL needs comparable types). */
  private alignForeignKeyTypes(): void {
    for (let pass = 0; pass < 5; pass++) {
      let changed = false;
      for (const plan of this.tables.values()) {
        for (const fk of plan.def.constraints) {
          if (fk.kind !== 'FOREIGN KEY' || !fk.state.enabled || !fk.references) continue;
          const target = this.tables.get(key(fk.references.table));
          if (!target) continue;
          const refColumns = fk.references.columns ?? this.primaryKey(target)?.columns;
          if (!refColumns || refColumns.length !== fk.columns.length) continue;
          fk.columns.forEach((c, i) => {
            const col = this.column(plan, c);
            const ref = this.column(target, refColumns[i]!);
            if (!col || !ref || typeFamily(col.pgType) === typeFamily(ref.pgType)) return;
            this.addNotePg('COLUMN', plan.schema, `${plan.name}.${col.name}`, 'FK_TYPE_ALIGNED', 'changed',
              `type ${col.pgType} became ${ref.pgType}, the type of the referenced column ${target.name}.${ref.name}, so the foreign key ${fk.name ? oracleNameToPg(fk.name) : ''} can be created (its values are values of that column)`);
            col.pgType = ref.pgType;
            col.kind = ref.kind;
            changed = true;
          });
        }
      }
      if (!changed) return;
    }
  }

  private registerTableRelation(plan: TablePlan): void {
    const columns = new Map<string, ValueKind>(plan.columns.map((c) => [c.def.name, c.kind]));
    const blankPadded = new Map<string, BlankPaddedColumn>();
    for (const c of plan.columns) {
      const padded = blankPaddedType(c.def.type);
      if (padded) blankPadded.set(c.def.name, padded);
    }
    this.relations.set(key(plan.def.name), { sql: plan.sql, columns, blankPadded });
  }

  /**
   * A virtual column written without a type has the type of its expression in Oracle: TO_CHAR(…)
   * is a VARCHAR2, TRUNC(date) a DATE. PostgreSQL needs the type written, and a generated column
   * of the wrong type does not create (`numeric` for a text expression fails the whole table).
   */
  private typeVirtualColumns(plan: TablePlan): void {
    const relation = this.relations.get(key(plan.def.name));
    for (const col of plan.columns) {
      if (!col.def.typeOmitted || !col.def.virtual || col.def.virtual.text.startsWith('__unreadable__')) continue;
      const kind = this.printer('generated', plan).kindOf(col.def.virtual.expr);
      const pgType = kind === undefined ? undefined : VIRTUAL_COLUMN_TYPES[kind];
      if (pgType === undefined) continue;
      col.pgType = pgType;
      col.kind = kind!;
      (relation?.columns as Map<string, ValueKind> | undefined)?.set(col.def.name, kind!);
    }
  }

  private registerViewRelation(v: ViewDef): void {
    const schema = this.pgSchema(v.name.schema);
    const columns = new Map<string, ValueKind>();
    const names = v.objectType ? (this.objectAttributes.get(key(v.objectType)) ?? []).map((a) => a.name) : v.columns ?? (v.query ? selectNames(v.query) : []);
    for (const n of names) columns.set(n, 'other');
    if (v.kind === 'MVIEW' && v.prebuilt) return;
    this.relations.set(key(v.name), { sql: this.qualified(schema, oracleNameToPg(v.name.name)), columns });
  }

  private registerSynonymRelation(s: SynonymDef): void {
    if (s.dblink !== undefined) return;
    const target = this.relations.get(key(s.target));
    const schema = this.pgSchema(s.name.schema);
    this.relations.set(key(s.name), { sql: this.qualified(schema, oracleNameToPg(s.name.name)), columns: target?.columns ?? new Map(), ...(target?.blankPadded ? { blankPadded: target.blankPadded } : {}) });
  }

  private printer(mode: ExprMode, plan?: TablePlan, targetKind?: ValueKind): SqlPrinter {
    const table = plan ? { key: plan.def.name.name, relation: this.relations.get(key(plan.def.name))! } : undefined;
    return new SqlPrinter(this.env, { mode, ...(table ? { table } : {}), ...(targetKind ? { targetKind } : {}) });
  }

  private writeTable(plan: TablePlan): void {
    const def = plan.def;
    const { schema, name } = plan;
    if (plan.manual) {
      this.toManual('TABLE', def.name, def.text, plan.manual.reason, plan.manual.code, def.source);
      this.inventory('TABLE', def.name, name, 'manual');
      for (const k of def.constraints) this.constraintInventory(plan, k, 'manual', k.name ? oracleNameToPg(k.name) : `${name}_${k.kind}`);
      for (const c of plan.columns) if (c.def.notNull) this.constraints.push({ kind: 'NOT NULL', schema, table: name, name: c.name, column: c.name, form: 'not-null', status: 'manual' });
      return;
    }
    if (def.organizationIndex) this.addNote('TABLE', def.name, 'INDEX_ORGANIZED_TABLE', 'changed', 'an index-organized table becomes an ordinary (heap) table with its primary key index');
    if (def.clustered) this.addNote('TABLE', def.name, 'CLUSTERED_TABLE', 'changed', `the table was stored in cluster ${def.clustered}; it becomes an ordinary table`);
    const lines: string[] = [];
    const onNull: { column: ColumnPlan; value: string }[] = [];
    const checks: string[] = [];
    const generatedColumns = new Set<string>();
    for (const col of plan.columns) {
      const colName = `${name}.${col.name}`;
      if (col.typeNote) this.addNotePg('COLUMN', schema, colName, col.typeNote.code, col.typeNote.severity, col.typeNote.message);
      if (col.def.invisible) this.addNotePg('COLUMN', schema, colName, 'INVISIBLE_COLUMN', 'changed', 'an INVISIBLE column is visible on PostgreSQL (SELECT * returns it)');
      if (col.def.encrypted) this.addNotePg('COLUMN', schema, colName, 'ENCRYPTED_COLUMN', 'changed', 'the column was encrypted by Oracle TDE; it is stored unencrypted (use disk or tablespace encryption on the target)');
      const parts = [quoteIdent(col.name), col.pgType];
      if (col.def.identity) {
        const id = col.def.identity;
        try {
          const current = this.options.identityValues?.get(`${def.name.schema}.${def.name.name}.${col.def.name}`);
          const clause = sequenceClause(id.options, col.pgType as 'smallint' | 'integer' | 'bigint', current);
          this.pending('COLUMN', schema, colName, clause.notes);
          parts.push(`GENERATED ${id.always ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (${clause.sql})`);
          if (id.onNull) onNull.push({ column: col, value: `nextval(pg_get_serial_sequence(${literal(plan.sql)}, ${literal(col.name)}))` });
        } catch (error) {
          if (!(error instanceof UnconvertibleError)) throw error;
          this.addNotePg('COLUMN', schema, colName, error.code, 'unsupported', `the identity could not be created (${error.message}); the column is an ordinary column`);
        }
      } else if (col.def.virtual) {
        const text = col.def.virtual.text;
        let generated: string | undefined;
        let why = '';
        if (!text.startsWith('__unreadable__') && this.options.targetPgMajor >= 12) {
          try {
            const p = this.printer('generated', plan);
            generated = p.expr(col.def.virtual.expr);
            this.pending('COLUMN', schema, colName, p.notes);
          } catch (error) {
            if (!(error instanceof UnconvertibleError)) throw error;
            why = ` (${error.message})`;
          }
        }
        if (generated !== undefined) {
          parts.push(`GENERATED ALWAYS AS (${generated}) STORED`);
          generatedColumns.add(col.def.name);
          this.addNotePg('COLUMN', schema, colName, 'VIRTUAL_COLUMN', 'changed', 'the virtual column became a STORED generated column (computed on write; the data load must not write it)');
        } else {
          this.addNotePg('COLUMN', schema, colName, 'VIRTUAL_COLUMN_NOT_CONVERTED', 'unsupported', `the virtual column's expression (${text.replace(/^__unreadable__/, '')}) does not convert${why}; it is an ordinary column on the target that Tandem leaves empty (the snapshot and the stream copy no virtual column; a fall-back leaves it to Oracle): fill it by hand, or write the expression as a generated column`);
        }
      } else if (col.def.default) {
        try {
          const p = this.printer('default', plan, col.kind);
          const value = p.expr(col.def.default.expr);
          this.pending('COLUMN', schema, colName, p.notes);
          if (value !== 'NULL') parts.push(`DEFAULT ${value}`);
          if (col.def.defaultOnNull) onNull.push({ column: col, value });
        } catch (error) {
          if (!(error instanceof UnconvertibleError)) throw error;
          this.addNotePg('COLUMN', schema, colName, 'DEFAULT_NOT_CONVERTED', 'unsupported', `the default ${col.def.default.text} was dropped: ${error.message}`);
        }
      } else if (col.def.defaultUnreadable !== undefined) {
        this.addNotePg('COLUMN', schema, colName, 'DEFAULT_NOT_CONVERTED', 'unsupported', `the default ${col.def.defaultUnreadable} was dropped: it could not be read`);
      }
      const nn = col.def.notNull;
      if (nn) {
        const nnName = nn.name ? oracleNameToPg(nn.name) : col.name;
        if (!nn.state.enabled) {
          this.addNotePg('CONSTRAINT', schema, `${name}.${nnName}`, 'DISABLED_CONSTRAINT', 'unsupported', `NOT NULL on ${col.name} is disabled in Oracle; it is not created`);
          this.constraints.push({ kind: 'NOT NULL', schema, table: name, name: col.name, column: col.name, form: 'not-null', status: 'omitted' });
        } else if (!nn.state.validated) {
          const checkName = this.constraintName(plan, nn.name ? oracleNameToPg(nn.name) : `${name}_${col.name}_not_null`);
          checks.push(`ALTER TABLE ${plan.sql} ADD CONSTRAINT ${quoteIdent(checkName)} CHECK (${quoteIdent(col.name)} IS NOT NULL) NOT VALID;`);
          this.addNotePg('CONSTRAINT', schema, `${name}.${checkName}`, 'NOVALIDATE', 'changed', `NOT NULL ENABLE NOVALIDATE on ${col.name} became CHECK (… IS NOT NULL) NOT VALID: existing rows are not checked, new rows are`);
          this.constraints.push({ kind: 'NOT NULL', schema, table: name, name: checkName, column: col.name, form: 'constraint', status: 'created' });
        } else {
          parts.push('NOT NULL');
          if (nn.state.deferrable) this.addNotePg('CONSTRAINT', schema, `${name}.${nnName}`, 'DEFERRABLE_NOT_NULL', 'changed', 'a deferrable NOT NULL is checked at once on PostgreSQL');
          this.constraints.push({ kind: 'NOT NULL', schema, table: name, name: col.name, column: col.name, form: 'not-null', status: 'created' });
        }
      }
      lines.push(parts.join(' '));
    }
    // Primary key, inside CREATE TABLE.
    const pk = this.primaryKey(plan);
    if (pk) {
      const sql = this.keyClause(plan, pk);
      if (sql) lines.push(sql);
    }
    let sql: string;
    if (def.asQuery) {
      try {
        const p = this.printer('view');
        const query = p.query(def.asQuery.query);
        this.pending('TABLE', schema, name, p.notes);
        sql = `CREATE TABLE ${plan.sql} AS\n${query}\nWITH NO DATA;`;
        this.addNote('TABLE', def.name, 'CREATE_TABLE_AS', 'changed', 'CREATE TABLE … AS SELECT: the column types are the ones PostgreSQL derives from the converted query');
      } catch (error) {
        if (!(error instanceof UnconvertibleError)) throw error;
        this.toManual('TABLE', def.name, def.text, `its query does not convert: ${error.message}`, error.code, def.source);
        this.inventory('TABLE', def.name, name, 'manual');
        this.manualRelations.add(key(def.name));
        return;
      }
    } else {
      sql = `CREATE TABLE ${plan.sql} (\n  ${lines.join(',\n  ')}\n)${this.partitionBy(plan)};`;
    }
    this.emit('TABLE', schema, name, sql);
    this.inventory('TABLE', def.name, name, 'created');
    this.tablesOut.push({
      oracleSchema: def.name.schema, oracleName: def.name.name, schema, name,
      columns: plan.columns.map((c) => ({
        oracleName: c.def.name, name: c.name, oracleType: c.def.type.written, pgType: c.pgType, kind: c.kind, generated: generatedColumns.has(c.def.name),
      })),
    });
    for (const check of checks) {
      const checkName = /ADD CONSTRAINT (\S+)/.exec(check)![1]!;
      this.emit('TABLE', schema, checkName.replace(/^"|"$/g, ''), check);
    }
    for (const k of def.constraints) if (k.kind === 'CHECK') this.writeCheck(plan, k);
    if (onNull.length > 0) this.writeOnNullTrigger(plan, onNull);
    this.writePartitions(plan);
  }

  /** A unique constraint name on this table (and for keys, in the schema's relation namespace). */
  private constraintName(plan: TablePlan, wanted: string, relation = false): string {
    let name = relation ? this.claimName(plan.schema, wanted, 'CONSTRAINT', `constraint ${wanted} on ${plan.name}`) : truncateIdentifier(wanted);
    for (let n = 1; plan.constraintNames.has(name); n++) name = truncateIdentifier(wanted.slice(0, 60)) + `_${n}`;
    plan.constraintNames.add(name);
    return name;
  }

  private stateNote(plan: TablePlan, k: ConstraintDef, name: string): void {
    if (k.state.enabled && !k.state.validated) {
      const wording = k.kind === 'PRIMARY KEY' || k.kind === 'UNIQUE'
        ? 'ENABLE NOVALIDATE: PostgreSQL checks every row, so existing duplicates would stop the data load'
        : 'ENABLE NOVALIDATE became NOT VALID: existing rows are not checked, new rows are';
      this.addNotePg('CONSTRAINT', plan.schema, `${plan.name}.${name}`, 'NOVALIDATE', 'changed', wording);
    }
  }

  /** `CONSTRAINT name PRIMARY KEY|UNIQUE (cols) [DEFERRABLE …]`, or undefined when the key is not created. */
  private keyClause(plan: TablePlan, k: ConstraintDef): string | undefined {
    const wanted = k.name ? oracleNameToPg(k.name) : k.kind === 'PRIMARY KEY' ? `${plan.name}_pkey` : `${plan.name}_${k.columns.map(oracleNameToPg).join('_')}_key`;
    if (!k.state.enabled) {
      this.addNotePg('CONSTRAINT', plan.schema, `${plan.name}.${wanted}`, 'DISABLED_CONSTRAINT', 'unsupported', `${k.kind} ${wanted} is disabled in Oracle; it is not created`);
      this.constraintInventory(plan, k, 'omitted', wanted);
      return undefined;
    }
    const missingColumns = k.columns.filter((c) => !this.column(plan, c));
    if (missingColumns.length > 0) {
      this.addNotePg('CONSTRAINT', plan.schema, `${plan.name}.${wanted}`, 'UNKNOWN_COLUMN', 'manual', `${k.kind} ${wanted} names columns the table does not have: ${missingColumns.join(', ')}`);
      this.constraintInventory(plan, k, 'manual', wanted);
      return undefined;
    }
    const name = this.constraintName(plan, wanted, true);
    plan.keyNames.set(k, name);
    const columns = [...k.columns];
    const missingPartitionColumns = plan.partitionColumns.filter((c) => !columns.includes(c));
    if (missingPartitionColumns.length > 0) {
      columns.push(...missingPartitionColumns);
      this.addNotePg('CONSTRAINT', plan.schema, `${plan.name}.${name}`, 'PARTITION_KEY_IN_KEY', 'changed',
        `PostgreSQL needs the partition key in every key of a partitioned table: ${missingPartitionColumns.map(oracleNameToPg).join(', ')} added to ${k.kind} ${name}, which is now unique per partition key value only`);
      // NULL_PARTITION_KEY: Oracle keeps a row whose partition key is NULL (in the MAXVALUE range
      // partition, the VALUES (NULL) list partition, a hash partition); a PostgreSQL primary key
      // makes the added column NOT NULL, so the snapshot load or a streamed insert of that row fails.
      const nullable = k.kind === 'PRIMARY KEY' ? missingPartitionColumns.filter((c) => this.oracleNullable(plan, c)) : [];
      for (const c of nullable) {
        const count = `SELECT COUNT(*) FROM ${display(plan.def.name)} WHERE "${c.replace(/"/g, '""')}" IS NULL`;
        this.addNotePg('CONSTRAINT', plan.schema, `${plan.name}.${name}`, 'NULL_PARTITION_KEY', 'unsupported',
          `partition column ${oracleNameToPg(c)} of ${plan.schema}.${plan.name} may be NULL in Oracle, which keeps such rows in a partition, but PostgreSQL makes every column of PRIMARY KEY ${name} NOT NULL: a row with a NULL ${oracleNameToPg(c)} cannot be loaded or streamed. Count them on Oracle (${count}); if there are any, give them a value (and the column NOT NULL) before the export, or leave the table out of the migration and copy it yourself`);
      }
    }
    if (k.kind === 'UNIQUE' && k.columns.length > 1 && k.columns.some((c) => !this.column(plan, c)!.def.notNull)) {
      this.addNotePg('CONSTRAINT', plan.schema, `${plan.name}.${name}`, 'UNIQUE_NULLS', 'changed', 'PostgreSQL accepts two rows whose key has a NULL in it; Oracle rejects them unless every key column is NULL');
    }
    this.stateNote(plan, k, name);
    const deferrable = this.deferrableClause(plan, k, name);
    this.constraintInventory(plan, k, 'created', name);
    return `CONSTRAINT ${quoteIdent(name)} ${k.kind} (${columns.map((c) => quoteIdent(oracleNameToPg(c))).join(', ')})${deferrable}`;
  }

  private deferrableClause(plan: TablePlan, k: ConstraintDef, name: string): string {
    if (!k.state.deferrable) return '';
    if ((k.kind === 'PRIMARY KEY' || k.kind === 'UNIQUE') && this.isReferenced(plan, k)) {
      this.addNotePg('CONSTRAINT', plan.schema, `${plan.name}.${name}`, 'DEFERRABLE_KEY_REFERENCED', 'changed', 'the key is DEFERRABLE in Oracle; PostgreSQL foreign keys cannot reference a deferrable key, so it is checked immediately');
      return '';
    }
    return k.state.initiallyDeferred ? ' DEFERRABLE INITIALLY DEFERRED' : ' DEFERRABLE';
  }

  private isReferenced(plan: TablePlan, k: ConstraintDef): boolean {
    for (const other of this.tables.values()) {
      for (const fk of other.def.constraints) {
        if (fk.kind !== 'FOREIGN KEY' || !fk.state.enabled || !fk.references) continue;
        if (key(fk.references.table) !== key(plan.def.name)) continue;
        const cols = fk.references.columns ?? this.primaryKey(plan)?.columns ?? [];
        if (cols.join('\u0000') === k.columns.join('\u0000') || (!fk.references.columns && k.kind === 'PRIMARY KEY')) return true;
      }
    }
    return false;
  }

  private constraintInventory(plan: TablePlan, k: ConstraintDef, status: SourceConstraint['status'], name: string): void {
    this.constraints.push({ kind: k.kind, schema: plan.schema, table: plan.name, name, form: 'constraint', status });
  }

  private writeCheck(plan: TablePlan, k: ConstraintDef): void {
    const wanted = k.name ? oracleNameToPg(k.name) : `${plan.name}_check`;
    const label = `${plan.name}.${wanted}`;
    if (!k.state.enabled) {
      this.addNotePg('CONSTRAINT', plan.schema, label, 'DISABLED_CONSTRAINT', 'unsupported', `CHECK ${wanted} is disabled in Oracle; it is not created`);
      this.constraintInventory(plan, k, 'omitted', wanted);
      return;
    }
    let condition: string;
    try {
      if (!k.check) throw new UnconvertibleError(k.checkUnreadable?.code ?? 'CHECK_SYNTAX', k.checkUnreadable?.reason ?? 'the condition could not be read');
      const p = this.printer('check', plan);
      condition = p.expr(k.check.expr);
      this.pending('CONSTRAINT', plan.schema, label, p.notes);
    } catch (error) {
      if (!(error instanceof UnconvertibleError)) throw error;
      const text = `ALTER TABLE ${display(plan.def.name)} ADD ${k.name ? `CONSTRAINT "${k.name}" ` : ''}CHECK (${k.check?.text ?? k.checkUnreadable?.text ?? ''})`;
      this.toManual('CONSTRAINT', plan.def.name, text, `CHECK ${wanted} does not convert: ${error.message}`, error.code, plan.def.source, label);
      this.constraintInventory(plan, k, 'manual', wanted);
      return;
    }
    // A NOT NULL written as a named CHECK (DBMS_METADATA does this for some) is still a CHECK.
    const name = this.constraintName(plan, wanted);
    if (k.state.deferrable) this.addNotePg('CONSTRAINT', plan.schema, `${plan.name}.${name}`, 'DEFERRABLE_CHECK', 'changed', 'a deferrable CHECK is checked at once on PostgreSQL');
    this.stateNote(plan, k, name);
    const notValid = k.state.validated ? '' : ' NOT VALID';
    this.emit('TABLE', plan.schema, name, `ALTER TABLE ${plan.sql} ADD CONSTRAINT ${quoteIdent(name)} CHECK (${condition})${notValid};`);
    this.constraintInventory(plan, k, 'created', name);
  }

  /** Oracle's DEFAULT ON NULL and identity ON NULL fill an explicit NULL too: a BEFORE INSERT trigger does it on PostgreSQL. */
  private writeOnNullTrigger(plan: TablePlan, columns: readonly { column: ColumnPlan; value: string }[]): void {
    const fname = truncateIdentifier(`${plan.name}_on_null`);
    const qf = this.qualified(plan.schema, fname);
    const body = columns.map(({ column, value }) => `  IF NEW.${quoteIdent(column.name)} IS NULL THEN NEW.${quoteIdent(column.name)} := ${value}; END IF;`);
    this.emit('FUNCTION', plan.schema, fname,
      `CREATE FUNCTION ${qf}() RETURNS trigger LANGUAGE plpgsql AS $tandem$\nBEGIN\n${body.join('\n')}\n  RETURN NEW;\nEND\n$tandem$;`);
    this.emit('TRIGGER', plan.schema, fname, `CREATE TRIGGER ${quoteIdent(fname)} BEFORE INSERT ON ${plan.sql} FOR EACH ROW EXECUTE FUNCTION ${qf}();`);
    this.addNotePg('TABLE', plan.schema, plan.name, 'ON_NULL_TRIGGER', 'changed',
      `DEFAULT ON NULL / identity ON NULL of ${columns.map((c) => c.column.name).join(', ')}: PostgreSQL fills only omitted columns, so trigger ${fname} fills explicit NULLs on insert`);
  }

  // ---- partitions ----

  private partitionBy(plan: TablePlan): string {
    const p = plan.def.partitioning;
    if (!p) return '';
    if (p.method === 'REFERENCE' || p.method === 'SYSTEM') {
      this.addNote('TABLE', plan.def.name, 'PARTITIONING_NOT_CONVERTED', 'unsupported', `${p.method} partitioning has no PostgreSQL counterpart; the table is not partitioned`);
      return '';
    }
    if (p.method === 'LIST' && p.columns.length > 1) {
      this.addNote('TABLE', plan.def.name, 'PARTITIONING_NOT_CONVERTED', 'unsupported', 'LIST partitioning on several columns has no PostgreSQL counterpart; the table is not partitioned');
      (plan.partitionColumns as string[]).length = 0;
      return '';
    }
    if (p.interval) this.addNote('TABLE', plan.def.name, 'INTERVAL_PARTITIONING', 'unsupported', `INTERVAL (${p.interval}) partitioning: the existing partitions are created, new ones are not created automatically on PostgreSQL (create them ahead, e.g. with pg_partman)`);
    if (p.automatic) this.addNote('TABLE', plan.def.name, 'AUTOMATIC_LIST_PARTITIONING', 'unsupported', 'AUTOMATIC list partitioning: the existing partitions are created, new values need a partition (or a DEFAULT partition) on PostgreSQL');
    return ` PARTITION BY ${p.method} (${p.columns.map((c) => quoteIdent(oracleNameToPg(c))).join(', ')})`;
  }

  private writePartitions(plan: TablePlan): void {
    const p = plan.def.partitioning;
    if (!p || (p.method !== 'RANGE' && p.method !== 'LIST' && p.method !== 'HASH') || (p.method === 'LIST' && p.columns.length > 1)) return;
    this.writePartitionLevel(plan, plan.sql, plan.name, p.method, p.columns, p.partitions, p, true);
  }

  private writePartitionLevel(
    plan: TablePlan, parentSql: string, parentName: string, method: 'RANGE' | 'LIST' | 'HASH', columns: readonly string[],
    parts: readonly PartitionDef[], scheme: PartitionScheme, top: boolean,
  ): void {
    let previous: string[] | undefined;
    const nullableKey = method === 'RANGE' ? columns.filter((c) => this.targetPartitionNullable(plan, c)) : [];
    const last = parts[parts.length - 1];
    // NULL_PARTITION_KEY: Oracle sorts a NULL range key above every value but MAXVALUE, so a row
    // whose key is NULL goes to the partition VALUES LESS THAN (MAXVALUE). A PostgreSQL range
    // partition never holds NULL, but the DEFAULT partition does, and with the partitions before it
    // starting at MINVALUE, DEFAULT holds exactly what Oracle's MAXVALUE partition holds: the values
    // from the previous bound up, and the NULL keys.
    const maxvalueAsDefault = nullableKey.length > 0 && last !== undefined && !last.isDefault && last.values.length > 0 && isMaxvalue(last.values[0]!);
    if (nullableKey.length > 0 && !maxvalueAsDefault && columns.slice(1).some((c) => nullableKey.includes(c))) {
      const later = columns.slice(1).filter((c) => nullableKey.includes(c));
      this.addNotePg('TABLE', plan.schema, parentName, 'NULL_PARTITION_KEY', 'unsupported',
        `range key column(s) ${later.map(oracleNameToPg).join(', ')} of ${plan.schema}.${parentName} may be NULL: Oracle keeps such a row in the partition its earlier key columns choose, PostgreSQL refuses it (no partition for the row). Count them on Oracle (SELECT COUNT(*) FROM ${display(plan.def.name)} WHERE ${later.map((c) => `"${c.replace(/"/g, '""')}" IS NULL`).join(' OR ')}); if there are any, add a DEFAULT partition on the target`);
    }
    parts.forEach((part, i) => {
      // Oracle (sub)partition names are unique per table; PostgreSQL partitions are tables of the schema.
      const base = part.name ? `${plan.name}_${oracleNameToPg(part.name)}` : `${parentName}_${top ? 'p' : 'sp'}${i + 1}`;
      const name = this.claimName(plan.schema, base, 'PARTITION', `partition ${part.name ?? i + 1} of ${plan.name}`);
      const q = this.qualified(plan.schema, name);
      let bound: string;
      const boundNotes: PendingNote[] = [];
      try {
        if (method === 'HASH') bound = `FOR VALUES WITH (MODULUS ${parts.length}, REMAINDER ${i})`;
        else if (part.isDefault) bound = 'DEFAULT';
        else if (maxvalueAsDefault && part === last) {
          bound = 'DEFAULT';
          boundNotes.push({
            code: 'NULL_PARTITION_KEY', severity: 'changed',
            message: `Oracle keeps rows whose range key (${nullableKey.map(oracleNameToPg).join(', ')}) is NULL in this MAXVALUE partition; a PostgreSQL range partition cannot hold NULL, so it is the DEFAULT partition${previous ? ` (the keys from (${previous.join(', ')}) up, and NULL keys)` : ''}${columns.length > 1 ? '; a row with a NULL in a later key column, which Oracle keeps in the partition its earlier key columns choose, is in this one' : ''}`,
          });
        } else if (method === 'LIST') bound = `FOR VALUES IN (${part.values.map((v) => this.boundValue(v, boundNotes)).join(', ')})`;
        else {
          const upper = part.values.map((v) => this.boundValue(v, boundNotes));
          const lower = previous ?? columns.map(() => 'MINVALUE');
          bound = `FOR VALUES FROM (${lower.join(', ')}) TO (${upper.join(', ')})`;
          previous = upper;
        }
      } catch (error) {
        if (!(error instanceof UnconvertibleError)) throw error;
        this.toManual('PARTITION', plan.def.name, `PARTITION ${part.name ?? ''} ${part.values.map((v) => v.text).join(', ')}`, `the partition bound does not convert: ${error.message}`, error.code, plan.def.source, name);
        return;
      }
      this.pending('PARTITION', plan.schema, name, boundNotes);
      const sub = top ? scheme.sub : undefined;
      let subParts: PartitionDef[] | undefined;
      if (sub) {
        subParts = [...(part.subpartitions ?? sub.template ?? [])];
        const count = part.subpartitionCount ?? (subParts.length === 0 ? sub.count ?? 1 : undefined);
        if (subParts.length === 0 && sub.method === 'HASH') subParts = Array.from({ length: count ?? 1 }, () => ({ values: [], isDefault: false }));
        if (subParts.length === 0) subParts = undefined;
        if (sub.template && !part.subpartitions) subParts = subParts?.map((s) => ({ ...s, ...(s.name ? { name: `${oracleNameToPg(part.name ?? `p${i + 1}`)}_${oracleNameToPg(s.name)}`.toUpperCase() } : {}) }));
      }
      const subBy = sub && subParts ? ` PARTITION BY ${sub.method} (${sub.columns.map((c) => quoteIdent(oracleNameToPg(c))).join(', ')})` : '';
      this.emit('PARTITION', plan.schema, name, `CREATE TABLE ${q} PARTITION OF ${parentSql} ${bound}${subBy};`);
      if (sub && subParts) this.writePartitionLevel(plan, q, name, sub.method, sub.columns, subParts, scheme, false);
    });
  }

  private boundValue(v: BoundValue, notes: PendingNote[]): string {
    if (isMaxvalue(v)) return 'MAXVALUE';
    let expr: Expr;
    try {
      const p = new SqlParser(v.tokens, v.text);
      expr = p.expr();
      p.expectEnd();
    } catch (error) {
      if (error instanceof DdlSyntaxError) throw new UnconvertibleError('PARTITION_BOUND', `bound ${v.text} could not be read`);
      throw error;
    }
    const printer = this.printer('partition');
    const sql = printer.expr(expr);
    notes.push(...printer.notes);
    return sql;
  }

  // ---- unique and foreign keys ----

  private writeUniqueAndForeignKeys(plan: TablePlan): void {
    if (plan.manual || !this.relations.has(key(plan.def.name)) || plan.def.asQuery) return;
    for (const k of plan.def.constraints) {
      if (k.kind !== 'UNIQUE') continue;
      const clause = this.keyClause(plan, k);
      if (!clause) continue;
      this.emit('UNIQUE', plan.schema, plan.keyNames.get(k)!, `ALTER TABLE ${plan.sql} ADD ${clause};`);
    }
    for (const k of plan.def.constraints) if (k.kind === 'FOREIGN KEY') this.writeForeignKey(plan, k);
  }

  private writeForeignKey(plan: TablePlan, k: ConstraintDef): void {
    const ref = k.references!;
    const wanted = k.name ? oracleNameToPg(k.name) : `${plan.name}_${k.columns.map(oracleNameToPg).join('_')}_fkey`;
    const label = `${plan.name}.${wanted}`;
    if (!k.state.enabled) {
      this.addNotePg('CONSTRAINT', plan.schema, label, 'DISABLED_CONSTRAINT', 'unsupported', `FOREIGN KEY ${wanted} is disabled in Oracle; it is not created`);
      this.constraintInventory(plan, k, 'omitted', wanted);
      return;
    }
    const target = this.tables.get(key(ref.table));
    const refSchema = this.pgSchema(ref.table.schema);
    const refSql = this.qualified(refSchema, oracleNameToPg(ref.table.name));
    const manual = (reason: string, code: string) => {
      const text = `ALTER TABLE ${display(plan.def.name)} ADD ${k.name ? `CONSTRAINT "${k.name}" ` : ''}FOREIGN KEY (${k.columns.join(', ')}) REFERENCES ${display(ref.table)}${ref.columns ? ` (${ref.columns.join(', ')})` : ''}`;
      this.toManual('CONSTRAINT', plan.def.name, text, reason, code, plan.def.source, label);
      this.constraintInventory(plan, k, 'manual', wanted);
    };
    if (target?.manual || this.manualRelations.has(key(ref.table))) return manual(`FOREIGN KEY ${wanted} references ${display(ref.table)}, which is not converted`, 'DEPENDS_ON_MANUAL');
    let refColumns = ref.columns;
    if (target) {
      refColumns ??= this.primaryKey(target)?.columns;
      const refKey = target.def.constraints.find((c) => (c.kind === 'PRIMARY KEY' || c.kind === 'UNIQUE') && refColumns && c.columns.join('\u0000') === refColumns.join('\u0000'));
      if (refKey && !target.keyNames.has(refKey)) return manual(`FOREIGN KEY ${wanted} references a key of ${display(ref.table)} that is not created (disabled)`, 'FK_TARGET_KEY_MISSING');
      const missingPartitionColumns = target.partitionColumns.filter((c) => !(refColumns ?? []).includes(c));
      if (refKey && missingPartitionColumns.length > 0) {
        return manual(`FOREIGN KEY ${wanted} references a key of the partitioned table ${display(ref.table)}, which PostgreSQL widened by the partition key (${missingPartitionColumns.map(oracleNameToPg).join(', ')}); no unique key matches the referenced columns`, 'FK_TARGET_KEY_WIDENED');
      }
    } else {
      this.addNotePg('CONSTRAINT', plan.schema, label, 'FK_UNKNOWN_TABLE', 'changed', `FOREIGN KEY ${wanted} references ${display(ref.table)}, which these scripts do not create: it loads only if that table exists on the target`);
    }
    const name = this.constraintName(plan, wanted);
    const cols = k.columns.map((c) => quoteIdent(oracleNameToPg(c))).join(', ');
    const refCols = refColumns ? ` (${refColumns.map((c) => quoteIdent(oracleNameToPg(c))).join(', ')})` : '';
    const onDelete = ref.onDelete ? ` ON DELETE ${ref.onDelete}` : '';
    const deferrable = k.state.deferrable ? (k.state.initiallyDeferred ? ' DEFERRABLE INITIALLY DEFERRED' : ' DEFERRABLE') : '';
    let notValid = '';
    if (!k.state.validated) {
      if (plan.def.partitioning) {
        this.addNotePg('CONSTRAINT', plan.schema, `${plan.name}.${name}`, 'NOVALIDATE', 'changed', 'ENABLE NOVALIDATE: PostgreSQL 15 cannot add a NOT VALID foreign key to a partitioned table, so existing rows are checked too');
      } else {
        notValid = ' NOT VALID';
        this.stateNote(plan, k, name);
      }
    }
    this.emit('FOREIGN_KEY', plan.schema, name,
      `ALTER TABLE ${plan.sql} ADD CONSTRAINT ${quoteIdent(name)} FOREIGN KEY (${cols}) REFERENCES ${refSql}${refCols}${onDelete}${deferrable}${notValid};`);
    this.constraintInventory(plan, k, 'created', name);
  }

  // ---- indexes ----

  private writeIndex(ix: IndexDef): void {
    const schema = this.pgSchema(ix.name.schema);
    const wanted = oracleNameToPg(ix.name.name);
    const plan = this.tables.get(key(ix.table));
    const relation = this.relations.get(key(ix.table));
    const label = wanted;
    if (this.manualRelations.has(key(ix.table)) || plan?.manual) {
      this.toManual('INDEX', ix.name, ix.text, `index on ${display(ix.table)}, which is not converted`, 'DEPENDS_ON_MANUAL', ix.source);
      this.inventory('INDEX', ix.name, wanted, 'manual');
      return;
    }
    if (ix.indexType) {
      const hint = /CTXSYS\.(CONTEXT|CTXCAT)/i.test(ix.indexType) ? ' (an Oracle Text index: a GIN index on to_tsvector(…) is the usual replacement)' : '';
      this.toManual('INDEX', ix.name, ix.text, `a domain index (INDEXTYPE IS ${ix.indexType}) has no PostgreSQL counterpart${hint}`, 'DOMAIN_INDEX', ix.source);
      this.inventory('INDEX', ix.name, wanted, 'manual');
      return;
    }
    // An index that a PRIMARY KEY or UNIQUE constraint creates on PostgreSQL.
    if (plan && ix.columns.every((c) => c.column !== undefined)) {
      const cols = ix.columns.map((c) => c.column!).join('\u0000');
      for (const [k, keyName] of plan.keyNames) {
        // Only an index on exactly the key's columns is the key's index; a wider index the key
        // used (USING INDEX on a composite index) is created on its own.
        if (k.columns.join('\u0000') !== cols) continue;
        const sameName = k.name === ix.name.name || k.usingIndex === ix.name.name;
        if (!ix.unique && k.kind === 'UNIQUE' && !sameName) continue;
        this.addNotePg('INDEX', schema, label, 'INDEX_OF_CONSTRAINT', 'changed', `not created: the ${k.kind} constraint ${keyName} creates its own index on PostgreSQL`);
        this.inventoryObjects.push({ kind: 'INDEX', oracleName: display(ix.name), schema: plan.schema, name: keyName, status: 'merged', plsql: false });
        return;
      }
    }
    const printerPlan = plan;
    const elements: string[] = [];
    const notes: PendingNote[] = [];
    try {
      for (const c of ix.columns) {
        const desc = c.desc ? ' DESC' : '';
        if (c.column !== undefined) {
          if (plan && !this.column(plan, c.column)) throw new UnconvertibleError('UNKNOWN_COLUMN', `the table has no column ${c.column}`);
          elements.push(`${quoteIdent(oracleNameToPg(c.column))}${desc}`);
        } else if (c.expr) {
          const p = printerPlan ? this.printer('index', printerPlan) : this.printer('index');
          elements.push(`(${p.expr(c.expr.expr)})${desc}`);
          notes.push(...p.notes);
        } else throw new UnconvertibleError(c.unreadable!.code, c.unreadable!.reason);
      }
    } catch (error) {
      if (!(error instanceof UnconvertibleError)) throw error;
      this.toManual('INDEX', ix.name, ix.text, `the index does not convert: ${error.message}`, error.code, ix.source);
      this.inventory('INDEX', ix.name, wanted, 'manual');
      return;
    }
    const name = this.claimName(schema, wanted, 'INDEX', `index ${wanted}`);
    if (ix.bitmap) notes.push({ code: 'BITMAP_INDEX', severity: 'changed', message: 'a bitmap index became a B-tree index' });
    if (ix.reverse) notes.push({ code: 'REVERSE_INDEX', severity: 'changed', message: 'a reverse-key index became an ordinary B-tree index' });
    if (ix.globalPartitioned) notes.push({ code: 'GLOBAL_PARTITIONED_INDEX', severity: 'changed', message: 'a globally partitioned index became an ordinary index (partitioned like its table)' });
    if (ix.invisible) notes.push({ code: 'INVISIBLE_INDEX', severity: 'changed', message: 'an INVISIBLE index is used by the PostgreSQL planner' });
    const elementsSql = [...elements];
    if (ix.unique && plan && plan.partitionColumns.length > 0) {
      const missing = plan.partitionColumns.filter((c) => !ix.columns.some((x) => x.column === c));
      if (missing.length > 0) {
        elementsSql.push(...missing.map((c) => quoteIdent(oracleNameToPg(c))));
        notes.push({ code: 'PARTITION_KEY_IN_KEY', severity: 'changed', message: `PostgreSQL needs the partition key in a unique index of a partitioned table: ${missing.map(oracleNameToPg).join(', ')} added` });
      }
    }
    this.pending('INDEX', schema, name, notes);
    const tableSql = relation?.sql ?? this.qualified(this.pgSchema(ix.table.schema), oracleNameToPg(ix.table.name));
    const sql = `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(name)} ON ${tableSql} (${elementsSql.join(', ')});`;
    this.emit(ix.unique ? 'UNIQUE' : 'INDEX', schema, name, sql);
    this.inventoryObjects.push({ kind: 'INDEX', oracleName: display(ix.name), schema, name, status: 'created', plsql: false });
  }

  // ---- views ----

  private writeView(v: ViewDef): void {
    const schema = this.pgSchema(v.name.schema);
    const name = oracleNameToPg(v.name.name);
    const kind = v.kind;
    const q = this.qualified(schema, name);
    if (kind === 'MVIEW' && v.prebuilt) {
      this.addNote('MVIEW', v.name, 'MVIEW_PREBUILT', 'unsupported', 'ON PREBUILT TABLE: the table is converted as a table; the materialized view\'s refresh is not');
      this.inventory('MVIEW', v.name, name, 'omitted');
      return;
    }
    const fail = (reason: string, code: string) => {
      this.toManual(kind, v.name, v.text, reason, code, v.source);
      this.inventory(kind, v.name, name, 'manual');
      this.manualRelations.add(key(v.name));
      if (code === 'PLSQL_DEPENDENCY') this.plsqlBlockedRelations.add(key(v.name));
    };
    if (!v.query) return fail(`the query does not convert: ${v.unreadable!.reason}`, v.unreadable!.code);
    let columns = v.columns;
    if (v.objectType) {
      // An object view's rows are objects of its type: on PostgreSQL, a view whose columns are the
      // type's attributes. The object identifier (and REFs built from it) has no counterpart.
      const attributes = this.objectAttributes.get(key(v.objectType));
      if (!attributes) return fail(`an object view of ${display(v.objectType)}, which is not converted`, 'OBJECT_VIEW');
      columns = attributes.map((a) => a.name);
    }
    const dependsOn = queryRelations(v.query).map((parts) => qualifyRef(parts, v.name.schema)).find((r) => this.manualRelations.has(key(r)));
    if (dependsOn && this.plsqlBlockedRelations.has(key(dependsOn))) return fail(`it reads ${display(dependsOn)}, which calls PL/SQL that needs manual conversion first`, 'PLSQL_DEPENDENCY');
    if (dependsOn) return fail(`it reads ${display(dependsOn)}, which is not converted`, 'DEPENDS_ON_MANUAL');
    let query: string;
    const p = this.printer('view');
    try {
      query = p.query(v.query);
    } catch (error) {
      if (!(error instanceof UnconvertibleError)) throw error;
      return fail(`the query does not convert: ${error.message}`, error.code);
    }
    this.pending(kind, schema, name, p.notes);
    if (v.objectType) {
      this.addNotePg('VIEW', schema, name, 'OBJECT_VIEW', 'changed', `the object view became a view whose columns are the attributes of ${display(v.objectType)}; its object identifier (WITH OBJECT IDENTIFIER), and REFs to its rows, have no PostgreSQL form`);
    }
    const cols = columns ? ` (${columns.map((c) => quoteIdent(oracleNameToPg(c))).join(', ')})` : '';
    if (kind === 'VIEW') {
      if (v.readOnly) this.addNotePg('VIEW', schema, name, 'READ_ONLY_VIEW', 'changed', 'WITH READ ONLY has no PostgreSQL form: a simple view is updatable on PostgreSQL (revoke INSERT/UPDATE/DELETE on it instead)');
      const check = v.checkOption ? '\nWITH CASCADED CHECK OPTION' : '';
      this.emit('VIEW', schema, name, `CREATE VIEW ${q}${cols} AS\n${query}${check};`);
    } else {
      for (const r of v.refreshNotes ?? []) this.addNotePg('MVIEW', schema, name, 'MVIEW_REFRESH', 'changed', `${r} is not supported: PostgreSQL refreshes a materialized view completely, when REFRESH MATERIALIZED VIEW runs`);
      this.emit('MVIEW', schema, name, `CREATE MATERIALIZED VIEW ${q}${cols} AS\n${query}\nWITH NO DATA;`);
    }
    this.inventory(kind, v.name, name, 'created');
  }

  private writeSynonym(s: SynonymDef): void {
    const schema = this.pgSchema(s.name.schema);
    const name = oracleNameToPg(s.name.name);
    const fail = (reason: string, code: string) => {
      this.toManual('SYNONYM', s.name, s.text, reason, code, s.source);
      this.inventory('SYNONYM', s.name, name, 'manual');
      this.manualRelations.add(key(s.name));
    };
    if (s.dblink !== undefined) return fail(`the synonym points over database link ${s.dblink}`, 'DBLINK');
    const t = s.target;
    if (this.plsqlNames.has(key(t)) || this.plsqlTypes.has(key(t))) {
      return fail(`the synonym names ${display(t)}, PL/SQL that needs manual conversion; PostgreSQL has no synonyms (call it by its schema-qualified name, or put its schema on the search_path)`, 'PLSQL_DEPENDENCY');
    }
    if (this.sequences.has(key(t)) || this.userTypes.has(key(t)) || this.typeNames.has(key(t))) {
      return fail(`the synonym points at ${display(t)}, which is not a table or view; PostgreSQL has no synonyms (use search_path)`, 'SYNONYM_TARGET');
    }
    const defined = this.relations.has(key(t)) || this.manualRelations.has(key(t)) || this.isSynonymKey(t);
    if (!defined && ORACLE_MAINTAINED_SCHEMAS.has(t.schema)) {
      if (s.isPublic) {
        // Oracle creates public synonyms for its own packages and views in every database
        // (DBMS_OUTPUT, DBMS_LOB, …); an export that lists them lists Oracle's objects, not the application's.
        this.addNotePg('SYNONYM', schema, name, 'SUPPLIED_SYNONYM', 'unsupported', `the public synonym of Oracle's own ${display(t)} is not created: Oracle creates it in every database and PostgreSQL has no such object (what uses it needs its own conversion)`);
        this.inventory('SYNONYM', s.name, name, 'omitted');
        return;
      }
      return fail(`the synonym points at ${display(t)}, an object Oracle supplies, which does not exist on PostgreSQL`, 'SYNONYM_TARGET');
    }
    if (!defined && this.inputSchemas.has(t.schema)) {
      return fail(`the synonym points at ${display(t)}, which the DDL does not define (a table or view would become SELECT * FROM it; PostgreSQL has no synonyms)`, 'SYNONYM_TARGET');
    }
    if (this.manualRelations.has(key(t))) return fail(`the synonym points at ${display(t)}, which is not converted`, 'DEPENDS_ON_MANUAL');
    const target = this.relations.get(key(t));
    const targetSql = target && !this.isSynonymKey(t) ? target.sql : this.qualified(this.pgSchema(t.schema), oracleNameToPg(t.name));
    this.emit('VIEW', schema, name, `CREATE VIEW ${this.qualified(schema, name)} AS\nSELECT * FROM ${targetSql};`);
    this.addNotePg('SYNONYM', schema, name, 'SYNONYM_AS_VIEW', 'changed', `the synonym became a view SELECT * FROM ${targetSql} (updatable like the table; columns added to the table later do not appear in it)`);
    if (s.isPublic) this.addNotePg('SYNONYM', schema, name, 'PUBLIC_SYNONYM', 'changed', 'the public synonym became a view in schema public, which is on the default search_path; grant access to it as needed');
    this.inventory('SYNONYM', s.name, name, 'created');
  }

  private isSynonymKey(q: QualifiedName): boolean {
    return this.model.objects.some((o) => o.kind === 'SYNONYM' && key(o.name) === key(q));
  }

  // ---- comments ----

  private writeComments(def: TableDef | ViewDef, what: 'TABLE' | 'VIEW' | 'MATERIALIZED VIEW'): void {
    if (this.manualRelations.has(key(def.name))) return;
    if (def.kind === 'MVIEW' && def.prebuilt) return;
    if (def.kind === 'TABLE' && !this.tables.has(key(def.name))) return;
    const schema = this.pgSchema(def.name.schema);
    const name = oracleNameToPg(def.name.name);
    const q = this.qualified(schema, name);
    const statements: string[] = [];
    if (def.comment) statements.push(`COMMENT ON ${what} ${q} IS ${literal(def.comment)};`);
    for (const [col, text] of def.columnComments) {
      if (text === '') continue;
      statements.push(`COMMENT ON COLUMN ${q}.${quoteIdent(oracleNameToPg(col))} IS ${literal(text)};`);
    }
    if (statements.length > 0) this.emit('COMMENT', schema, name, statements.join('\n'));
  }
}
