import type {
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  CompositeTypeStmt,
  Constraint,
  CreateDomainStmt,
  CreateRangeStmt,
  DefElem,
  CreateStmt,
  IndexElem,
  IndexStmt,
  Node,
  PartitionElem,
  RangeVar,
} from 'libpg-query';
import { columnTypeOf, dottedName, nodeAs, relationName, stringValues, walkAst } from './ast-helpers.js';
import type { ColumnType } from './ast-helpers.js';
import type { ParsedStatement } from './ddl-parser.js';

/** A column as declared in CREATE TABLE or ALTER TABLE ... ADD COLUMN. */
export interface ColumnInfo {
  readonly name: string;
  readonly type: ColumnType;
  /** serial/bigserial or an identity column: values come from a sequence and only grow. */
  readonly fromSequence: boolean;
  /** Declared NOT NULL (in its definition, or by a later ALTER COLUMN … SET NOT NULL). */
  notNull: boolean;
}

/** What the whole schema says about one table. */
export interface TableInfo {
  readonly name: string;
  readonly columns: Map<string, ColumnInfo>;
  /** Set for a partitioned (parent) table: LIST, RANGE or HASH. */
  partitionStrategy?: 'LIST' | 'RANGE' | 'HASH';
  /** Plain column names of the partition key. */
  partitionColumns: string[];
  /** True when the partition key has an expression rather than a plain column. */
  partitionKeyHasExpression: boolean;
  /** Primary key declared in CREATE TABLE or added later by ALTER TABLE. */
  hasPrimaryKey: boolean;
  /** The parent of a partition (`PARTITION OF` or `ATTACH PARTITION`). */
  parentName?: string;
  /** Column lists of the primary key, unique constraints and indexes (expressions as `(expression)`). */
  readonly indexes: IndexInfo[];
}

/** An index, or the index behind a PRIMARY KEY / UNIQUE constraint. */
export interface IndexInfo {
  readonly name: string;
  readonly columns: string[];
  /**
   * Each key element as it orders: its column (or `(expression)`), its ASC/DESC as written (on
   * YugabyteDB an element without one is HASH-sharded when it leads, so `id` and `id ASC` are not
   * the same key), NULLS, collation and operator class: two indexes serve the same lookups only
   * where these agree.
   */
  readonly keys: string[];
  readonly unique: boolean;
  readonly method: string;
  /** True for a partial index (WHERE) or one with INCLUDE columns: not interchangeable with others. */
  readonly special: boolean;
}

/** The kind of a user-defined type, as far as keys and indexes care. */
export type UserTypeKind = 'composite' | 'range' | 'multirange' | 'enum' | 'domain';

/**
 * Facts gathered from every statement of every file before the rules run, because many rules need
 * another statement's context: a table's column types, whether it is partitioned, its primary key.
 */
export class SchemaCatalog {
  private readonly tables = new Map<string, TableInfo>();
  private readonly tablesByBareName = new Map<string, TableInfo[]>();
  private readonly userTypes = new Map<string, UserTypeKind>();
  private readonly domainBaseTypes = new Map<string, ColumnType>();

  /** Builds the catalog from all parsed statements. */
  static fromStatements(statements: readonly ParsedStatement[]): SchemaCatalog {
    const catalog = new SchemaCatalog();
    for (const s of statements) catalog.collectDefinitions(s.node);
    // ALTER TABLE may precede or follow CREATE TABLE in the file order; apply it once all tables exist.
    for (const s of statements) catalog.collectAlterations(s.node);
    return catalog;
  }

  /** Finds a table by the name a statement uses. */
  findTable(rel: RangeVar | string | undefined): TableInfo | undefined {
    if (rel === undefined) return undefined;
    const qualified = typeof rel === 'string' ? rel : relationName(rel);
    const exact = this.tables.get(qualified);
    if (exact !== undefined) return exact;
    const bare = qualified.includes('.') ? qualified.slice(qualified.lastIndexOf('.') + 1) : qualified;
    const candidates = this.tablesByBareName.get(bare) ?? [];
    // An unqualified name in either place matches; two schemas with the same table name stay ambiguous.
    return candidates.length === 1 ? candidates[0] : candidates.find((t) => !t.name.includes('.') || !qualified.includes('.'));
  }

