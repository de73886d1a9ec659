import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, CreateStmt, Node, RangeVar } from 'libpg-query';
import { constraintColumns, nodeAs } from '../ast-helpers.js';

/** A constraint found in CREATE TABLE or ALTER TABLE ... ADD CONSTRAINT, with the columns it covers. */
export interface TableConstraint {
  readonly table: RangeVar | undefined;
  readonly constraint: Constraint;
  readonly columns: string[];
  /** True when added by ALTER TABLE rather than declared in CREATE TABLE. */
  readonly viaAlter: boolean;
}

/** Every table, column and ALTER-added constraint of a statement. */
export function tableConstraintsOf(node: Node): TableConstraint[] {
  const out: TableConstraint[] = [];
  const create = nodeAs<CreateStmt>(node, 'CreateStmt') ?? nodeAs<{ base?: CreateStmt }>(node, 'CreateForeignTableStmt')?.base;
  if (create !== undefined) {
    for (const elt of [...(create.tableElts ?? []), ...(create.constraints ?? [])]) {
      const con = nodeAs<Constraint>(elt, 'Constraint');
      if (con !== undefined) out.push({ table: create.relation, constraint: con, columns: constraintColumns(con), viaAlter: false });
      const col = nodeAs<ColumnDef>(elt, 'ColumnDef');
      if (col !== undefined) {
        for (const colCon of columnConstraints(col)) {
          out.push({ table: create.relation, constraint: colCon, columns: constraintColumns(colCon, col.colname), viaAlter: false });
        }
      }
    }
  }
  const alter = nodeAs<AlterTableStmt>(node, 'AlterTableStmt');
  for (const cmdNode of alter?.cmds ?? []) {
    const cmd = nodeAs<AlterTableCmd>(cmdNode, 'AlterTableCmd');
    if (cmd?.subtype === 'AT_AddConstraint') {
      const con = nodeAs<Constraint>(cmd.def, 'Constraint');
      if (con !== undefined) out.push({ table: alter?.relation, constraint: con, columns: constraintColumns(con), viaAlter: true });
    } else if (cmd?.subtype === 'AT_AddColumn') {
      const col = nodeAs<ColumnDef>(cmd.def, 'ColumnDef');
      if (col !== undefined) {
        for (const colCon of columnConstraints(col)) {
          out.push({ table: alter?.relation, constraint: colCon, columns: constraintColumns(colCon, col.colname), viaAlter: true });
        }
      }
    }
  }
  return out;
}

/** The column definitions of CREATE TABLE and ALTER TABLE ... ADD COLUMN. */
export function columnDefsOf(node: Node): { table: RangeVar | undefined; column: ColumnDef }[] {
  const out: { table: RangeVar | undefined; column: ColumnDef }[] = [];
  const create = nodeAs<CreateStmt>(node, 'CreateStmt') ?? nodeAs<{ base?: CreateStmt }>(node, 'CreateForeignTableStmt')?.base;
  for (const elt of create?.tableElts ?? []) {
    const col = nodeAs<ColumnDef>(elt, 'ColumnDef');
    if (col !== undefined) out.push({ table: create?.relation, column: col });
  }
  const alter = nodeAs<AlterTableStmt>(node, 'AlterTableStmt');
  for (const cmdNode of alter?.cmds ?? []) {
    const cmd = nodeAs<AlterTableCmd>(cmdNode, 'AlterTableCmd');
    // ALTER COLUMN ... TYPE carries a ColumnDef with the new type too.
    if (cmd?.subtype === 'AT_AddColumn' || cmd?.subtype === 'AT_AlterColumnType') {
      const col = nodeAs<ColumnDef>(cmd.def, 'ColumnDef');
      if (col !== undefined) out.push({ table: alter?.relation, column: cmd.subtype === 'AT_AlterColumnType' ? { ...col, colname: cmd.name } : col });
    }
  }
  return out;
}

/** The ALTER TABLE sub-commands of a statement. */
export function alterCommandsOf(node: Node): { table: RangeVar | undefined; cmd: AlterTableCmd }[] {
  const alter = nodeAs<AlterTableStmt>(node, 'AlterTableStmt');
  const out: { table: RangeVar | undefined; cmd: AlterTableCmd }[] = [];
  for (const cmdNode of alter?.cmds ?? []) {
    const cmd = nodeAs<AlterTableCmd>(cmdNode, 'AlterTableCmd');
    if (cmd !== undefined) out.push({ table: alter?.relation, cmd });
  }
  return out;
}

/**
 * A column's constraints with DEFERRABLE / INITIALLY DEFERRED folded in: the raw parse tree keeps those
 * as separate attribute nodes after the constraint they belong to.
 */
export function columnConstraints(col: ColumnDef): Constraint[] {
  const out: Constraint[] = [];
  for (const node of col.constraints ?? []) {
    const con = nodeAs<Constraint>(node, 'Constraint');
    if (con === undefined) continue;
    const previous = out[out.length - 1];
    if (con.contype === 'CONSTR_ATTR_DEFERRABLE' || con.contype === 'CONSTR_ATTR_DEFERRED') {
      if (previous !== undefined) out[out.length - 1] = { ...previous, deferrable: true, initdeferred: previous.initdeferred === true || con.contype === 'CONSTR_ATTR_DEFERRED' };
      continue;
    }
    if (con.contype?.startsWith('CONSTR_ATTR_')) continue;
    out.push(con);
  }
  return out;
}
