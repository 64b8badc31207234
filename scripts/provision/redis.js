'use strict';
/**
 * Private Redis: locating / installing `redis-server` (launcher side, in the foreground so apt's
 * output and Ctrl-C behave normally) and running one (services-worker side).
 */
const fs = require('fs');
const { spawn } = require('child_process');
const { sleep, which, RingLog, pickPort, redisPing, aptInstall } = require('./common');

const EXTRA_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];

function findRedisServer() {
  return which('redis-server', EXTRA_DIRS) || which('valkey-server', EXTRA_DIRS);
}

const MANUAL_HINT =
  '请安装 Redis 或设置 REDIS_URL（install Redis, e.g. `sudo apt-get install -y redis-server`, or set REDIS_URL=redis://host:port）';

/** Finds redis-server, installing the Debian package when it is missing. Throws with a clear message. */
function ensureRedisServer() {
  const found = findRedisServer();
  if (found) return found;

  aptInstall(
    ['redis-server'],
    '未找到 redis-server，正在通过 apt-get 安装（redis-server not found: installing the Debian package redis-server）',
    MANUAL_HINT,
  );

  const installed = findRedisServer();
  if (!installed)
    throw new Error(`安装后仍未找到 redis-server（redis-server still not found after installing）。${MANUAL_HINT}`);
  return installed;
}

/**
 * Starts `redis-server` on a free port and waits until it answers PING.
 * @returns {Promise<{url: string, port: number, stop: () => Promise<void>, onUnexpectedExit: (cb: Function) => void}>}
 */
async function startRedis({ bin, dir, preferredPorts = [], excludePorts = new Set(), logFile = null }) {
  fs.mkdirSync(dir, { recursive: true });
  const recent = new RingLog(60);
  const logStream = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : null;
  const tried = new Set(excludePorts);

  for (let attempt = 0; ; attempt++) {
    const port = await pickPort(attempt === 0 ? preferredPorts : [], tried);
    tried.add(port);
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction', // BullMQ requires noeviction
      '--dir',
      dir,
      '--daemonize',
      'no',
    ];
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk) => {
      recent.push(chunk.toString('utf8'));
      if (logStream) logStream.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let exited = false;
    const exitPromise = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      }),
    );
    let spawnError = null;
    child.once('error', (e) => {
      spawnError = e;
      exited = true;
    });

    const deadline = Date.now() + 15_000;
    let ready = false;
    while (!exited && Date.now() < deadline) {
      if (await redisPing(port)) {
        ready = true;
        break;
      }
      await sleep(50);
    }
    if (!ready) {
      if (!exited) {
        child.kill('SIGKILL');
        await exitPromise;
      }
      const text = recent.toString();
      if (attempt < 2 && /Address already in use/i.test(text)) continue;
      if (logStream) logStream.end();
      throw new Error(
        `Redis 启动失败（redis-server failed to start${spawnError ? `: ${spawnError.message}` : ''}）\n${text}`,
      );
    }

    let stopping = false;
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      recent,
      onUnexpectedExit(cb) {
        exitPromise.then(({ code, signal }) => stopping || cb(code, signal, recent));
      },
      async stop() {
        stopping = true;
        if (!exited) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exitPromise;
          clearTimeout(timer);
        }
        if (logStream) await new Promise((resolve) => logStream.end(resolve));
      },
    };
  }
}

module.exports = { findRedisServer, ensureRedisServer, startRedis };