  /** True when the table is partitioned (has PARTITION BY). */
  isPartitioned(rel: RangeVar | string | undefined): boolean {
    return this.findTable(rel)?.partitionStrategy !== undefined;
  }

  /** True when the table or one of its ancestors has a primary key. */
  hasPrimaryKeyInHierarchy(table: TableInfo): boolean {
    const seen = new Set<string>();
    let current: TableInfo | undefined = table;
    while (current !== undefined && !seen.has(current.name)) {
      if (current.hasPrimaryKey) return true;
      seen.add(current.name);
      current = current.parentName === undefined ? undefined : this.findTable(current.parentName);
    }
    return false;
  }

  /** Type of a column, with domains resolved to their base type. */
  columnType(table: RangeVar | string | undefined, column: string): ColumnType | undefined {
    const col = this.findTable(table)?.columns.get(column);
    return col === undefined ? undefined : this.resolveDomain(col.type);
  }

  /** The column's declaration, if the schema has it. */
  column(table: RangeVar | string | undefined, column: string): ColumnInfo | undefined {
    return this.findTable(table)?.columns.get(column);
  }

  /** Kind of a user-defined type, if the schema creates one with that name. */
  userTypeKind(type: ColumnType): UserTypeKind | undefined {
    return this.userTypes.get(typeKey(type)) ?? this.userTypes.get(type.name);
  }

  /** Follows domains to the type they are based on (arrays of a domain stay arrays). */
  resolveDomain(type: ColumnType): ColumnType {
    let current = type;
    for (let depth = 0; depth < 10; depth++) {
      const base = this.domainBaseTypes.get(typeKey(current)) ?? this.domainBaseTypes.get(current.name);
      if (base === undefined) return current;
      current = { ...base, isArray: base.isArray || current.isArray };
    }
    return current;
  }

  private collectDefinitions(node: Node): void {
    const create = nodeAs<CreateStmt>(node, 'CreateStmt');
    if (create !== undefined) {
      this.addTable(create);
      return;
    }
    const foreign = nodeAs<{ base?: CreateStmt }>(node, 'CreateForeignTableStmt');
    if (foreign?.base !== undefined) {
      this.addTable(foreign.base);
      return;
    }
    const composite = nodeAs<CompositeTypeStmt>(node, 'CompositeTypeStmt');
    if (composite !== undefined) {
      this.addUserType(relationName(composite.typevar), 'composite');
      return;
    }
    const range = nodeAs<CreateRangeStmt>(node, 'CreateRangeStmt');
    if (range !== undefined) {
      const name = dottedName(range.typeName);
      this.addUserType(name, 'range');
      // Its multirange type (PostgreSQL 14+): named by MULTIRANGE_TYPE_NAME, else PostgreSQL's default
      // name in the same schema (the first "range" made "multirange", else "_multirange" appended).
      const given = (range.params ?? []).map((p) => nodeAs<DefElem>(p, 'DefElem')).find((d) => d?.defname === 'multirange_type_name');
      const givenName = given?.arg ? dottedName(nodeAs<{ names?: Node[] }>(given.arg, 'TypeName')?.names) : '';
      const dot = name.lastIndexOf('.');
      const [schema, bare] = [name.slice(0, dot + 1), name.slice(dot + 1)];
      this.addUserType(givenName || `${schema}${bare.includes('range') ? bare.replace('range', 'multirange') : `${bare}_multirange`}`, 'multirange');
      return;
    }
    const enumType = nodeAs<{ typeName?: Node[] }>(node, 'CreateEnumStmt');
    if (enumType !== undefined) {
      this.addUserType(dottedName(enumType.typeName), 'enum');
      return;
    }
    const domain = nodeAs<CreateDomainStmt>(node, 'CreateDomainStmt');
    if (domain !== undefined) {
      const name = dottedName(domain.domainname);
      this.addUserType(name, 'domain');
      const base = columnTypeOf(domain.typeName);
      this.domainBaseTypes.set(name, base);
      if (name.includes('.')) this.domainBaseTypes.set(name.slice(name.lastIndexOf('.') + 1), base);
    }
  }

