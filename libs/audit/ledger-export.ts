import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { PassThrough } from 'node:stream';
import type { StateValue } from 'xstate';
import type { WorkflowDefinition } from '../../workflows/kernel/definition';
import { ZONE } from '../calendar/calendar-data';
import { stateValueTitle } from '../engine/state-paths';
import type { WorkflowRegistry } from '../engine/workflow-registry';
import type { HistoryActor } from '../engine/cases.repository';

/**
 * The ledger (台帐) export of the audit log: the events `GET /audit/events` selects, as an `.xlsx`
 * workbook a clerk reads — one sheet 「台帐」 (one row per event, in Chinese, times in Asia/Shanghai) and
 * one sheet 「校验」 (the hash-chain verification of every case in it). Building the rows and rendering
 * the workbook are pure; AuditService loads the data.
 */

/** Most rows one export may hold; beyond it the caller is asked to narrow the filter (422). */
export const LEDGER_MAX_ROWS = 50_000;

export const LEDGER_TITLE = '律师行业党建流程台帐';
export const LEDGER_SHEET = '台帐';
export const VERIFY_SHEET = '校验';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Column headers of the 台帐 sheet, in order. */
export const LEDGER_HEADERS = [
  '序号',
  '时间',
  '流程',
  '案件编号',
  '办理对象',
  '环节（前→后）',
  '事项',
  '办理人',
  '角色',
  '所在组织',
  '意见/说明',
  '哈希',
] as const;
const LEDGER_WIDTHS = [8, 18, 16, 38, 22, 36, 28, 28, 12, 30, 40, 68];

/** Chinese names of the roles (`role_assignments.role`). */
export const ROLE_TITLES: Record<string, string> = {
  admin: '管理员',
  supervisor: '督查员',
  clerk: '党务干事',
  orgdept: '组织部门',
};

/** The opening row of every case (written by the engine, not an event of the workflow). */
const OPEN_TITLE = '发起流程';

/** One history row as the ledger query returns it (the `GET /audit/events` columns plus the case's definition and subject). */
export interface LedgerEvent {
  caseId: string;
  workflow: string;
  definitionVersion: number;
  seq: number;
  at: Date | string;
  actor: HistoryActor;
  type: string;
  data: unknown;
  comment: string | null;
  from: unknown;
  to: unknown;
  hash: string;
  prevHash: string;
  subject: { memberId?: string; firmId?: string; orgId?: string } | null;
}

/** Names shown instead of ids (username → display name; org, member and firm id → name). */
export interface LedgerNames {
  users: Map<string, string>;
  orgs: Map<string, string>;
  members: Map<string, string>;
  firms: Map<string, string>;
  /** Name of the filter's organization, when the caller may see it. */
  filterOrg?: string;
  /** Name of the filter's user, when the rows show it. */
  filterUser?: string;
}

export interface LedgerFilter {
  orgId?: string;
  userId?: string;
  workflow?: string;
  type?: string;
  from?: string;
  to?: string;
}

export interface LedgerRow {
  at: string;
  workflow: string;
  caseId: string;
  subject: string;
  steps: string;
  event: string;
  actor: string;
  role: string;
  org: string;
  comment: string;
  hash: string;
}

export interface LedgerCaseCheck {
  caseId: string;
  workflow: string;
  subject: string;
  checked: number;
  ok: boolean;
  brokenSeq?: number;
  reason?: string;
}

/** Everything the workbook shows, as text. */
export interface Ledger {
  /** e.g. `流程：组织关系接转；时间：2026-03-01 起`, or `全部记录` */
  filter: string;
  exportedAt: string;
  exportedBy: string;
  rows: LedgerRow[];
  verification: { ok: boolean; cases: number; checked: number; checkedAt: string; perCase: LedgerCaseCheck[] };
}

