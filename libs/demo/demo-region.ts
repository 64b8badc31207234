/**
 * Demo region generator: the Ganzhou (赣州) lawyer-sector party organizations, law firms, members and the
 * demo users listed in docs/api.md ("Authentication").
 *
 * `buildDemoRegion()` is PURE and deterministic: no I/O, no clock, no `Math.random` — a seeded mulberry32
 * PRNG drives every choice and ids are name-based (sha1, v5-style) UUIDs, so every call returns deep-equal
 * data. Arrays are ordered for seeding: orgs parents-first, firms head-firms-first.
 *
 * Note for seeders: firms reference members (`directorMemberId`, `instructorId`) and members reference
 * firms (`firmId`); insert firms without those two fields first, then members, then update the firms.
 */
import { createHash } from 'crypto';
import { residentIdCheckChar } from '../common/resident-id';

export type OrgType =
  | 'provincial_committee'
  | 'city_committee'
  | 'county_committee'
  | 'org_department'
  | 'general_branch'
  | 'branch'
  | 'joint_branch';

export interface DemoOrg {
  id: string;
  name: string;
  type: OrgType;
  parentId: string | null;
  regionCode: string;
  county?: string;
}

export type FirmCoverage = 'branch' | 'joint_branch' | 'instructor' | 'none';

export interface DemoFirm {
  id: string;
  name: string;
  kind: 'firm' | 'branch_office';
  headFirmId?: string;
  county: string;
  regionCode: string;
  directorName: string;
  directorMemberId?: string;
  partyOrgId?: string;
  instructorId?: string;
  coverage: FirmCoverage;
  establishedOn: string;
}

export type MemberStatus =
  'applicant' | 'activist' | 'candidate' | 'probationary' | 'full' | 'suspended' | 'removed' | 'withdrawn';

export interface DemoMember {
  id: string;
  name: string;
  gender: 'male' | 'female';
  idNumber: string;
  birthDate: string;
  licenseNo?: string;
  firmId?: string;
  orgId: string;
  status: MemberStatus;
  joinedOn?: string;
}

export type DemoRole = 'admin' | 'supervisor' | 'clerk' | 'orgdept';

export interface DemoUser {
  username: string;
  displayName: string;
  roles: { role: DemoRole; orgId: string }[];
}

export interface DemoAnchors {
  provinceId: string;
  cityId: string;
  orgDeptId: string;
  zhangGongCountyId: string;
  firmAId: string;
  firmAOrgId: string;
  firmBId: string;
  firmBOrgId: string;
  jointBranch1Id: string;
}

export interface DemoRegion {
  orgs: DemoOrg[];
  firms: DemoFirm[];
  members: DemoMember[];
  users: DemoUser[];
  anchors: DemoAnchors;
}

/** The date the demo data is "as of": birth dates, join dates and establishment dates are relative to it. */
export const DEMO_REFERENCE_DATE = '2025-06-30';

const SEED = 0x20181130; // 赣市司党字[2018]32号, 2018-11-30

// ---------------------------------------------------------------------------------------------------------
// Helpers: PRNG, ids, dates, ID numbers
// ---------------------------------------------------------------------------------------------------------

