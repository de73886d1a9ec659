import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BEFORE_2024_2, PG11_BASED_ONLY, fixedIn, onlyBetween, parseTargetVersion } from '../../../src/analyze/target-version.js';
import type { VersionGate } from '../../../src/analyze/target-version.js';
import { TandemError } from '../../../src/core/errors.js';

const VERSIONS = ['2.16.2.0', '2.18.9.0', '2.20.1.0', '2.23.0.0', '2.25.1.0', '2.27.0.0', '2024.1.0.0', '2024.1.3.0', '2024.2.2.0', '2025.1.0.0', '2025.2.1.0'];

/** The versions of VERSIONS the gate reports. */
const reported = (gate: VersionGate): string[] => VERSIONS.filter((v) => gate.appliesTo(parseTargetVersion(v)));

test('fixedIn reports each numbering line up to its own fix, and series at or above a listed one as fixed', () => {
  // Adding a primary key to a partitioned table: fixed in 2024.1.0.0, 2024.2.0.0, 2.23.0.0, 2.25, 2025.1.
  assert.deepEqual(reported(fixedIn('2024.1.0.0', '2.23.0.0')), ['2.16.2.0', '2.18.9.0', '2.20.1.0']);
  // A fix that exists only from 2025.1 in the stable line: the 2.x line never gets it.
  assert.deepEqual(reported(fixedIn('2025.1.0.0')),
    ['2.16.2.0', '2.18.9.0', '2.20.1.0', '2.23.0.0', '2.25.1.0', '2.27.0.0', '2024.1.0.0', '2024.1.3.0', '2024.2.2.0']);
  // A backport: 2024.1 from its third patch release, 2024.2 from the start.
  assert.deepEqual(reported(fixedIn('2024.1.3.0', '2024.2.0.0')).filter((v) => v.startsWith('20')), ['2024.1.0.0']);
  assert.equal(fixedIn('2024.1.0.0', '2.23.0.0').label, 'YugabyteDB before 2024.1 / 2.23');
});

test('the existing gates mean what their labels say', () => {
  assert.deepEqual(reported(PG11_BASED_ONLY),
    ['2.16.2.0', '2.18.9.0', '2.20.1.0', '2.23.0.0', '2024.1.0.0', '2024.1.3.0', '2024.2.2.0']);
  assert.deepEqual(reported(BEFORE_2024_2), ['2.16.2.0', '2.18.9.0', '2.20.1.0', '2.23.0.0', '2024.1.0.0', '2024.1.3.0']);
  assert.deepEqual(reported(onlyBetween('2.15', '2.17.1.0')), ['2.16.2.0']);
  assert.equal(onlyBetween('2.15', '2.17.1.0').label, 'YugabyteDB 2.15 up to 2.17.1');
});

test('a version YugabyteDB never had (a PostgreSQL version such as 15, a year outside its numbering) is a usage error naming both numberings', () => {
  for (const v of ['15', '11.2', '1.3', '2023.1', '3.0']) {
    assert.throws(() => parseTargetVersion(v), (e: unknown) => e instanceof TandemError && e.code === 'TANDEM_USAGE' && /is no YugabyteDB release: YugabyteDB numbers them 2\.x \(2\.20\.1\.0\) or by year/.test(e.message), v);
  }
  assert.throws(() => parseTargetVersion('15'), /15 looks like a PostgreSQL version/);
  for (const v of ['2.20.1.0', '2.25', '2024.2.0.0', '2025.1']) assert.equal(parseTargetVersion(v).text, v);
});
