'use strict';
/**
 * What the printable documents (PDF letters) need from Debian: `fonts-noto-cjk`, whose Noto Serif CJK SC the
 * server embeds in every PDF, and for the tests `poppler-utils` (pdftoppm renders pages, pdftotext reads
 * the Chinese back). Installed with apt-get when missing, like redis-server and chromium.
 */
const fs = require('fs');
const { which, aptInstall, log } = require('./common');

const FONT = '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc';
const HINT = '请安装中文字体与 PDF 工具（install them, e.g. `sudo apt-get install -y fonts-noto-cjk poppler-utils`）';

/**
 * Installs what is missing. For demo/start only the font, and a failure is a warning (the API works; its
 * PDF documents answer 503 PDF_FONT_UNAVAILABLE); for tests the font and poppler, and a failure stops.
 */
function ensurePdfTools({ forTests }) {
  const missing = [];
  if (!fs.existsSync(FONT)) missing.push('fonts-noto-cjk');
  if (forTests && !which('pdftoppm', ['/usr/bin', '/usr/local/bin'])) missing.push('poppler-utils');
  if (!missing.length) return;
  try {
    aptInstall(
      missing,
      `未找到 ${missing.join('、')}，正在通过 apt-get 安装（installing ${missing.join(', ')} for PDF documents）`,
      HINT,
    );
  } catch (e) {
    if (forTests) throw e;
    log(`无法安装中文字体，PDF 文书将不可用（PDF documents will answer 503）: ${e.message}`);
  }
}

module.exports = { ensurePdfTools };
