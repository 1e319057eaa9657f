import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MAINTENANCE_WORK_MEM, deriveRunSettings, sessionSettingsSql } from '../../../src/plan/settings.js';

const choices = { parallelism: 4, concurrently: true, lockTimeoutMs: 5000, statementTimeoutMs: 0, retries: 3 };

test('run settings: cores and workers per build follow the server unless chosen', () => {
  const s = deriveRunSettings({ maxParallelWorkers: 8, maxWorkerProcesses: 8 }, choices);
  assert.deepEqual(s, {
    parallelism: 4,
    concurrently: true,
    maintenanceWorkMemBytes: DEFAULT_MAINTENANCE_WORK_MEM,
    cores: 8,
    // max_worker_processes less one for the server's other background workers.
    maxWorkersPerBuild: 7,
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    retries: 3,
  });
  const chosen = deriveRunSettings({ maxParallelWorkers: 0, maxWorkerProcesses: 8 }, { ...choices, cores: 2, maintenanceWorkMemBytes: 1024 ** 2 });
  assert.equal(chosen.cores, 2);
  assert.equal(chosen.maintenanceWorkMemBytes, 1024 ** 2);
  assert.equal(chosen.maxWorkersPerBuild, 0);
  assert.equal(deriveRunSettings({ maxParallelWorkers: 0, maxWorkerProcesses: 0 }, { ...choices, cores: null }).cores, 1, 'never zero cores');
});

test('session settings: one SET per statement, in PostgreSQL units, only those given', () => {
  assert.deepEqual(
    sessionSettingsSql({
      lockTimeoutMs: 5000,
      statementTimeoutMs: 0,
      maintenanceWorkMemBytes: 349_525 * 1024,
      maxParallelMaintenanceWorkers: 2,
      clientConnectionCheckIntervalMs: 1000,
    }),
    [
      "SET lock_timeout = '5s'",
      "SET statement_timeout = '0'",
      "SET maintenance_work_mem = '349525kB'",
      'SET max_parallel_maintenance_workers = 2',
      "SET client_connection_check_interval = '1s'",
    ],
  );
  assert.deepEqual(sessionSettingsSql({ maintenanceWorkMemBytes: 1024 ** 3, maxParallelMaintenanceWorkers: 0 }), [
    "SET maintenance_work_mem = '1GB'",
    'SET max_parallel_maintenance_workers = 0',
  ]);
  assert.deepEqual(sessionSettingsSql({}), []);
  for (const sql of sessionSettingsSql({ lockTimeoutMs: 1.7, statementTimeoutMs: -5 })) assert.doesNotMatch(sql, /;/);
  assert.deepEqual(sessionSettingsSql({ lockTimeoutMs: 1.7, statementTimeoutMs: -5 }), ["SET lock_timeout = '1ms'", "SET statement_timeout = '0'"]);
});