/** `2026-03-02 10:05`, the Asia/Shanghai minute of an instant. */
export function shanghaiMinute(at: Date | string): string {
  return DateTime.fromJSDate(new Date(at), { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm');
}

/** `律师行业党建流程台帐_20260302-1005.xlsx` (Asia/Shanghai). */
export function ledgerFileName(at: Date): string {
  return `${LEDGER_TITLE}_${DateTime.fromJSDate(at, { zone: ZONE }).toFormat('yyyyMMdd-HHmm')}.xlsx`;
}

/** `attachment; filename*=UTF-8''…` (RFC 6266 / RFC 5987: the Chinese name percent-encoded as UTF-8). */
export function attachmentDisposition(fileName: string): string {
  const encoded = encodeURIComponent(fileName).replace(
    /['()*!]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename*=UTF-8''${encoded}`;
}

/** The definition a case runs on (its own version; the latest when that one is no longer registered). */
function definitionOf(registry: WorkflowRegistry, key: string, version: number): WorkflowDefinition | undefined {
  try {
    return registry.get(key, version);
  } catch {
    return registry.has(key) ? registry.latest(key) : undefined;
  }
}

/** Chinese title of an event type: the workflow's own title, `发起流程` for the opening row. */
function eventTitle(def: WorkflowDefinition | undefined, type: string): string {
  if (type === 'OPEN') return OPEN_TITLE;
  return def?.events[type]?.title ?? type;
}

/** Chinese title of a state value, as the case page and the inbox word it (`发展对象培养（待集中培训、…）`). */
function stateTitle(def: WorkflowDefinition | undefined, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'string' && typeof value !== 'object') return String(value);
  return stateValueTitle(def ?? { states: {} }, value as StateValue);
}

function subjectName(names: LedgerNames, subject: LedgerEvent['subject']): string {
  if (!subject) return '';
  if (subject.memberId) return names.members.get(subject.memberId) ?? subject.memberId;
  if (subject.firmId) return names.firms.get(subject.firmId) ?? subject.firmId;
  if (subject.orgId) return names.orgs.get(subject.orgId) ?? subject.orgId;
  return '';
}

/** `流程：组织关系接转；事项：同意转出；时间：2026-03-01 起，2026-04-01 前` — what the export was asked for, in Chinese. */
function describeFilter(f: LedgerFilter, names: LedgerNames, registry: WorkflowRegistry): string {
  const parts: string[] = [];
  const def = f.workflow && registry.has(f.workflow) ? registry.latest(f.workflow) : undefined;
  if (f.workflow) parts.push(`流程：${def?.title ?? f.workflow}`);
  if (f.type) {
    const owner = def ?? registry.list().find((d) => d.events[f.type!]);
    parts.push(`事项：${eventTitle(owner, f.type)}`);
  }
  if (f.orgId) parts.push(`组织：${names.filterOrg ?? f.orgId}（含下级）`);
  if (f.userId) parts.push(`办理人：${names.filterUser ?? f.userId}`);
  if (f.from || f.to)
    parts.push(`时间：${[f.from && `${f.from} 起`, f.to && `${f.to} 前`].filter(Boolean).join('，')}`);
  return parts.length ? parts.join('；') : '全部记录';
}

/** The ledger's text: one row per event (in the query's order) and the verification of each case in it. */
export function buildLedger(args: {
  events: LedgerEvent[];
  names: LedgerNames;
  checks: { caseId: string; ok: boolean; checked: number; brokenAt?: { seq: number; reason: string } }[];
  filter: LedgerFilter;
  registry: WorkflowRegistry;
  exportedAt: Date;
  exportedBy: string;
}): Ledger {
  const { events, names, checks, registry } = args;
  const cases = new Map<string, { workflow: string; subject: string }>();
  const rows = events.map((e): LedgerRow => {
    const def = definitionOf(registry, e.workflow, e.definitionVersion);
    const workflow = def?.title ?? e.workflow;
    const subject = subjectName(names, e.subject);
    if (!cases.has(e.caseId)) cases.set(e.caseId, { workflow, subject });
    const system = !e.actor?.userId && e.actor?.username === 'system';
    return {
      at: shanghaiMinute(e.at),
      workflow,
      caseId: e.caseId,
      subject,
      steps: `${stateTitle(def, e.from)} → ${stateTitle(def, e.to)}`,
      event: eventTitle(def, e.type),
      actor: system ? '系统' : (names.users.get(e.actor?.username) ?? e.actor?.username ?? ''),
      role: system ? '系统自动办理' : e.actor?.role ? (ROLE_TITLES[e.actor.role] ?? e.actor.role) : '',
      org: e.actor?.orgId ? (names.orgs.get(e.actor.orgId) ?? e.actor.orgId) : '',
      comment: e.comment ?? '',
      hash: e.hash,
    };
  });
  const perCase = checks.map((c): LedgerCaseCheck => ({
    caseId: c.caseId,
    workflow: cases.get(c.caseId)?.workflow ?? '',
    subject: cases.get(c.caseId)?.subject ?? '',
    checked: c.checked,
    ok: c.ok,
    ...(c.brokenAt ? { brokenSeq: c.brokenAt.seq, reason: c.brokenAt.reason } : {}),
  }));
  const at = shanghaiMinute(args.exportedAt);
  return {
    filter: describeFilter(args.filter, names, registry),
    exportedAt: at,
    exportedBy: args.exportedBy,
    rows,
    verification: {
      ok: perCase.every((c) => c.ok),
      cases: perCase.length,
      checked: perCase.reduce((n, c) => n + c.checked, 0),
      checkedAt: at,
      perCase,
    },
  };
}

/** The verdict line of the 校验 sheet. */
export function verdict(v: Ledger['verification']): string {
  if (!v.cases) return '无记录：本次导出没有案件需要校验';
  if (v.ok) return `完整：所导出的 ${v.cases} 件案件共 ${v.checked} 条记录与哈希链一致，未发现篡改、删除或插入`;
  const broken = v.perCase.filter((c) => !c.ok).length;
  return `发现异常：${broken} 件案件的记录链不完整（已被改动、删除或插入），详见下表`;
}

const BOLD = { bold: true } as const;
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };
const THIN: ExcelJS.Borders = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
  diagonal: {},
} as ExcelJS.Borders;

/**
 * Renders the ledger as an `.xlsx` file (streaming writer: tens of thousands of rows without building
 * the whole workbook in memory).
 */
export async function renderLedgerXlsx(ledger: Ledger): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    out.on('end', resolve);
    out.on('error', reject);
  });
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: true });
  wb.creator = 'PartyFlow';
  wb.title = LEDGER_TITLE;

  // ------------------------------------------------------------------ 台帐
  const cols = LEDGER_HEADERS.length;
  const sheet = wb.addWorksheet(LEDGER_SHEET, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 2, topLeftCell: 'A3', activeCell: 'A3' }],
    pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  sheet.columns = LEDGER_WIDTHS.map((width, i) => ({ key: `c${i}`, width }));
  sheet.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2 + ledger.rows.length, column: cols } };
  // title row: the ledger's name, then what was exported, when and by whom
  const title = sheet.addRow([
    {
      richText: [
        { text: LEDGER_TITLE, font: { bold: true, size: 16 } },
        {
          text: `\n筛选条件：${ledger.filter}　　导出时间：${ledger.exportedAt}（北京时间）　　导出人：${ledger.exportedBy}　　共 ${ledger.rows.length} 条`,
          font: { size: 10 },
        },
      ],
    },
  ]);
  title.height = 44;
  title.getCell(1).alignment = { wrapText: true, vertical: 'middle' };
  sheet.mergeCells(1, 1, 1, cols);
  title.commit();
  const header = sheet.addRow([...LEDGER_HEADERS]);
  header.eachCell((cell) => {
    cell.font = BOLD;
    cell.fill = HEADER_FILL;
    cell.border = THIN;
    cell.alignment = { vertical: 'middle', horizontal: 'center' };
  });
  header.commit();
  ledger.rows.forEach((r, i) => {
    const row = sheet.addRow([
      i + 1,
      r.at,
      r.workflow,
      r.caseId,
      r.subject,
      r.steps,
      r.event,
      r.actor,
      r.role,
      r.org,
      r.comment,
      r.hash,
    ]);
    row.alignment = { vertical: 'top' };
    row.getCell(11).alignment = { wrapText: true, vertical: 'top' };
    row.commit();
  });
  sheet.commit();

  // ------------------------------------------------------------------ 校验
  const v = ledger.verification;
  const check = wb.addWorksheet(VERIFY_SHEET, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 9, topLeftCell: 'A10', activeCell: 'A10' }],
  });
  check.columns = [8, 38, 16, 22, 10, 10, 16, 40].map((width, i) => ({ key: `v${i}`, width }));
  const heading = check.addRow(['台帐哈希链校验']);
  heading.getCell(1).font = { bold: true, size: 14 };
  check.mergeCells(1, 1, 1, 8);
  heading.commit();
  const facts: [string, string | number][] = [
    ['结论', verdict(v)],
    ['校验案件数', v.cases],
    ['校验记录数', v.checked],
    ['校验时间', `${v.checkedAt}（北京时间）`],
    ['筛选条件', ledger.filter],
    [
      '校验方法',
      '对所导出案件的全部历史记录（含筛选范围以外的记录）逐条重算 SHA-256 哈希，核对与前一条记录的链接及案件当前版本；任何记录被改动、删除或插入，校验即不通过。',
    ],
  ];
  facts.forEach(([k, value], i) => {
    const row = check.addRow([k, value]);
    row.getCell(1).font = BOLD;
    row.getCell(2).alignment = { wrapText: true, vertical: 'top' };
    if (i === 0) row.getCell(2).font = { bold: true, color: { argb: v.ok ? 'FF006100' : 'FF9C0006' } };
    // merged cells do not grow with wrapped text: room for two lines where the text is long
    if (String(value).length > 60) row.height = 32;
    check.mergeCells(row.number, 2, row.number, 8);
    row.commit();
  });
  check.addRow([]).commit();
  const tableHeader = check.addRow([
    '序号',
    '案件编号',
    '流程',
    '办理对象',
    '记录数',
    '结果',
    '异常位置（序号）',
    '说明',
  ]);
  tableHeader.eachCell((cell) => {
    cell.font = BOLD;
    cell.fill = HEADER_FILL;
    cell.border = THIN;
  });
  tableHeader.commit();
  v.perCase.forEach((c, i) => {
    const row = check.addRow([
      i + 1,
      c.caseId,
      c.workflow,
      c.subject,
      c.checked,
      c.ok ? '完整' : '异常',
      c.brokenSeq ?? '',
      c.reason ?? '',
    ]);
    if (!c.ok) row.getCell(6).font = { bold: true, color: { argb: 'FF9C0006' } };
    row.commit();
  });
  check.commit();

  await wb.commit();
  await done;
  return Buffer.concat(chunks);
}
