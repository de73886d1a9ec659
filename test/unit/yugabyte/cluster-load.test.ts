/**
 * Reading YugabyteDB's `yb_servers_metrics()` rows (the shape its documentation gives: one row per
 * tablet server, the metrics a JSON object of strings) and judging when the cluster is too busy
 * for another loading connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_LOAD_LIMITS, judgeClusterLoad, parseClusterMetrics } from '../../../src/adapters/yugabyte/cluster-load.js';

const GiB = 1024 ** 3;

function row(uuid: string, m: Record<string, string>, status = 'OK', error = '') {
  return { uuid, metrics: JSON.stringify(m), status, error };
}

/** A node with the metric values of a healthy tablet server (strings, as the function returns them). */
function healthy(over: Record<string, string> = {}): Record<string, string> {
  return {
    memory_free: '0', memory_total: String(16 * GiB), cpu_usage_user: '0.135827', cpu_usage_system: '0.118110',
    memory_available: String(8 * GiB), tserver_root_memory_limit: '11166914969', tserver_root_memory_soft_limit: '9491877723',
    tserver_root_memory_consumption: '52346880', ...over,
  };
}

test('parses each node: CPU is user + system, numbers from strings, status OK', () => {
  const nodes = parseClusterMetrics([row('bf98c74dd7044b34943c5bff7bd3d0d1', healthy()), row('d105c3a6', {}, 'ERROR', 'timed out')]);
  assert.equal(nodes.length, 2);
  assert.equal(nodes[0]!.ok, true);
  assert.ok(Math.abs(nodes[0]!.cpu! - 0.253937) < 1e-9);
  assert.equal(nodes[0]!.memoryTotal, 16 * GiB);
  assert.equal(nodes[0]!.rootMemorySoftLimit, 9491877723);
  assert.deepEqual(nodes[1], { uuid: 'd105c3a6', ok: false, error: 'timed out', cpu: undefined, memoryAvailable: undefined, memoryTotal: undefined, rootMemoryConsumption: undefined, rootMemorySoftLimit: undefined });
});

test('metrics as an object (jsonb parsed by the driver), as broken JSON, or with non-numbers', () => {
  const [asObject, broken, junk] = parseClusterMetrics([
    { uuid: 'a', metrics: { cpu_usage_user: '0.5', cpu_usage_system: '0.1' }, status: 'OK', error: null },
    { uuid: 'b', metrics: '{not json', status: 'OK', error: null },
    { uuid: 'c', metrics: JSON.stringify({ cpu_usage_user: 'n/a', memory_total: '' }), status: 'OK', error: null },
  ]);
  assert.ok(Math.abs(asObject!.cpu! - 0.6) < 1e-9);
  assert.equal(broken!.cpu, undefined);
  assert.equal(junk!.cpu, undefined);
  assert.equal(junk!.memoryTotal, undefined);
  assert.equal(judgeClusterLoad([broken!, junk!]), undefined, 'nothing to judge');
});

test('a healthy cluster is not busy, and the reason says what was seen', () => {
  const load = judgeClusterLoad(parseClusterMetrics([row('n1', healthy()), row('n2', healthy({ cpu_usage_user: '0.5' }))]));
  assert.deepEqual(load, { busy: false, reason: '2 node(s), highest CPU 62%' });
});

test('busy when any node is over 70% CPU (the busiest node counts, not the average)', () => {
  const load = judgeClusterLoad(parseClusterMetrics([
    row('aaaaaaaa11112222', healthy({ cpu_usage_user: '0.60', cpu_usage_system: '0.15' })),
    row('n2', healthy({ cpu_usage_user: '0.05', cpu_usage_system: '0.01' })),
  ]));
  assert.equal(load?.busy, true);
  assert.equal(load?.reason, 'node aaaaaaaa at 75% CPU (limit 70%)');
  assert.equal(judgeClusterLoad(parseClusterMetrics([row('n', healthy({ cpu_usage_user: '0.60', cpu_usage_system: '0.10' }))]))?.busy, false, '70% is not over the limit');
});

test('busy when a node has less than 10% of its memory available, or its tablet server is over its soft limit', () => {
  const lowMemory = judgeClusterLoad(parseClusterMetrics([row('n1', healthy({ memory_available: String(GiB) }))]));
  assert.deepEqual(lowMemory, { busy: true, reason: 'node n1 has 6% of its memory available (at least 10% wanted)' });
  const overSoftLimit = judgeClusterLoad(parseClusterMetrics([row('n2', healthy({ tserver_root_memory_consumption: '9491877724' }))]));
  assert.deepEqual(overSoftLimit, { busy: true, reason: "node n2's tablet server is over its memory soft limit" });
});

test('a node that did not answer, and zero memory figures (platforms that report none), are not judged', () => {
  const load = judgeClusterLoad(parseClusterMetrics([
    row('down', healthy({ cpu_usage_user: '0.99' }), 'ERROR', 'unreachable'),
    row('mac', healthy({ memory_available: '0', memory_total: '0' })),
  ]));
  assert.deepEqual(load, { busy: false, reason: '1 node(s), highest CPU 25%, 1 not answering' });
  assert.equal(judgeClusterLoad([]), undefined);
});

test('the limits can be changed', () => {
  const nodes = parseClusterMetrics([row('n', healthy({ cpu_usage_user: '0.5' }))]);
  assert.equal(judgeClusterLoad(nodes, { ...DEFAULT_LOAD_LIMITS, maxCpu: 0.5 })?.busy, true);
  assert.equal(judgeClusterLoad(nodes, { ...DEFAULT_LOAD_LIMITS, maxCpu: 0.9 })?.busy, false);
});
