import PDFDocument from 'pdfkit';
import type { LoadedFace, CjkFaceName } from './cjk-font';

/** A4 portrait in PDF points (1 pt = 1/72 in). */
export const A4 = { width: 595.28, height: 841.89 };
/** Left/right margins of 22 mm and the text width between them. */
export const MARGIN_X = 62;
export const TEXT_WIDTH = A4.width - 2 * MARGIN_X;
/** Body text: 小四 (12 pt) with a line gap that gives roughly the 1.5 spacing of typed official letters. */
export const BODY_SIZE = 12;
export const BODY_GAP = 7;
/** Two full-width characters: the first-line indent of Chinese paragraphs. */
export const INDENT = 2 * BODY_SIZE;

/** A run of a paragraph: plain text, or a value filled in (underlined), or a blank to write by hand. */
export type Run = string | { value: string } | { blank: number };

/** `2026年12月2日` from an ISO date (the calendar date, as the case recorded it). */
export function chineseDate(isoDate: string | undefined | null): string {
  if (!isoDate) return '        年    月    日';
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

/** A new A4 document with the CJK faces registered as `regular` and `bold`, and its metadata. */
export function newDocument(
  fonts: Record<CjkFaceName, LoadedFace>,
  title: string,
  size: 'A4' | 'A5-landscape' = 'A4',
): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    // A5 landscape is the upper half of an A4 sheet: same width, so one layout serves both
    size: size === 'A4' ? 'A4' : [A4.width, A4.height / 2],
    margins: { top: 48, bottom: 40, left: MARGIN_X, right: MARGIN_X },
    info: { Title: title, Author: 'PartyFlow 律师行业党建流程引擎', Creator: 'PartyFlow' },
    lang: 'zh-CN',
    // kept in memory until the end, so page numbers can be written once the page count is known
    bufferPages: true,
    displayTitle: true,
  });
  doc.registerFont('regular', fonts.regular.data, fonts.regular.postscriptName);
  doc.registerFont('bold', fonts.bold.data, fonts.bold.postscriptName);
  doc.font('regular').fontSize(BODY_SIZE);
  return doc;
}