  private collectAlterations(node: Node): void {
    const index = nodeAs<IndexStmt>(node, 'IndexStmt');
    if (index !== undefined) {
      this.findTable(index.relation)?.indexes.push({
        name: index.idxname ?? '',
        columns: (index.indexParams ?? []).map((p) => nodeAs<IndexElem>(p, 'IndexElem')?.name ?? '(expression)'),
        keys: (index.indexParams ?? []).map((p) => keyOf(nodeAs<IndexElem>(p, 'IndexElem'))),
        unique: index.unique === true,
        method: (index.accessMethod ?? 'btree').toLowerCase(),
        special: index.whereClause !== undefined || (index.indexIncludingParams?.length ?? 0) > 0,
      });
      return;
    }
    const alter = nodeAs<AlterTableStmt>(node, 'AlterTableStmt');
    if (alter === undefined) return;
    const table = this.findTable(alter.relation);
    if (table === undefined) return;
    for (const cmdNode of alter.cmds ?? []) {
      const cmd = nodeAs<AlterTableCmd>(cmdNode, 'AlterTableCmd');
      if (cmd === undefined) continue;
      const added = cmd.subtype === 'AT_AddConstraint' ? nodeAs<Constraint>(cmd.def, 'Constraint') : undefined;
      if (added?.contype === 'CONSTR_PRIMARY') table.hasPrimaryKey = true;
      if (added !== undefined) {
        const info = keyConstraintIndex(added);
        if (info !== undefined) table.indexes.push(info);
      } else if (cmd.subtype === 'AT_SetNotNull') {
        const col = cmd.name !== undefined ? table.columns.get(cmd.name) : undefined;
        if (col !== undefined) col.notNull = true;
      } else if (cmd.subtype === 'AT_AddColumn') {
        const col = nodeAs<ColumnDef>(cmd.def, 'ColumnDef');
        if (col !== undefined) this.addColumn(table, col);
      } else if (cmd.subtype === 'AT_AttachPartition') {
        const partition = nodeAs<{ name?: RangeVar }>(cmd.def, 'PartitionCmd')?.name;
        const child = this.findTable(partition);
        if (child !== undefined) child.parentName = table.name;
      }
    }
  }

  private addTable(create: CreateStmt): void {
    const name = relationName(create.relation);
    const table: TableInfo = {
      name,
      columns: new Map(),
      partitionColumns: [],
      partitionKeyHasExpression: false,
      hasPrimaryKey: false,
      indexes: [],
    };
    if (create.partbound !== undefined) {
      const parent = nodeAs<RangeVar>(create.inhRelations?.[0], 'RangeVar');
      if (parent !== undefined) table.parentName = relationName(parent);
    }
    if (create.partspec !== undefined) {
      const strategy = create.partspec.strategy?.replace('PARTITION_STRATEGY_', '');
      table.partitionStrategy = strategy === 'LIST' || strategy === 'HASH' ? strategy : 'RANGE';
      for (const p of create.partspec.partParams ?? []) {
        const elem = nodeAs<PartitionElem>(p, 'PartitionElem');
        if (elem?.name !== undefined) table.partitionColumns.push(elem.name);
        else table.partitionKeyHasExpression = true;
      }
    }
    for (const elt of create.tableElts ?? []) {
      const col = nodeAs<ColumnDef>(elt, 'ColumnDef');
      if (col !== undefined) {
        this.addColumn(table, col);
        if ((col.constraints ?? []).some((c) => nodeAs<Constraint>(c, 'Constraint')?.contype === 'CONSTR_PRIMARY')) {
          table.hasPrimaryKey = true;
        }
      }
      if (nodeAs<Constraint>(elt, 'Constraint')?.contype === 'CONSTR_PRIMARY') table.hasPrimaryKey = true;
    }
    for (const c of create.constraints ?? []) {
      if (nodeAs<Constraint>(c, 'Constraint')?.contype === 'CONSTR_PRIMARY') table.hasPrimaryKey = true;
    }
    for (const c of tableKeyConstraints(create)) table.indexes.push(c);
    this.tables.set(name, table);
    const bare = create.relation?.relname ?? name;
    this.tablesByBareName.set(bare, [...(this.tablesByBareName.get(bare) ?? []), table]);
  }

