import type { CjkFaceName, LoadedFace } from './cjk-font';
import {
  BODY_GAP,
  BODY_SIZE,
  chineseDate,
  cutLine,
  letterNumber,
  MARGIN_X,
  newDocument,
  paragraph,
  rightLine,
  sealBlock,
  title,
  toBuffer,
} from './pdf-layout';

/** What the letter and its receipt print, read from the case, the registry and the history. */
export interface TransferLetterData {
  letterNo: string;
  /** ISO dates: the day the letter was issued and the last day it is valid. */
  issuedOn: string;
  validUntil: string;
  member: {
    name: string;
    gender: 'male' | 'female' | null;
    birthDate: string | null;
    /** Whole for those who print letters, masked otherwise (see DocumentsService). */
    idNumber: string;
    status: string;
  };
  /** The member's organization before the transfer (null for an external sender). */
  fromOrgName: string | null;
  /** The receiving organization. */
  toOrgName: string;
  /** The committee that issued (signed) the letter, or the external sender. */
  issuingOrgName: string | null;
  /** ISO date the member reported to the receiving organization (the receipt is filled in from it). */
  reportedOn?: string | null;
}

const GENDER: Record<string, string> = { male: '男', female: '女' };

/** 正式 / 预备 as the letter words it (a transfer concerns party members only). */
export function partyStanding(status: string): string {
  return status === 'probationary' ? '预备' : '正式';
}

/** Age in whole years on `on` (ISO dates). */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.slice(0, 10).split('-').map(Number);
  const [y, m, d] = on.slice(0, 10).split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Calendar days from the issue date to the last day of validity, both counted (as the letter states it). */
export function validityDays(issuedOn: string, validUntil: string): number {
  const day = (s: string) => {
    const [y, m, d] = s.slice(0, 10).split('-').map(Number);
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((day(validUntil) - day(issuedOn)) / 86_400_000) + 1;
}

/**
 * 中国共产党党员组织关系介绍信 in the national layout on one A4 sheet: the stub (存根) kept by the issuing
 * committee, the letter itself, and the receipt (回执) the receiving organization returns, separated by cut
 * lines, each with the letter number.
 */
export async function renderTransferLetter(
  fonts: Record<CjkFaceName, LoadedFace>,
  d: TransferLetterData,
): Promise<Buffer> {
  const doc = newDocument(fonts, `党员组织关系介绍信 ${d.letterNo}`);
  const no = letterNumber(d.letterNo);
  const standing = partyStanding(d.member.status);
  const days = validityDays(d.issuedOn, d.validUntil);
  const from = d.fromOrgName ?? '';
  const validity = `（有效期 ${days} 天，至${chineseDate(d.validUntil)}）`;

  // ---- 存根 (stub)
  let y = title(doc, '中国共产党党员组织关系介绍信', 44, 15, '（存根）');
  y = rightLine(doc, no, y - 6);
  y = paragraph(
    doc,
    [
      { value: d.member.name },
      `同志系中共${standing}党员，组织关系由`,
      { value: from },
      '转到',
      { value: d.toOrgName },
      '。',
    ],
    y + 2,
  );
  doc
    .font('regular')
    .fontSize(BODY_SIZE)
    .text(validity, MARGIN_X + 2 * BODY_SIZE, y, { lineBreak: false });
  y = rightLine(doc, chineseDate(d.issuedOn), y, 24);
  y = cutLine(doc, y + 8, `${no}（骑缝）`);

  // ---- 介绍信 (the letter)
  y = title(doc, '中国共产党党员组织关系介绍信', y + 10, 18);
  y = rightLine(doc, no, y - 4);
  doc
    .font('regular')
    .fontSize(BODY_SIZE)
    .text(`${d.toOrgName}：`, MARGIN_X, y + 2, { lineBreak: false });
  y += BODY_SIZE + BODY_GAP + 4;
  const age = d.member.birthDate ? String(ageOn(d.member.birthDate, d.issuedOn)) : null;
  y = paragraph(
    doc,
    [
      { value: d.member.name },
      '同志（',
      d.member.gender ? GENDER[d.member.gender] : { blank: 2 },
      '），',
      age ? { value: age } : { blank: 2 },
      '岁，',
      { blank: 3 },
      '族，系中共',
      { value: standing },
      '党员，身份证号码',
      { value: d.member.idNumber },
      '，由',
      { value: from },
      '去',
      { value: d.toOrgName },
      '，请转接组织关系。',
    ],
    y,
  );
  y = paragraph(doc, ['该同志党费已交到', { blank: 3 }, '年', { blank: 2 }, '月。'], y);
  y = paragraph(doc, [validity], y);
  y = sealBlock(doc, d.issuingOrgName, chineseDate(d.issuedOn), y + 4);
  doc.font('regular').fontSize(10.5);
  const small = { size: 10.5, gap: 4, indent: 0 };
  y = paragraph(doc, ['党员联系电话或其他联系方式：', { blank: 12 }], y, small);
  y = paragraph(doc, ['党员原所在基层党委通讯地址：', { blank: 20 }], y, small);
  y = paragraph(doc, ['联系电话：', { blank: 7 }, '　传真：', { blank: 7 }, '　邮编：', { blank: 5 }], y, small);
  y = cutLine(doc, y + 6, `${no}（骑缝）`);

  // ---- 回执 (receipt, filled in by the receiving organization)
  receipt(doc, { ...d, no, reportedOn: null }, y + 10);
  return toBuffer(doc);
}

/** 中国共产党党员组织关系介绍信回执, filled in once the member has reported to the receiving organization. */
export async function renderTransferReceipt(
  fonts: Record<CjkFaceName, LoadedFace>,
  d: TransferLetterData,
): Promise<Buffer> {
  const doc = newDocument(fonts, `党员组织关系介绍信回执 ${d.letterNo}`, 'A5-landscape');
  receipt(doc, { ...d, no: letterNumber(d.letterNo) }, 56);
  return toBuffer(doc);
}

function receipt(doc: PDFKit.PDFDocument, d: TransferLetterData & { no: string }, y0: number): number {
  let y = title(doc, '中国共产党党员组织关系介绍信回执', y0, 16);
  y = rightLine(doc, d.no, y - 4);
  doc
    .font('regular')
    .fontSize(BODY_SIZE)
    .text(`${d.issuingOrgName ?? ''}：`, MARGIN_X, y + 2, { lineBreak: false });
  y += BODY_SIZE + BODY_GAP + 4;
  y = paragraph(doc, [{ value: d.member.name }, '同志的党员组织关系已转达我处，特此回执。'], y);
  // the receiving organization signs the receipt; its name is printed only once the member has reported
  return sealBlock(doc, d.reportedOn ? d.toOrgName : null, chineseDate(d.reportedOn), y + 6);
}
