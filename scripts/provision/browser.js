'use strict';
/**
 * The browser of the console's end-to-end tests: Debian's `chromium`, driven by playwright-core through
 * its executablePath, and `fonts-noto-cjk` so Chinese text renders (screenshots, layout). Both are
 * installed with apt-get when missing, like redis-server; nothing is downloaded from anywhere else.
 */
const fs = require('fs');
const { spawnSync } = require('child_process');
const { which, aptInstall } = require('./common');

const DIRS = ['/usr/bin', '/usr/local/bin', '/snap/bin'];
const HINT =
  '请安装 Chromium 与中文字体或设置 CHROMIUM_PATH（install them, e.g. `sudo apt-get install -y chromium fonts-noto-cjk`, or set CHROMIUM_PATH）';

function findChromium() {
  if (process.env.CHROMIUM_PATH && fs.existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  return which('chromium', DIRS) || which('chromium-browser', DIRS);
}

/** True when fonts-noto-cjk is installed (or when this is not a dpkg system, where we cannot tell). */
function hasCjkFonts() {
  const dpkg = which('dpkg-query', ['/usr/bin']);
  if (!dpkg) return true;
  const r = spawnSync(dpkg, ['-W', '-f=${Status}', 'fonts-noto-cjk'], { encoding: 'utf8' });
  return r.status === 0 && /install ok installed/.test(r.stdout);
}

/** Path of the chromium binary, installing chromium and/or fonts-noto-cjk first when missing. */
function ensureBrowser() {
  const missing = [];
  if (!findChromium()) missing.push('chromium');
  if (!hasCjkFonts()) missing.push('fonts-noto-cjk');
  if (missing.length)
    aptInstall(
      missing,
      `未找到 ${missing.join('、')}，正在通过 apt-get 安装（installing ${missing.join(', ')} for the browser tests）`,
      HINT,
    );
  const bin = findChromium();
  if (!bin) throw new Error(`安装后仍未找到 chromium（chromium still not found after installing）。${HINT}`);
  return bin;
}

module.exports = { ensureBrowser, findChromium };