  private addColumn(table: TableInfo, col: ColumnDef): void {
    if (col.colname === undefined) return;
    const type = columnTypeOf(col.typeName);
    const fromSequence =
      ['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2'].includes(type.name) ||
      (col.constraints ?? []).some((c) => nodeAs<Constraint>(c, 'Constraint')?.contype === 'CONSTR_IDENTITY') ||
      defaultsToNextval(col);
    const notNull = col.is_not_null === true
      || (col.constraints ?? []).some((c) => ['CONSTR_NOTNULL', 'CONSTR_PRIMARY', 'CONSTR_IDENTITY'].includes(nodeAs<Constraint>(c, 'Constraint')?.contype ?? ''));
    table.columns.set(col.colname, { name: col.colname, type, fromSequence, notNull });
  }

  private addUserType(quotedName: string, kind: UserTypeKind): void {
    // Column types are looked up lower-cased (`columnTypeOf`): a quoted "Span" must be found too (fix-verify-53).
    const name = quotedName.toLowerCase();
    this.userTypes.set(name, kind);
    if (name.includes('.')) {
      const bare = name.slice(name.lastIndexOf('.') + 1);
      if (!this.userTypes.has(bare)) this.userTypes.set(bare, kind);
    }
  }
}

function typeKey(type: ColumnType): string {
  return type.schema === undefined ? type.name : `${type.schema}.${type.name}`;
}

/** pg_dump writes a serial column as an integer with `DEFAULT nextval('...')`. */
function defaultsToNextval(col: ColumnDef): boolean {
  let found = false;
  walkAst(col.constraints, (kind, value) => {
    if (kind === 'FuncCall' && stringValues(value['funcname'] as Node[] | undefined).pop() === 'nextval') found = true;
  });
  return found;
}

function keyConstraintIndex(con: Constraint, ownerColumn?: string): IndexInfo | undefined {
  if (con.contype !== 'CONSTR_PRIMARY' && con.contype !== 'CONSTR_UNIQUE') return undefined;
  const keys = stringValues(con.keys);
  const columns = keys.length > 0 ? keys : ownerColumn !== undefined ? [ownerColumn] : [];
  return { name: con.conname ?? '', columns, keys: columns.map((c) => keyOf({ name: c })), unique: true, method: 'btree', special: (con.including?.length ?? 0) > 0 };
}

/** `IndexInfo.keys`' form of one element. */
function keyOf(e: IndexElem | undefined): string {
  if (e === undefined) return '(expression)';
  const names = (list: unknown) => stringValues(list as Parameters<typeof stringValues>[0]).join('.');
  return [e.name ?? '(expression)', e.ordering ?? 'SORTBY_DEFAULT', e.nulls_ordering ?? 'SORTBY_NULLS_DEFAULT', names(e.collation), names(e.opclass)].join('|');
}

function tableKeyConstraints(create: CreateStmt): IndexInfo[] {
  const out: IndexInfo[] = [];
  for (const elt of [...(create.tableElts ?? []), ...(create.constraints ?? [])]) {
    const con = nodeAs<Constraint>(elt, 'Constraint');
    const info = con === undefined ? undefined : keyConstraintIndex(con);
    if (info !== undefined) out.push(info);
    const col = nodeAs<ColumnDef>(elt, 'ColumnDef');
    for (const c of col?.constraints ?? []) {
      const colCon = nodeAs<Constraint>(c, 'Constraint');
      const colInfo = colCon === undefined ? undefined : keyConstraintIndex(colCon, col?.colname);
      if (colInfo !== undefined) out.push(colInfo);
    }
  }
  return out;
}
