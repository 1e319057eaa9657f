import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseCores, DEFAULT_MAINTENANCE_WORK_MEM, deriveRunSettings, sessionSettingsSql } from '../../../src/plan/settings.js';
import { serverIsLocal, serverMachine } from '../../../src/db/server-machine.js';

const choices = { parallelism: 4, concurrently: true, lockTimeoutMs: 5000, statementTimeoutMs: 0, retries: 3 };

test('run settings: cores come from the server\'s machine, the plan, or one per session; never from max_parallel_workers', () => {
  // A server configured with max_parallel_workers = 8, on a 2-core machine pgindex also runs on.
  const local = deriveRunSettings({ maxParallelWorkers: 8, maxWorkerProcesses: 8 }, choices, { cores: 2 });
  assert.deepEqual(local, {
    parallelism: 4,
    concurrently: true,
    maintenanceWorkMemBytes: DEFAULT_MAINTENANCE_WORK_MEM,
    cores: 2,
    coresFrom: 'machine',
    // A build and its workers fit in the cores: one worker at most, not max_parallel_workers' 7.
    maxWorkersPerBuild: 1,
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    retries: 3,
  });
  // The plan may lower the machine's count (other programs need CPU), never raise it.
  assert.deepEqual(chooseCores(4, 1, { cores: 2 }), { cores: 1, coresFrom: 'plan' });
  assert.deepEqual(chooseCores(4, 16, { cores: 2 }), { cores: 2, coresFrom: 'machine' });
  // A server elsewhere: the plan's cores, or one per session (no parallel workers at all).
  assert.deepEqual(chooseCores(4, 16, null), { cores: 16, coresFrom: 'plan' });
  const remote = deriveRunSettings({ maxParallelWorkers: 8, maxWorkerProcesses: 8 }, choices);
  assert.equal(remote.cores, 4);
  assert.equal(remote.coresFrom, 'assumed');
  assert.equal(remote.maxWorkersPerBuild, 3);
  const chosen = deriveRunSettings({ maxParallelWorkers: 0, maxWorkerProcesses: 8 }, { ...choices, cores: 2, maintenanceWorkMemBytes: 1024 ** 2 });
  assert.equal(chosen.cores, 2);
  assert.equal(chosen.maintenanceWorkMemBytes, 1024 ** 2);
  assert.equal(chosen.maxWorkersPerBuild, 0);
  assert.equal(deriveRunSettings({ maxParallelWorkers: 0, maxWorkerProcesses: 0 }, { ...choices, parallelism: 0, cores: null }).cores, 1, 'never zero cores');
});

test('server machine: a Unix socket, loopback or own address is this machine; any other host is not', () => {
  const cores = () => 3;
  assert.deepEqual(serverMachine({ host: '/var/run/postgresql' }, cores), { cores: 3 });
  for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) assert.deepEqual(serverMachine({ host }, cores), { cores: 3 }, host);
  assert.deepEqual(serverMachine({}, cores), { cores: 3 }, 'no host: localhost, as libpq');
  for (const host of ['db.example.com', '10.255.255.1', '128.0.0.1']) assert.equal(serverMachine({ host }, cores), null, host);
  assert.equal(serverIsLocal({ host: 'db.internal' }), false);
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
