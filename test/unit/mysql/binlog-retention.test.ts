import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binlogRetention, formatDuration } from '../../../src/adapters/mysql/capture/binlog-retention.js';

const LOGS = [{ name: 'binlog.000001', size: 1000 }, { name: 'binlog.000002', size: 500 }];
const NOW = 1_800_000_000;

test('durations for people', () => {
  assert.equal(formatDuration(2_592_000), '30 days');
  assert.equal(formatDuration(90_061), '1 day 1 hour');
  assert.equal(formatDuration(3_720), '1 hour 2 minutes');
  assert.equal(formatDuration(45), '45 seconds');
  assert.equal(formatDuration(0), '0 seconds');
});

test('binlog_expire_logs_seconds (MySQL 8 default of 30 days), no position yet', () => {
  const v = binlogRetention({ expireLogsSeconds: 2_592_000, expireLogsDays: 0, binaryLogs: LOGS, now: NOW });
  assert.equal(v.setting, 'binlog_expire_logs_seconds = 2592000');
  assert.equal(v.expireSeconds, 2_592_000);
  assert.equal(v.safeStopSeconds, 2_592_000);
  assert.equal(v.severity, 'info');
  assert.equal(v.neededFilePresent, undefined);
  assert.match(v.message, /older than 30 days \(binlog_expire_logs_seconds = 2592000\)/);
  assert.match(v.message, /about 30 days after the binlog file it resumes from was last written/);
});

test('with a position written 29 days ago: one day left, a warning', () => {
  const v = binlogRetention({ expireLogsSeconds: 2_592_000, binaryLogs: LOGS, neededFile: 'binlog.000002', positionTime: NOW - 29 * 86400, now: NOW });
  assert.equal(v.safeStopSeconds, 86_400);
  assert.equal(v.neededFilePresent, true);
  assert.equal(v.severity, 'warning');
  assert.match(v.message, /at least 1 day from now \(its position was written 29 days ago\)/);
});

test('expire_logs_days when the seconds setting is 0 (MariaDB keeps both; fractional days)', () => {
  const v = binlogRetention({ expireLogsSeconds: 0, expireLogsDays: 0.5, binaryLogs: LOGS, now: NOW });
  assert.equal(v.setting, 'expire_logs_days = 0.5');
  assert.equal(v.expireSeconds, 43_200);
  assert.equal(v.severity, 'warning');
});

test('no expiry (MariaDB default): no age limit, an info', () => {
  const v = binlogRetention({ expireLogsSeconds: 0, expireLogsDays: 0, binaryLogs: LOGS, now: NOW });
  assert.equal(v.expireSeconds, null);
  assert.equal(v.safeStopSeconds, null);
  assert.equal(v.severity, 'info');
  assert.match(v.message, /do not expire by age/);
});

test('a size limit makes it a warning', () => {
  const v = binlogRetention({ expireLogsSeconds: 0, maxTotalSize: 1_000_000, binaryLogs: LOGS, now: NOW });
  assert.equal(v.severity, 'warning');
  assert.match(v.message, /max_binlog_total_size = 1000000 bytes \(1500 in use now\)/);
});

test('the needed file is gone: an error saying the changes are lost', () => {
  const v = binlogRetention({ expireLogsSeconds: 86_400, binaryLogs: LOGS, neededFile: 'binlog.000000', now: NOW });
  assert.equal(v.severity, 'error');
  assert.equal(v.neededFilePresent, false);
  assert.equal(v.safeStopSeconds, 0);
  assert.match(v.message, /binlog\.000000 .* is no longer on the source/);
  assert.match(v.fix, /new snapshot/);
});
