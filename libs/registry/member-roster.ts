import ExcelJS from 'exceljs';
import { MEMBER_STATUS_TITLES, MemberStatus } from './registry.types';

/** Most members one roster export may hold; beyond it the caller is asked to narrow the filter (422). */
export const ROSTER_MAX_ROWS = 20_000;

export const ROSTER_TITLE = '党员名册';

/** Column headers of the roster sheet, in order. */
export const ROSTER_HEADERS = [
  '序号',
  '姓名',
  '性别',
  '出生日期',
  '政治面貌',
  '身份证号码',
  '所在党组织',
  '执业机构',
  '执业证号',
  '入党日期',
  '备注',
] as const;
const WIDTHS = [8, 12, 8, 12, 14, 22, 34, 30, 20, 12, 16];

/** A member as the list presents it to the caller (masked for everyone but administrators). */
export interface RosterMember {
  name: string;
  gender: string | null;
  birthDate: string | null;
  status: string;
  idNumber: string;
  orgId: string;
  firmId: string | null;
  licenseNo: string | null;
  joinedOn: string | null;
  pendingVerification?: boolean;
}

/**
 * The member roster (党员名册) as an `.xlsx` workbook: a title naming the scope and the day, then one row per
 * member in the list's order, in Chinese. `masked`: the caller sees ID numbers masked and no gender or birth
 * date (as the list shows them), said in those cells rather than left blank as if unknown. Pure: the registry
 * service loads the rows and names.
 */
export async function renderRoster(
  members: RosterMember[],
  names: { orgs: Map<string, string>; firms: Map<string, string> },
  meta: { scope: string; day: string; masked: boolean },
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'PartyFlow';
  const sheet = wb.addWorksheet(ROSTER_TITLE, { views: [{ state: 'frozen', ySplit: 3 }] });
  sheet.columns = WIDTHS.map((width) => ({ width }));
  sheet.mergeCells(1, 1, 1, ROSTER_HEADERS.length);
  sheet.getCell(1, 1).value = `${ROSTER_TITLE}（${meta.scope}）`;
  sheet.getCell(1, 1).font = { bold: true, size: 14 };
  sheet.mergeCells(2, 1, 2, ROSTER_HEADERS.length);
  sheet.getCell(2, 1).value =
    `导出日期 ${meta.day}，共 ${members.length} 名` +
    (meta.masked ? '；身份证号码已脱敏，性别和出生日期仅系统管理员可见' : '');
  const header = sheet.getRow(3);
  header.values = [...ROSTER_HEADERS];
  header.font = { bold: true };
  const hidden = '已隐藏';
  members.forEach((m, i) => {
    sheet.addRow([
      i + 1,
      m.name,
      m.gender === 'male' ? '男' : m.gender === 'female' ? '女' : meta.masked ? hidden : '',
      m.birthDate ?? (meta.masked ? hidden : ''),
      MEMBER_STATUS_TITLES[m.status as MemberStatus] ?? m.status,
      m.idNumber,
      names.orgs.get(m.orgId) ?? '',
      m.firmId ? (names.firms.get(m.firmId) ?? '') : '',
      m.licenseNo ?? '',
      m.joinedOn ?? '',
      m.pendingVerification ? '待核实' : '',
    ]);
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
