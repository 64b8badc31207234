'use strict';
/**
 * Small helpers shared by the launcher (scripts/run.js) and the services worker
 * (scripts/provision/services.js). Node built-ins only: this file must work before
 * `npm install` has run.
 */
const fs = require('fs');
const net = require('net');
const path = require('path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PREFIX = '[partyflow]';

/** One log line on stderr (stdout is kept for the app / the final test summary). */
function log(message) {
  process.stderr.write(`${PREFIX} ${message}\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when nothing listens on host:port (checked by binding it ourselves). */
function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS considers free right now. */
function randomFreePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The first free port of `preferred` (skipping `exclude`), else any free port. */
async function pickPort(preferred = [], exclude = new Set()) {
  for (const port of preferred) {
    if (!exclude.has(port) && (await isPortFree(port))) return port;
  }
  for (let i = 0; i < 20; i++) {
    const port = await randomFreePort();
    if (!exclude.has(port)) return port;
  }
  throw new Error('no free TCP port found on 127.0.0.1');
}

const range = (from, count) => Array.from({ length: count }, (_, i) => from + i);

/** Sends a raw RESP `PING` and resolves true on `+PONG`, false on anything else (including errors). */
function redisPing(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    let done = false;
    let buffer = '';
    const finish = (ok) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(ok);
    };
    const socket = net.connect({ port, host });
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      if (buffer.includes('\r\n')) finish(buffer.startsWith('+PONG'));
    });
    socket.once('close', () => finish(false));
  });
}

/** Hides the password of a connection URL for logging. */
function redactUrl(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** Keeps the last `size` lines written to it (service output, shown when a service fails). */
class RingLog {
  constructor(size = 60) {
    this.size = size;
    this.lines = [];
  }
  push(text) {
    for (const line of String(text).split(/\r?\n/)) {
      if (!line.trim()) continue;
      this.lines.push(line);
      if (this.lines.length > this.size) this.lines.shift();
    }
  }
  toString() {
    return this.lines.map((l) => `    ${l}`).join('\n');
  }
}

function rmrf(dir) {
  if (!dir) return;
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort */
  }
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Looks `name` up on PATH and then in `extraDirs`. */
function which(name, extraDirs = []) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Whether process `pid` exists (signal 0). */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

const APT_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];

/**
 * Installs Debian packages with apt-get (as root, or with passwordless sudo), in the foreground so
 * apt's output and Ctrl-C behave normally. Throws with `hint` when that is not possible.
 */
function aptInstall(packages, announcement, hint) {
  const { spawnSync } = require('child_process');
  const aptGet = which('apt-get', APT_DIRS);
  if (!aptGet) throw new Error(`未找到 ${packages.join('、')}，且本机没有 apt-get（apt-get is unavailable）。${hint}`);
  let prefix;
  if (isRoot()) prefix = [];
  else {
    const sudo = which('sudo', APT_DIRS);
    const sudoOk = sudo && spawnSync(sudo, ['-n', 'true'], { stdio: 'ignore' }).status === 0;
    if (!sudoOk) {
      throw new Error(
        `未找到 ${packages.join('、')}，当前用户不是 root 且无免密 sudo，无法自动安装（not root and no passwordless sudo, so it cannot be installed automatically）。${hint}`,
      );
    }
    prefix = [sudo, '-n', 'env', 'DEBIAN_FRONTEND=noninteractive'];
  }
  log(announcement);
  const run = (args) => {
    const [cmd, ...rest] = prefix.length ? [...prefix, aptGet, ...args] : [aptGet, ...args];
    const r = spawnSync(cmd, rest, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.error || r.status !== 0) {
      throw new Error(`\`${[cmd, ...rest].join(' ')}\` 失败（failed, exit ${r.status ?? r.error}）。${hint}`);
    }
  };
  run(['update']);
  run(['install', '-y', '--no-install-recommends', ...packages]);
}

module.exports = {
  aptInstall,
  REPO_ROOT,
  log,
  sleep,
  isPortFree,
  pickPort,
  range,
  redisPing,
  redactUrl,
  RingLog,
  rmrf,
  which,
  isRoot,
  isAlive,
};
