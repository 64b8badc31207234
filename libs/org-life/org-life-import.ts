import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { isIsoDate } from '../common/iso-date.validator';
import { isMonth, MeetingKind, parseMeetingKind } from './org-life.rules';

/** Largest file taken (bytes) and most data rows: a branch's records of a year fit many times over. */
export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 5000;

/** The columns of an import file, by their Chinese header (English keys accepted too). */
const COLUMNS = {
  type: ['类型', '记录类型', 'type'],
  date: ['日期', '月份', '日期或月份', 'date', 'month'],
  kind: ['会议类型', 'kind'],
  topic: ['主题', '会议主题', 'topic'],
  idNumber: ['身份证号', '身份证号码', 'idNumber'],
  name: ['姓名', 'name'],
  attendance: ['出席', '出席情况', 'attendance'],
  reason: ['缺席原因', '请假事由', 'reason'],
  amount: ['金额', '党费金额', 'amount'],
} as const;
type Column = keyof typeof COLUMNS;

/** One data row, read and checked for its own shape (the registry checks come later, in the service). */
export type ImportRow =
  | {
      row: number;
      type: 'meeting';
      kind: MeetingKind;
      heldOn: string;
      topic: string;
      idNumber: string;
      name: string;
      attended: boolean;
      reason: string | null;
    }
  | { row: number; type: 'dues'; month: string; idNumber: string; name: string; amount: number };

export interface Refusal {
  /** the row number as the spreadsheet shows it (the header is row 1) */
  row: number;
  reason: string;
}

export class ImportFileError extends Error {}

/**
 * The cells of the first sheet of an xlsx or csv file as text, row by row (header first). Dates typed into
 * Excel come back as dates and are written YYYY-MM-DD; CSV cells are taken as written — exceljs's default
 * CSV mapping turns an 18-digit ID number into a rounded float, so it is replaced by the identity.
 */
export async function readTable(file: Buffer, format: 'xlsx' | 'csv'): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  let sheet: ExcelJS.Worksheet | undefined;
  try {
    if (format === 'xlsx') {
      await wb.xlsx.load(file as any);
      sheet = wb.worksheets[0];
    } else {
      const text = file.toString('utf8').replace(/^\uFEFF/, '');
      sheet = await wb.csv.read(Readable.from([text]), { map: (v: unknown) => v } as any);
    }
  } catch {
    throw new ImportFileError(format === 'xlsx' ? '文件不是有效的 xlsx 工作簿' : 'CSV 文件无法解析');
  }
  if (!sheet) throw new ImportFileError('文件中没有工作表');
  const rows: string[][] = [];
  let tooMany = false;
  sheet.eachRow({ includeEmpty: true }, (row, n) => {
    if (n > IMPORT_MAX_ROWS + 1) {
      tooMany = true;
      return;
    }
    const values = (row.values as unknown[]).slice(1).map(cellText);
    rows[n - 1] = values;
  });
  if (tooMany) throw new ImportFileError(`文件超过 ${IMPORT_MAX_ROWS} 行数据，请分批导入`);
  return Array.from(rows, (r) => r ?? []);
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10);
  if (typeof v === 'number') {
    // Excel keeps 15 significant digits: a longer number typed as a number is already wrong
    if (Number.isInteger(v) && Math.abs(v) >= 1e15) return `#NUMBER_TOO_LONG:${v}`;
    return String(v);
  }
  if (typeof v === 'object') {
    const o = v as Record<string, any>;
    if (Array.isArray(o.richText)) return o.richText.map((t: { text: string }) => t.text).join('');
    if ('result' in o) return cellText(o.result);
    if ('text' in o) return String(o.text);
    return '';
  }
  return String(v).trim();
}

/**
 * The data rows of a table read by `readTable`: each either an ImportRow or a refusal with its reason in
 * Chinese. Blank rows are skipped. Pure.
 */