/** mulberry32: a tiny, fast, seedable 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic name-based UUID (sha1 of `partyflow-demo:<kind>:<key>`, version nibble 5, RFC 4122 variant). */
export function demoId(kind: string, key: string | number): string {
  const bytes = createHash('sha1').update(`partyflow-demo:${kind}:${key}`, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const DAY_MS = 86_400_000;

function isoToDay(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number);
  return Math.floor(Date.UTC(y, m - 1, d) / DAY_MS);
}

function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function addYears(iso: string, years: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  // clamp 29 Feb to 28 Feb in non-leap target years
  const dt = new Date(Date.UTC(y + years, m - 1, d));
  if (dt.getUTCMonth() !== m - 1) return dayToIso(Math.floor(Date.UTC(y + years, m, 0) / DAY_MS));
  return dt.toISOString().slice(0, 10);
}

/** Lives with the registry, which shows the numbers; re-exported for the demo's own users. */
export { maskIdNumber } from '../registry/id-number';

// ---------------------------------------------------------------------------------------------------------
// Static data
// ---------------------------------------------------------------------------------------------------------

/** Counties of Ganzhou used for firms (real administrative division codes). */
export const DEMO_COUNTIES: { name: string; code: string }[] = [
  { name: '章贡区', code: '360702' },
  { name: '南康区', code: '360703' },
  { name: '赣县区', code: '360704' },
  { name: '信丰县', code: '360722' },
  { name: '大余县', code: '360723' },
  { name: '于都县', code: '360731' },
  { name: '兴国县', code: '360732' },
  { name: '瑞金市', code: '360781' },
  { name: '宁都县', code: '360730' },
  { name: '龙南市', code: '360783' },
];

/** All county-level division codes of Ganzhou (birth places in ID numbers). */
const GANZHOU_BIRTH_CODES = [
  '360702',
  '360703',
  '360704',
  '360722',
  '360723',
  '360724',
  '360725',
  '360726',
  '360728',
  '360729',
  '360730',
  '360731',
  '360732',
  '360733',
  '360734',
  '360735',
  '360781',
  '360783',
];

const SURNAMES: [string, number][] = [
  ['刘', 9],
  ['陈', 7],
  ['李', 6],
  ['黄', 6],
  ['王', 5],
  ['钟', 5],
  ['曾', 5],
  ['谢', 4],
  ['赖', 4],
  ['张', 4],
  ['杨', 3],
  ['肖', 3],
  ['邱', 3],
  ['廖', 3],
  ['郭', 3],
  ['罗', 3],
  ['吴', 3],
  ['温', 2],
  ['朱', 2],
  ['何', 2],
  ['胡', 2],
  ['周', 2],
  ['徐', 2],
  ['林', 2],
  ['叶', 2],
  ['邓', 2],
  ['彭', 2],
  ['孙', 1],
  ['马', 1],
  ['赵', 1],
  ['高', 1],
  ['宋', 1],
  ['蔡', 1],
  ['凌', 1],
  ['管', 1],
  ['欧阳', 1],
];
const SURNAME_TOTAL = SURNAMES.reduce((s, [, w]) => s + w, 0);

/** Common given names (space-separated); single characters make the 1-character given names. */
const MALE_GIVEN = (
  '建华 志强 文军 国平 海涛 晓东 伟民 俊杰 子豪 浩然 宇航 明辉 志刚 永红 建国 卫东 小平 文斌 家乐 振华 ' +
  '立新 春生 德明 庆林 金龙 光明 宏伟 新华 志明 俊峰 晓峰 鹏飞 海波 建军 国强 文华 家豪 子轩 嘉俊 思远 ' +
  '承志 鸿飞 昌盛 远航 振宇 永福 晨阳 天佑 锦荣 博文 伟 强 磊 军 勇 杰 涛 斌 超 明 辉 鹏 峰 波 浩 凯 健 亮 翔 鑫'
).split(' ');
const FEMALE_GIVEN = (
  '秀英 丽华 晓燕 雪梅 婷婷 静怡 佳怡 欣怡 美玲 慧敏 玉兰 春梅 海燕 丽娟 晓红 小芳 雅琴 淑华 文静 诗琪 ' +
  '梦瑶 思雨 可欣 紫涵 雨欣 晓丽 丽萍 桂英 翠兰 红梅 慧琳 婉婷 佳琪 颖 芳 娟 敏 静 丽 艳 婷 雪 燕 玲 霞 琳 倩 洁 萍 蓉 瑶 丹'
).split(' ');

type FirmSpec = {
  key: string; // stable id key
  name: string;
  county: string;
  coverage: FirmCoverage;
  /** branch: total members; joint_branch: full members (1–2) */
  size?: number;
  /** number of sub-branches under a general branch (big firms only) */
  subBranches?: number;
  /** joint branch key */
  joint?: string;
  kind?: 'branch_office';
  headKey?: string;
  established: string;
  anchor?: 'A' | 'B';
};

const JOINT_BRANCHES: { key: string; name: string; county: string }[] = [
  { key: 'zg-1', name: '章贡区律师行业第一联合党支部', county: '章贡区' },
  { key: 'zg-2', name: '章贡区律师行业第二联合党支部', county: '章贡区' },
  { key: 'nk-1', name: '南康区律师行业第一联合党支部', county: '南康区' },
  { key: 'yd-1', name: '于都县律师行业第一联合党支部', county: '于都县' },
];

const FIRMS: FirmSpec[] = [
  // 章贡区
  {
    key: 'zhanggong',
    name: '江西章贡律师事务所',
    county: '章贡区',
    coverage: 'branch',
    size: 16,
    established: '1998-03-16',
    anchor: 'A',
  },
  {
    key: 'gannan',
    name: '江西赣南律师事务所',
    county: '章贡区',
    coverage: 'branch',
    size: 72,
    subBranches: 3,
    established: '1993-07-01',
  },
  {
    key: 'songcheng',
    name: '江西宋城律师事务所',
    county: '章贡区',
    coverage: 'branch',
    size: 60,
    subBranches: 2,
    established: '1996-10-08',
  },
  {
    key: 'qianzhou',
    name: '江西虔州律师事务所',
    county: '章贡区',
    coverage: 'branch',
    size: 22,
    established: '2001-05-18',
  },
  {
    key: 'zhengbang',
    name: '江西正邦律师事务所',
    county: '章贡区',
    coverage: 'branch',
    size: 13,
    established: '2004-09-01',
  },
  {
    key: 'yugu',
    name: '江西郁孤律师事务所',
    county: '章贡区',
    coverage: 'branch',
    size: 10,
    established: '2008-04-22',
  },
  {
    key: 'bajing',
    name: '江西八境律师事务所',
    county: '章贡区',
    coverage: 'branch',
    size: 8,
    established: '2010-11-11',
  },
  {
    key: 'yuzhang-gz',
    name: '江西豫章律师事务所赣州分所',
    county: '章贡区',
    coverage: 'branch',
    size: 6,
    kind: 'branch_office',
    established: '2012-06-06',
  },
  {
    key: 'tongtian',
    name: '江西通天律师事务所',
    county: '章贡区',
    coverage: 'joint_branch',
    joint: 'zg-1',
    size: 1,
    established: '2016-03-01',
  },
  {
    key: 'zhangjiang',
    name: '江西章江律师事务所',
    county: '章贡区',
    coverage: 'joint_branch',
    joint: 'zg-1',
    size: 2,
    established: '2015-08-19',
  },
  {
    key: 'qiancheng',
    name: '江西虔城律师事务所',
    county: '章贡区',
    coverage: 'joint_branch',
    joint: 'zg-1',
    size: 1,
    established: '2017-12-05',
  },
  {
    key: 'wenqing',
    name: '江西文清律师事务所',
    county: '章贡区',
    coverage: 'joint_branch',
    joint: 'zg-1',
    size: 1,
    established: '2018-05-14',
  },
  {
    key: 'jiayou',
    name: '江西嘉佑律师事务所',
    county: '章贡区',
    coverage: 'joint_branch',
    joint: 'zg-2',
    size: 2,
    established: '2014-10-10',
  },
  {
    key: 'bailu',
    name: '江西白鹭律师事务所',
    county: '章贡区',
    coverage: 'joint_branch',
    joint: 'zg-2',
    size: 1,
    established: '2019-01-08',
  },
  {
    key: 'rongjiang',
    name: '江西蓉江律师事务所',
    county: '章贡区',
    coverage: 'joint_branch',
    joint: 'zg-2',
    size: 2,
    established: '2017-07-20',
  },
  { key: 'ganjiang', name: '江西赣江律师事务所', county: '章贡区', coverage: 'instructor', established: '2020-09-15' },
  {
    key: 'hongcheng-gz',
    name: '江西洪城律师事务所赣州分所',
    county: '章贡区',
    coverage: 'instructor',
    kind: 'branch_office',
    established: '2021-04-12',
  },
  { key: 'mingzhu', name: '江西明珠律师事务所', county: '章贡区', coverage: 'none', established: '2025-03-18' },
  // 南康区
  {
    key: 'nankang',
    name: '江西南康律师事务所',
    county: '南康区',
    coverage: 'branch',
    size: 12,
    established: '1999-06-28',
    anchor: 'B',
  },
  {
    key: 'tangjiang',
    name: '江西唐江律师事务所',
    county: '南康区',
    coverage: 'branch',
    size: 6,
    established: '2009-03-30',
  },
  {
    key: 'tankou',
    name: '江西潭口律师事务所',
    county: '南康区',
    coverage: 'joint_branch',
    joint: 'nk-1',
    size: 2,
    established: '2016-11-02',
  },
  {
    key: 'longhua',
    name: '江西龙华律师事务所',
    county: '南康区',
    coverage: 'joint_branch',
    joint: 'nk-1',
    size: 2,
    established: '2018-08-08',
  },
  {
    key: 'lingnan-gz',
    name: '广东岭南律师事务所赣州分所',
    county: '南康区',
    coverage: 'instructor',
    kind: 'branch_office',
    established: '2022-02-21',
  },
  // 赣县区
  {
    key: 'ganxian',
    name: '江西赣县律师事务所',
    county: '赣县区',
    coverage: 'branch',
    size: 8,
    established: '2000-12-12',
  },
  {
    key: 'chutan',
    name: '江西储潭律师事务所',
    county: '赣县区',
    coverage: 'branch',
    size: 5,
    established: '2011-05-09',
  },
  {
    key: 'hujiang',
    name: '江西湖江律师事务所',
    county: '赣县区',
    coverage: 'branch',
    size: 5,
    established: '2013-09-23',
  },
  { key: 'meilin', name: '江西梅林律师事务所', county: '赣县区', coverage: 'instructor', established: '2021-07-01' },
  // 信丰县
  {
    key: 'xinfeng',
    name: '江西信丰律师事务所',
    county: '信丰县',
    coverage: 'branch',
    size: 10,
    established: '1997-04-15',
  },
  {
    key: 'taojiang',
    name: '江西桃江律师事务所',
    county: '信丰县',
    coverage: 'branch',
    size: 6,
    established: '2012-10-16',
  },
  { key: 'jiading', name: '江西嘉定律师事务所', county: '信丰县', coverage: 'instructor', established: '2020-05-26' },
  { key: 'youshan', name: '江西油山律师事务所', county: '信丰县', coverage: 'none', established: '2025-04-07' },
  // 大余县
  {
    key: 'meiguan',
    name: '江西梅关律师事务所',
    county: '大余县',
    coverage: 'branch',
    size: 6,
    established: '2003-08-18',
  },
  {
    key: 'nanan',
    name: '江西南安律师事务所',
    county: '大余县',
    coverage: 'branch',
    size: 5,
    established: '2014-01-20',
  },
  { key: 'yashan', name: '江西丫山律师事务所', county: '大余县', coverage: 'instructor', established: '2022-06-30' },
  // 于都县
  { key: 'yudu', name: '江西于都律师事务所', county: '于都县', coverage: 'branch', size: 9, established: '1998-10-01' },
  {
    key: 'gongjiang',
    name: '江西贡江律师事务所',
    county: '于都县',
    coverage: 'joint_branch',
    joint: 'yd-1',
    size: 1,
    established: '2017-03-13',
  },
  {
    key: 'changzheng',
    name: '江西长征律师事务所',
    county: '于都县',
    coverage: 'joint_branch',
    joint: 'yd-1',
    size: 1,
    established: '2019-10-17',
  },
  {
    key: 'pingshan',
    name: '江西屏山律师事务所',
    county: '于都县',
    coverage: 'joint_branch',
    joint: 'yd-1',
    size: 2,
    established: '2016-06-06',
  },
  // 兴国县
  {
    key: 'xingguo',
    name: '江西兴国律师事务所',
    county: '兴国县',
    coverage: 'branch',
    size: 8,
    established: '1999-02-02',
  },
  {
    key: 'lianjiang',
    name: '江西潋江律师事务所',
    county: '兴国县',
    coverage: 'branch',
    size: 5,
    established: '2010-07-07',
  },
  { key: 'jiangjun', name: '江西将军律师事务所', county: '兴国县', coverage: 'instructor', established: '2021-11-09' },
  // 瑞金市
  {
    key: 'hongdu',
    name: '江西红都律师事务所',
    county: '瑞金市',
    coverage: 'branch',
    size: 14,
    established: '1995-11-07',
  },
  {
    key: 'ruijin',
    name: '江西瑞金律师事务所',
    county: '瑞金市',
    coverage: 'branch',
    size: 6,
    established: '2006-12-26',
  },
  {
    key: 'zhanggong-rj',
    name: '江西章贡律师事务所瑞金分所',
    county: '瑞金市',
    coverage: 'branch',
    size: 5,
    kind: 'branch_office',
    headKey: 'zhanggong',
    established: '2015-05-04',
  },
  { key: 'mianjiang', name: '江西绵江律师事务所', county: '瑞金市', coverage: 'none', established: '2025-05-12' },
  // 宁都县
  {
    key: 'kejia',
    name: '江西客家律师事务所',
    county: '宁都县',
    coverage: 'branch',
    size: 8,
    established: '2002-03-25',
  },
  { key: 'cuiwei', name: '江西翠微律师事务所', county: '宁都县', coverage: 'instructor', established: '2022-09-19' },
  // 龙南市
  {
    key: 'gannan-ln',
    name: '江西赣南律师事务所龙南分所',
    county: '龙南市',
    coverage: 'branch',
    size: 6,
    kind: 'branch_office',
    headKey: 'gannan',
    established: '2011-08-15',
  },
];

const CITY_STAFF_TITLES = [
  '专职副书记',
  '组织委员',
  '宣传委员',
  '党务干事',
  '党建工作指导员',
  '党建工作指导员',
  '党建工作指导员',
];
const SUB_BRANCH_ORDINALS = ['第一', '第二', '第三', '第四'];

// ---------------------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------------------

class Gen {
  private readonly rnd: () => number;
  private readonly usedNames = new Set<string>();
  private readonly usedIdNumbers = new Set<string>();
  private readonly usedLicenseSeq = new Set<string>();

  constructor(seed: number) {
    this.rnd = mulberry32(seed);
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.rnd() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  pick<T>(xs: readonly T[] | string): T {
    return xs[Math.floor(this.rnd() * xs.length)] as T;
  }

  surname(): string {
    let r = this.rnd() * SURNAME_TOTAL;
    for (const [s, w] of SURNAMES) {
      r -= w;
      if (r < 0) return s;
    }
    return SURNAMES[0][0];
  }

  /** A unique (within the region) Chinese personal name. */
  personName(gender: 'male' | 'female'): string {
    const pool = gender === 'male' ? MALE_GIVEN : FEMALE_GIVEN;
    for (;;) {
      const name = this.surname() + this.pick(pool);
      if (!this.usedNames.has(name)) {
        this.usedNames.add(name);
        return name;
      }
    }
  }

  dateBetween(fromIso: string, toIso: string): string {
    return dayToIso(this.int(isoToDay(fromIso), isoToDay(toIso)));
  }

  idNumber(birthCode: string, birthDate: string, gender: 'male' | 'female'): string {
    const ymd = birthDate.replace(/-/g, '');
    for (;;) {
      let seq = this.int(0, 999);
      if ((seq % 2 === 1) !== (gender === 'male')) seq = (seq + 1) % 1000;
      const first17 = birthCode + ymd + String(seq).padStart(3, '0');
      const id = first17 + residentIdCheckChar(first17);
      if (!this.usedIdNumbers.has(id)) {
        this.usedIdNumbers.add(id);
        return id;
      }
    }
  }

  /** 17 digits: `1` + region code + first-licence year + gender digit (1 male, 0 female) + 5-digit sequence. */
  licenseNo(regionCode: string, year: number, gender: 'male' | 'female'): string {
    for (;;) {
      const seq = String(this.int(10000, 99999));
      if (!this.usedLicenseSeq.has(seq)) {
        this.usedLicenseSeq.add(seq);
        return `1${regionCode}${year}${gender === 'male' ? 1 : 0}${seq}`;
      }
    }
  }
}

export function buildDemoRegion(): DemoRegion {
  const g = new Gen(SEED);
  const orgs: DemoOrg[] = [];
  const firms: DemoFirm[] = [];
  const members: DemoMember[] = [];
  const countyCode = new Map(DEMO_COUNTIES.map((c) => [c.name, c.code]));

  // ---- committee tree -----------------------------------------------------------------------------------
  const province: DemoOrg = {
    id: demoId('org', 'province'),
    name: '江西省律师行业党委',
    type: 'provincial_committee',
    parentId: null,
    regionCode: '360000',
  };
  const city: DemoOrg = {
    id: demoId('org', 'city:360700'),
    name: '赣州市律师行业党委',
    type: 'city_committee',
    parentId: province.id,
    regionCode: '360700',
  };
  const orgDept: DemoOrg = {
    id: demoId('org', 'orgdept:360700'),
    name: '中共赣州市委组织部',
    type: 'org_department',
    parentId: province.id,
    regionCode: '360700',
  };
  orgs.push(province, city, orgDept);

  const countyOrg = new Map<string, DemoOrg>();
  for (const c of DEMO_COUNTIES) {
    const o: DemoOrg = {
      id: demoId('org', `county:${c.code}`),
      name: `${c.name}司法局党组`,
      type: 'county_committee',
      parentId: city.id,
      regionCode: c.code,
      county: c.name,
    };
    countyOrg.set(c.name, o);
    orgs.push(o);
  }

  const jointOrg = new Map<string, DemoOrg>();
  for (const j of JOINT_BRANCHES) {
    const parent = countyOrg.get(j.county)!;
    const o: DemoOrg = {
      id: demoId('org', `joint:${j.key}`),
      name: j.name,
      type: 'joint_branch',
      parentId: parent.id,
      regionCode: parent.regionCode,
      county: j.county,
    };
    jointOrg.set(j.key, o);
    orgs.push(o);
  }

  // ---- member factory ------------------------------------------------------------------------------------
  let memberSeq = 0;
  const makeMember = (opts: {
    orgId: string;
    firmId?: string;
    regionCode: string; // licence region (firm's county) and most likely birth place
    status: MemberStatus;
    lawyer: boolean;
    senior?: boolean; // directors: born earlier
  }): DemoMember => {
    const gender: 'male' | 'female' = g.chance(opts.senior ? 0.78 : 0.62) ? 'male' : 'female';
    const name = g.personName(gender);
    const young =
      opts.status === 'applicant' ||
      opts.status === 'activist' ||
      opts.status === 'candidate' ||
      opts.status === 'probationary';
    const birthDate = opts.senior
      ? g.dateBetween('1963-07-01', '1982-12-31')
      : young
        ? g.dateBetween('1986-01-01', '1999-06-30')
        : g.dateBetween('1964-01-01', '1996-12-31');
    const birthYear = Number(birthDate.slice(0, 4));
    const birthCode =
      g.chance(0.55) && GANZHOU_BIRTH_CODES.includes(opts.regionCode) ? opts.regionCode : g.pick(GANZHOU_BIRTH_CODES);
    const idNumber = g.idNumber(birthCode, birthDate, gender);
    const m: DemoMember = {
      id: demoId('member', memberSeq++),
      name,
      gender,
      idNumber,
      birthDate,
      orgId: opts.orgId,
      status: opts.status,
    };
    if (opts.lawyer) {
      const year = g.int(Math.max(1990, birthYear + 23), Math.min(2024, birthYear + 38));
      m.licenseNo = g.licenseNo(opts.regionCode, year, gender);
    }
    if (opts.firmId) m.firmId = opts.firmId;
    if (opts.status === 'full') {
      const from = addYears(birthDate, 21);
      m.joinedOn = g.dateBetween(from < '1985-01-01' ? '1985-01-01' : from, '2024-05-31');
    } else if (opts.status === 'probationary') {
      m.joinedOn = g.dateBetween('2024-07-01', '2025-05-31');
    }
    members.push(m);
    return m;
  };

  // ---- city committee staff (instructors among them) ----------------------------------------------------
  const cityStaff: DemoMember[] = CITY_STAFF_TITLES.map(() =>
    makeMember({ orgId: city.id, regionCode: '360702', status: 'full', lawyer: false, senior: true }),
  );
  const cityInstructors = cityStaff.slice(3); // 党务干事 and 党建工作指导员

  // ---- firms ----------------------------------------------------------------------------------------------
  const firmByKey = new Map<string, DemoFirm>();
  const fullLawyersByFirm = new Map<string, DemoMember[]>();
  const anchorFirm: Partial<Record<'A' | 'B', DemoFirm>> = {};

  /** Non-full statuses for a branch of `size` members: ~1 in 5, spread over the recruitment stages. */
  const statusesFor = (size: number, spec: FirmSpec): MemberStatus[] => {
    const nonFull = size <= 5 ? (size === 5 ? 1 : 0) : Math.round(size * 0.2);
    const cycle: MemberStatus[] = [
      'probationary',
      'activist',
      'probationary',
      'applicant',
      'candidate',
      'probationary',
      'activist',
    ];
    const out: MemberStatus[] = [];
    for (let i = 0; i < size - nonFull; i++) out.push('full');
    for (let i = 0; i < nonFull; i++) out.push(cycle[(i + spec.key.length) % cycle.length]);
    return out;
  };

  for (const spec of FIRMS) {
    const regionCode = countyCode.get(spec.county)!;
    const county = countyOrg.get(spec.county)!;
    const firm: DemoFirm = {
      id: demoId('firm', spec.key),
      name: spec.name,
      kind: spec.kind ?? 'firm',
      county: spec.county,
      regionCode,
      directorName: '',
      coverage: spec.coverage,
      establishedOn: spec.established,
    };
    if (spec.headKey) firm.headFirmId = firmByKey.get(spec.headKey)!.id;
    firmByKey.set(spec.key, firm);
    if (spec.anchor) anchorFirm[spec.anchor] = firm;
    const fullLawyers: DemoMember[] = [];
    fullLawyersByFirm.set(firm.id, fullLawyers);

    if (spec.coverage === 'branch') {
      const size = spec.size!;
      // party organization(s)
      const targets: DemoOrg[] = [];
      if (spec.subBranches) {
        const gb: DemoOrg = {
          id: demoId('org', `firm-general:${spec.key}`),
          name: `${spec.name}党总支`,
          type: 'general_branch',
          parentId: county.id,
          regionCode,
          county: spec.county,
        };
        orgs.push(gb);
        firm.partyOrgId = gb.id;
        for (let i = 0; i < spec.subBranches; i++) {
          const sb: DemoOrg = {
            id: demoId('org', `firm-branch:${spec.key}:${i + 1}`),
            name: `${spec.name}党总支${SUB_BRANCH_ORDINALS[i]}党支部`,
            type: 'branch',
            parentId: gb.id,
            regionCode,
            county: spec.county,
          };
          orgs.push(sb);
          targets.push(sb);
        }
      } else {
        const b: DemoOrg = {
          id: demoId('org', `firm-branch:${spec.key}`),
          name: `${spec.name}党支部`,
          type: 'branch',
          parentId: county.id,
          regionCode,
          county: spec.county,
        };
        orgs.push(b);
        firm.partyOrgId = b.id;
        targets.push(b);
      }
      // members: full first (the first one is the director), then the recruitment pipeline
      const statuses = statusesFor(size, spec);
      statuses.forEach((status, i) => {
        const director = i === 0;
        // a few members are firm staff (no licence); the director is always a practising lawyer
        const lawyer = director || g.chance(status === 'applicant' ? 0.5 : 0.9);
        const m = makeMember({
          orgId: targets[i % targets.length].id,
          firmId: firm.id,
          regionCode,
          status,
          lawyer,
          senior: director,
        });
        if (director) {
          firm.directorName = m.name;
          firm.directorMemberId = m.id;
        }
        if (status === 'full' && m.licenseNo) fullLawyers.push(m);
      });
    } else if (spec.coverage === 'joint_branch') {
      const jo = jointOrg.get(spec.joint!)!;
      firm.partyOrgId = jo.id;
      for (let i = 0; i < spec.size!; i++) {
        const director = i === 0 && g.chance(0.6);
        const m = makeMember({
          orgId: jo.id,
          firmId: firm.id,
          regionCode,
          status: 'full',
          lawyer: true,
          senior: director,
        });
        fullLawyers.push(m);
        if (director) {
          firm.directorName = m.name;
          firm.directorMemberId = m.id;
        }
      }
      if (!firm.directorName) firm.directorName = g.personName(g.chance(0.7) ? 'male' : 'female');
    } else {
      // instructor-only or uncovered: no party members in the firm; the director is not a member
      firm.directorName = g.personName(g.chance(0.7) ? 'male' : 'female');
    }
    firms.push(firm);
  }

  // ---- instructors: alternately city committee staff and a full lawyer member of a branch firm ---------
  let instructorIdx = 0;
  for (const firm of firms) {
    if (firm.coverage !== 'instructor') continue;
    if (instructorIdx % 2 === 0) {
      firm.instructorId = cityInstructors[(instructorIdx / 2) % cityInstructors.length].id;
    } else {
      // the largest branch firm of the same county, else the city's largest firm
      const candidates = firms
        .filter((f) => f.coverage === 'branch' && f.county === firm.county)
        .sort((a, b) => fullLawyersByFirm.get(b.id)!.length - fullLawyersByFirm.get(a.id)!.length);
      const source = candidates[0] ?? firmByKey.get('gannan')!;
      const pool = fullLawyersByFirm.get(source.id)!;
      firm.instructorId = pool[1 % pool.length].id; // not the director
    }
    instructorIdx++;
  }

  // ---- users and anchors -------------------------------------------------------------------------------
  const firmA = anchorFirm.A!;
  const firmB = anchorFirm.B!;
  const joint1 = jointOrg.get('zg-1')!;
  const zg = countyOrg.get('章贡区')!;
  const users: DemoUser[] = [
    { username: 'admin', displayName: '系统管理员', roles: [{ role: 'admin', orgId: province.id }] },
    { username: 'supervisor', displayName: '省律协党委督查员', roles: [{ role: 'supervisor', orgId: province.id }] },
    { username: 'city', displayName: '赣州市律师行业党委党务干事', roles: [{ role: 'clerk', orgId: city.id }] },
    { username: 'county-zg', displayName: '章贡区司法局党组党务干事', roles: [{ role: 'clerk', orgId: zg.id }] },
    {
      username: 'branch-a',
      displayName: `${firmA.name}党支部党务干事`,
      roles: [{ role: 'clerk', orgId: firmA.partyOrgId! }],
    },
    {
      username: 'branch-b',
      displayName: `${firmB.name}党支部党务干事`,
      roles: [{ role: 'clerk', orgId: firmB.partyOrgId! }],
    },
    { username: 'joint-1', displayName: `${joint1.name}党务干事`, roles: [{ role: 'clerk', orgId: joint1.id }] },
    { username: 'orgdept', displayName: '中共赣州市委组织部组织科', roles: [{ role: 'orgdept', orgId: orgDept.id }] },
  ];

  return {
    orgs,
    firms,
    members,
    users,
    anchors: {
      provinceId: province.id,
      cityId: city.id,
      orgDeptId: orgDept.id,
      zhangGongCountyId: zg.id,
      firmAId: firmA.id,
      firmAOrgId: firmA.partyOrgId!,
      firmBId: firmB.id,
      firmBOrgId: firmB.partyOrgId!,
      jointBranch1Id: joint1.id,
    },
  };
}
