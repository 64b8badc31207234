import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { inflateSync } from 'zlib';

/** Where rendered pages are kept for a person to look at (git-ignored). */
export const SCREENSHOTS_DIR = join(__dirname, '..', '..', 'test-results', 'screenshots', 'documents');

/** The text of a PDF as poppler's `pdftotext` extracts it (layout kept), with whitespace collapsed. */
export function pdfText(pdf: Buffer): string {
  const out = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf });
  return out.toString('utf8');
}

/** `pdffonts`: every font of the PDF with whether it is embedded. */
export function pdfFonts(pdf: Buffer): { name: string; embedded: boolean }[] {
  const dir = mkdtempSync(join(tmpdir(), 'pf-pdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    const lines = execFileSync('pdffonts', [file]).toString('utf8').split('\n').slice(2).filter(Boolean);
    // name type encoding emb sub uni object ID — the name never contains spaces in pdfkit's output
    return lines.map((l) => {
      const cols = l.trim().split(/\s+/);
      return { name: cols[0], embedded: cols[cols.length - 5] === 'yes' };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Glyph ids drawn by the PDF's text operators. pdfkit writes text as hex glyph ids (`<00a1002f> Tj/TJ`) of
 * an Identity-H font; glyph 0 is `.notdef`, the empty box a font draws for a character it does not have.
 */
export function drawnGlyphIds(pdf: Buffer): number[] {
  const raw = pdf.toString('latin1');
  const ids: number[] = [];
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    const head = raw.slice(Math.max(0, m.index - 300), m.index);
    if (!/FlateDecode/.test(head.slice(head.lastIndexOf('<<')))) continue;
    let text: string;
    try {
      text = inflateSync(pdf.subarray(start, end)).toString('latin1');
    } catch {
      continue;
    }
    if (!/BT[\s\S]*ET/.test(text)) continue;
    for (const arr of text.matchAll(/\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]+)>\s*Tj/g)) {
      const hexes = arr[1] ? [...arr[1].matchAll(/<([0-9a-fA-F]+)>/g)].map((x) => x[1]) : [arr[2]];
      for (const hex of hexes) for (let i = 0; i + 4 <= hex.length; i += 4) ids.push(parseInt(hex.slice(i, i + 4), 16));
    }
  }
  return ids;
}

/**
 * Renders every page with poppler's `pdftoppm`: PNGs kept under screenshots/<name>-<page>.png for a person to
 * look at, and for each page the share of dark pixels (a blank or fontless page has almost none).
 */
export function renderPages(pdf: Buffer, name: string): { png: string; inkShare: number }[] {
  const dir = mkdtempSync(join(tmpdir(), 'pf-pdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, pdf);
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    execFileSync('pdftoppm', ['-r', '100', '-png', file, join(SCREENSHOTS_DIR, name)]);
    execFileSync('pdftoppm', ['-r', '40', '-gray', file, join(dir, 'page')]);
    const pgms = readdirSync(dir)
      .filter((f) => f.endsWith('.pgm'))
      .sort();
    const pngs = readdirSync(SCREENSHOTS_DIR)
      .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
      .sort();
    return pgms.map((f, i) => ({
      png: join(SCREENSHOTS_DIR, pngs[i] ?? ''),
      inkShare: inkShare(readFileSync(join(dir, f))),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Share of pixels darker than mid-grey in a binary PGM (P5) image. */
function inkShare(pgm: Buffer): number {
  // header: P5 <w> <h> <max> then one whitespace byte, then w*h bytes
  const header = pgm.subarray(0, 64).toString('latin1');
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(header);
  if (!m) throw new Error('not a binary PGM');
  const [w, h] = [Number(m[1]), Number(m[2])];
  const pixels = pgm.subarray(m[0].length, m[0].length + w * h);
  let dark = 0;
  for (const p of pixels) if (p < 128) dark++;
  return dark / (w * h);
}