export function parseRows(table: string[][]): { rows: ImportRow[]; refused: Refusal[]; dataRows: number } {
  const header = (table[0] ?? []).map((h) => h.trim());
  const index = {} as Record<Column, number>;
  const missing: string[] = [];
  for (const [col, names] of Object.entries(COLUMNS) as [Column, readonly string[]][]) {
    const i = header.findIndex((h) => names.includes(h));
    index[col] = i;
    if (i < 0 && ['type', 'date', 'idNumber', 'name'].includes(col)) missing.push(names[0]);
  }
  if (missing.length) throw new ImportFileError(`表头缺少列：${missing.join('、')}（第 1 行须为表头）`);
  const rows: ImportRow[] = [];
  const refused: Refusal[] = [];
  let dataRows = 0;
  for (let i = 1; i < table.length; i++) {
    const cells = table[i] ?? [];
    if (cells.every((c) => !c || !c.trim())) continue;
    dataRows++;
    const row = i + 1;
    const get = (c: Column) => (index[c] >= 0 ? (cells[index[c]] ?? '').trim() : '');
    const refuse = (reason: string) => refused.push({ row, reason });
    const idNumber = get('idNumber').toUpperCase();
    const name = get('name');
    if (idNumber.startsWith('#NUMBER_TOO_LONG')) {
      refuse('身份证号被存成了数字（精度已丢失），请将该列设为文本格式后重新填写');
      continue;
    }
    if (!/^\d{17}[\dX]$/.test(idNumber)) {
      refuse(`身份证号“${idNumber}”格式不正确（18 位）`);
      continue;
    }
    if (!name) {
      refuse('姓名为空');
      continue;
    }
    const type = get('type');
    if (type === '会议' || type === 'meeting') {
      const kind = parseMeetingKind(get('kind'));
      if (!kind) {
        refuse(`会议类型“${get('kind')}”无法识别（党员大会、支委会、党小组会、党课、主题党日）`);
        continue;
      }
      const heldOn = get('date');
      if (!isIsoDate(heldOn) || heldOn.length !== 10) {
        refuse(`会议日期“${heldOn}”不是有效日期（YYYY-MM-DD）`);
        continue;
      }
      const topic = get('topic');
      if (!topic || topic.length > 200) {
        refuse(topic ? '会议主题超过 200 字' : '会议主题为空');
        continue;
      }
      const attendance = get('attendance');
      const reason = get('reason');
      if (attendance === '出席' || attendance === 'present') {
        if (reason) {
          refuse('出席的党员不应填写缺席原因');
          continue;
        }
        rows.push({ row, type: 'meeting', kind, heldOn, topic, idNumber, name, attended: true, reason: null });
      } else if (attendance === '缺席' || attendance === 'absent') {
        if (!reason || reason.length > 200) {
          refuse(reason ? '缺席原因超过 200 字' : '缺席须填写原因');
          continue;
        }
        rows.push({ row, type: 'meeting', kind, heldOn, topic, idNumber, name, attended: false, reason });
      } else refuse(`出席情况“${attendance}”无法识别（出席 或 缺席）`);
    } else if (type === '党费' || type === 'dues') {
      const raw = get('date');
      const month = isIsoDate(raw) && raw.length === 10 ? raw.slice(0, 7) : raw;
      if (!isMonth(month)) {
        refuse(`党费月份“${raw}”不是有效月份（YYYY-MM）`);
        continue;
      }
      const text = get('amount');
      const amount = Number(text);
      if (!/^\d+(\.\d{1,2})?$/.test(text) || !(amount > 0) || amount > 1_000_000) {
        refuse(`党费金额“${text}”不正确（大于 0，至多两位小数）`);
        continue;
      }
      rows.push({ row, type: 'dues', month, idNumber, name, amount });
    } else refuse(`类型“${type}”无法识别（会议 或 党费）`);
  }
  return { rows, refused, dataRows };
}
