/**
 * Which target column types read a source column's binary COPY form directly (`binaryReadable`, the
 * check `import data` runs before loading a binary snapshot; other pairs load through a staging
 * table or are refused). What PostgreSQL does with such pairs is in the integration tests
 * (retyped-columns.test.ts, bad-input.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryReadable } from '../../../src/adapters/postgres/target-writer.js';

test('the same type, modifiers and schema aside, or two text types: read directly', () => {
  const readable: [string, string, string?][] = [
    ['integer', 'integer'],
    ['character varying(10)', 'text'],
    ['text', 'character(5)'],
    ['bpchar', 'character varying'], // format_type's name of a char without a length
    ['numeric(10,2)', 'numeric'],
    ['timestamp(3) without time zone', 'timestamp without time zone'],
    ['interval day to second(3)', 'interval'],
    ['app.mood', 'mood'], // format_type qualifies by each session's search_path
    ['"My Schema"."Mood"', '"Mood"'],
    ['integer[]', 'integer[]'],
    ['integer', 'app.posint', 'integer'], // a domain reads its base type's form
  ];
  for (const [source, target, base] of readable) assert.equal(binaryReadable(source, target, base ?? target), true, `${source} -> ${target}`);
});

test('another type: not read directly, even where text would convert', () => {
  const refused: [string, string][] = [
    ['integer', 'bigint'], // PostgreSQL: insufficient data left in message
    ['double precision', 'real'],
    ['timestamp without time zone', 'timestamp with time zone'], // the bytes would load, as UTC, whatever the source meant
    ['text[]', 'character varying[]'], // an array's binary form names its element type
  ];
  for (const [source, target] of refused) assert.equal(binaryReadable(source, target, target), false, `${source} -> ${target}`);
});
