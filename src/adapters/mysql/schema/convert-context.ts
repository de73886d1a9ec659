/**
 * State shared by the conversion steps of one database: the catalog, the target schema, and the
 * notes collected so far (each step's notes also go in front of its own SQL). Pure.
 */
import type { MySqlCatalog } from '../catalog-types.js';
import type { ConversionNote, ConversionNoteRule } from './conversion-note.js';
import { qualifiedName } from './pg-names.js';
import type { TranslateContext } from './expression-translator.js';

export class ConvertContext {
  readonly notes: ConversionNote[] = [];

  constructor(readonly catalog: MySqlCatalog, readonly targetSchema: string) {}

  get flavor() {
    return this.catalog.server.flavor;
  }

  get translate(): TranslateContext {
    return { database: this.catalog.database, targetSchema: this.targetSchema };
  }

  /** `schema.name` on the target. */
  q(name: string): string {
    return qualifiedName(this.targetSchema, name);
  }

  /** The name a note shows: `schema.table` or `schema.table.column`. */
  label(...parts: string[]): string {
    return [this.targetSchema, ...parts].join('.');
  }

  /** Records a note and returns it, so the caller can put it in front of its SQL. */
  note(rule: ConversionNoteRule, objectType: string, objectName: string, detail: string): ConversionNote {
    const n = { rule, objectType, objectName, detail };
    this.notes.push(n);
    return n;
  }
}