/** The finished document as one buffer. */
export function toBuffer(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const { start, count } = doc.bufferedPageRange();
  if (count > 1)
    for (let i = start; i < start + count; i++) {
      doc.switchToPage(i);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0; // writing inside the margin must not open a new page
      const label = `第 ${i - start + 1} 页  共 ${count} 页`;
      doc.font('regular').fontSize(9);
      doc.text(label, (doc.page.width - doc.widthOfString(label)) / 2, doc.page.height - 28, { lineBreak: false });
      doc.page.margins.bottom = bottom;
    }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

/** A centred title at `y`; returns the y below it. */
export function title(doc: PDFKit.PDFDocument, text: string, y: number, size = 18, suffix?: string): number {
  doc.font('bold').fontSize(size);
  const w = doc.widthOfString(text);
  let sw = 0;
  if (suffix) {
    doc.font('regular').fontSize(size - 4);
    sw = doc.widthOfString(suffix);
  }
  const x = (A4.width - w - sw) / 2;
  doc.font('bold').fontSize(size).text(text, x, y, { lineBreak: false });
  if (suffix)
    doc
      .font('regular')
      .fontSize(size - 4)
      .text(suffix, x + w, y + 3, { lineBreak: false });
  doc.font('regular').fontSize(BODY_SIZE);
  return y + size + 14;
}

/** Right-aligned single line (letter number, dates, signatures) at `y`; returns the y below it. */
export function rightLine(doc: PDFKit.PDFDocument, text: string, y: number, rightInset = 0, size = BODY_SIZE): number {
  doc.font('regular').fontSize(size);
  const w = doc.widthOfString(text);
  doc.text(text, A4.width - MARGIN_X - rightInset - w, y, { lineBreak: false });
  return y + size + BODY_GAP;
}

/** `第 X 号`, unless the number already reads that way (`赣律党转〔2026〕12号`). */
export function letterNumber(letterNo: string): string {
  const n = letterNo.trim();
  return /号$/.test(n) ? n : `第 ${n} 号`;
}

/**
 * A paragraph at `y` made of runs: filled-in values are underlined (as on a printed form), blanks are an
 * underlined gap of `blank` full-width characters. Returns the y below the paragraph.
 */
export function paragraph(
  doc: PDFKit.PDFDocument,
  runs: Run[],
  y: number,
  opts: { indent?: number; size?: number; gap?: number; x?: number; width?: number } = {},
): number {
  const size = opts.size ?? BODY_SIZE;
  const gap = opts.gap ?? BODY_GAP;
  const x = opts.x ?? MARGIN_X;
  const width = opts.width ?? TEXT_WIDTH;
  doc.font('regular').fontSize(size);
  const parts = runs.filter((r) => r !== '');
  parts.forEach((r, i) => {
    const last = i === parts.length - 1;
    const base = { continued: !last, lineGap: gap, width, align: 'left' as const };
    const first = i === 0 ? { indent: opts.indent ?? INDENT } : {};
    const text = typeof r === 'string' ? r : 'value' in r ? `\u00a0${r.value}\u00a0` : '\u3000'.repeat(r.blank);
    const underline = typeof r !== 'string';
    if (i === 0) doc.text(text, x, y, { ...base, ...first, underline });
    else doc.text(text, { ...base, underline });
  });
  // doc.y is already below the last line's gap
  return doc.y + 2;
}

/** A dashed cut line across the page with a small caption in its middle. */
export function cutLine(doc: PDFKit.PDFDocument, y: number, caption: string): number {
  doc.font('regular').fontSize(8);
  const w = doc.widthOfString(caption) + 12;
  const mid = A4.width / 2;
  doc.save().lineWidth(0.6).dash(4, { space: 3 }).strokeColor('#555555');
  doc
    .moveTo(MARGIN_X - 20, y)
    .lineTo(mid - w / 2, y)
    .stroke();
  doc
    .moveTo(mid + w / 2, y)
    .lineTo(A4.width - MARGIN_X + 20, y)
    .stroke();
  doc.restore();
  doc
    .fillColor('#555555')
    .text(caption, mid - w / 2 + 6, y - 4, { lineBreak: false })
    .fillColor('black');
  doc.font('regular').fontSize(BODY_SIZE);
  return y + 14;
}

/**
 * The signature block of an issuing organization, right-aligned: its name, the date under it, and a dashed
 * circle where the seal goes (a seal is pressed over the name and date, as on every stamped letter).
 */
export function sealBlock(doc: PDFKit.PDFDocument, orgName: string | null, date: string, y: number): number {
  doc.font('regular').fontSize(BODY_SIZE);
  const lines = [orgName ?? '', '（盖章）', date].filter(Boolean);
  const blockWidth = Math.max(...lines.map((l) => doc.widthOfString(l)), 150);
  const x = A4.width - MARGIN_X - blockWidth - 10;
  let ly = y;
  for (const l of lines) {
    const w = doc.widthOfString(l);
    doc.text(l, x + (blockWidth - w) / 2, ly, { lineBreak: false });
    ly += BODY_SIZE + BODY_GAP;
  }
  // seal placeholder: a 42 mm seal is the common size of a party committee's seal
  const r = 56;
  const cx = x + blockWidth / 2;
  const cy = y + (ly - y) / 2 - 4;
  doc.save().lineWidth(0.5).dash(2, { space: 2 }).strokeColor('#b22222').circle(cx, cy, r).stroke().restore();
  return Math.max(ly, cy + r) + 6;
}

/** A bordered two-column table (label | value) from `y`, breaking pages as needed; returns the y below it. */
export function table(
  doc: PDFKit.PDFDocument,
  rows: [string, string][],
  y: number,
  opts: { labelWidth?: number; size?: number; header?: [string, string]; padding?: number; labelBold?: boolean } = {},
): number {
  const size = opts.size ?? 11;
  const lw = opts.labelWidth ?? 120;
  const vw = TEXT_WIDTH - lw;
  const pad = opts.padding ?? 6;
  const bottom = doc.page.height - doc.page.margins.bottom;
  const all: { cells: [string, string]; bold: boolean }[] = [
    ...(opts.header ? [{ cells: opts.header, bold: true }] : []),
    ...rows.map((cells) => ({ cells, bold: false })),
  ];
  for (const { cells, bold } of all) {
    doc.font(bold ? 'bold' : 'regular').fontSize(size);
    const h =
      Math.max(
        doc.heightOfString(cells[0] || ' ', { width: lw - 2 * pad }),
        doc.heightOfString(cells[1] || ' ', { width: vw - 2 * pad, lineGap: 3 }),
      ) +
      2 * pad;
    if (y + h > bottom) {
      doc.addPage();
      y = doc.page.margins.top;
    }
    if (bold) doc.save().rect(MARGIN_X, y, TEXT_WIDTH, h).fill('#f0f0f0').restore();
    doc.save().lineWidth(0.6).strokeColor('#333333');
    doc.rect(MARGIN_X, y, lw, h).stroke();
    doc.rect(MARGIN_X + lw, y, vw, h).stroke();
    doc.restore();
    doc
      .font(bold || opts.labelBold !== false ? 'bold' : 'regular')
      .fontSize(size)
      .fillColor('black');
    doc.text(cells[0], MARGIN_X + pad, y + pad, { width: lw - 2 * pad });
    doc
      .font(bold ? 'bold' : 'regular')
      .text(cells[1], MARGIN_X + lw + pad, y + pad, { width: vw - 2 * pad, lineGap: 3 });
    y += h;
  }
  doc.font('regular').fontSize(BODY_SIZE);
  return y;
}
