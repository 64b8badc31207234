'use strict';
/**
 * The web console (apps/console): built with Vite into apps/console/dist when missing or stale.
 *
 * Stale = the content hash of its sources (apps/console/src, index.html, vite config, tsconfig, the
 * typed API client and package-lock.json) differs from the one recorded at the last build. A build
 * type-checks first (tsc against the typed client: a contract change that breaks the console fails it),
 * then bundles, then prints the JavaScript a user downloads for login + inbox (gzip) against the budget
 * and fails when it is over.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { spawnSync } = require('child_process');
const { REPO_ROOT, log } = require('./common');

const CONSOLE_DIR = path.join(REPO_ROOT, 'apps', 'console');
const DIST = path.join(CONSOLE_DIR, 'dist');
const STAMP = path.join(DIST, '.source-hash');
const BUDGET_KB = 350;
/** The pages of the first visit: whatever they load counts against the budget. */
const FIRST_VISIT = ['src/pages/LoginPage.tsx', 'src/pages/InboxPage.tsx'];

function listFiles(p) {
  if (!fs.existsSync(p)) return [];
  const st = fs.statSync(p);
  if (st.isFile()) return [p];
  return fs
    .readdirSync(p)
    .sort()
    .flatMap((n) => listFiles(path.join(p, n)));
}

function sourceHash() {
  const h = crypto.createHash('sha256');
  const inputs = [
    path.join(CONSOLE_DIR, 'src'),
    path.join(CONSOLE_DIR, 'index.html'),
    path.join(CONSOLE_DIR, 'vite.config.mts'),
    path.join(CONSOLE_DIR, 'tsconfig.json'),
    path.join(REPO_ROOT, 'libs', 'api-client'),
    // the registry's ID-number rule, which the console's member form runs before sending
    path.join(REPO_ROOT, 'libs', 'common', 'resident-id.ts'),
    path.join(REPO_ROOT, 'package-lock.json'),
  ];
  for (const file of inputs.flatMap(listFiles)) {
    h.update(path.relative(REPO_ROOT, file));
    h.update(fs.readFileSync(file));
  }
  return h.digest('hex');
}

function isFresh() {
  try {
    return fs.existsSync(path.join(DIST, 'index.html')) && fs.readFileSync(STAMP, 'utf8').trim() === sourceHash();
  } catch {
    return false;
  }
}

/** gzip size (bytes) of the JavaScript loaded for login + inbox, from Vite's manifest. */
function firstVisitBytes() {
  const manifest = JSON.parse(fs.readFileSync(path.join(DIST, '.vite', 'manifest.json'), 'utf8'));
  const files = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const dep of chunk.imports ?? []) visit(dep);
  };
  visit('index.html');
  for (const page of FIRST_VISIT) visit(page);
  let total = 0;
  for (const f of files)
    if (f.endsWith('.js')) total += zlib.gzipSync(fs.readFileSync(path.join(DIST, f)), { level: 9 }).length;
  return { total, files: [...files] };
}

/**
 * The environment of the build: always a production build. Under Jest (NODE_ENV=test, when a browser suite
 * finds the console stale) Vite would otherwise bundle React's development build, larger and slower, and
 * serve that to the browser tests.
 */
function consoleBuildEnv(env = process.env) {
  return { ...env, NODE_ENV: 'production' };
}

function run(cmd, args) {
  const r = spawnSync(process.execPath, [cmd, ...args], { cwd: REPO_ROOT, stdio: 'inherit', env: consoleBuildEnv() });
  if (r.error || r.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} 失败（exit ${r.status}）`);
}

/** Type-checks and builds the console; prints and enforces the first-visit budget. */
function buildConsole() {
  const t0 = Date.now();
  log('正在构建控制台（building the web console: tsc + vite）…');
  run(path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), [
    '-p',
    path.join(CONSOLE_DIR, 'tsconfig.json'),
  ]);
  run(path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), [
    'build',
    '--config',
    path.join(CONSOLE_DIR, 'vite.config.mts'),
    '--logLevel',
    'warn',
  ]);
  const { total } = firstVisitBytes();
  const kb = (total / 1024).toFixed(1);
  log(
    `控制台已构建（console built in ${((Date.now() - t0) / 1000).toFixed(1)}s）：登录 + 待办首屏 JavaScript ${kb} KB gzip（预算 ${BUDGET_KB} KB; login + inbox JS ${kb} KB gzip, budget ${BUDGET_KB} KB）`,
  );
  if (total > BUDGET_KB * 1024) {
    throw new Error(`登录 + 待办首屏 JavaScript ${kb} KB 超出预算 ${BUDGET_KB} KB（over the bundle budget）`);
  }
  fs.writeFileSync(STAMP, sourceHash());
}

/** Builds the console unless dist is up to date with its sources. */
function ensureConsoleBuilt({ force = false } = {}) {
  if (!force && isFresh()) return false;
  buildConsole();
  return true;
}

module.exports = { ensureConsoleBuilt, buildConsole, consoleBuildEnv, firstVisitBytes, isFresh, DIST, BUDGET_KB };

if (require.main === module) {
  try {
    ensureConsoleBuilt({ force: process.argv.includes('--force') });
  } catch (e) {
    log(e.message);
    process.exit(1);
  }
}
