/**
 * Licensing simulator (执业管理系统模拟器): sends signed licensing events to a running PartyFlow server, for demos.
 *
 *   npm run licensing:simulate -- [firm-transfer | new-firm | year | all]
 *
 * Environment: BASE_URL (default http://127.0.0.1:3000), LICENSING_WEBHOOK_SECRET (default: the key the demo
 * generated for this installation, in <PARTYFLOW_DATA_DIR or .data>/secrets.json), RUN_ID (defaults to a fresh id; the same RUN_ID again re-sends the same eventIds, which the
 * server answers as replays). Lawyers and firms come from the deterministic demo region (libs/demo).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SECRETS_FILE } from '../config/installation-secrets';
import { residentIdCheckChar } from '../libs/common/resident-id';
import { buildDemoRegion, DemoMember, mulberry32 } from '../libs/demo/demo-region';
import { EVENT_TYPE_TITLES, LicensingEventType } from '../libs/licensing/licensing.constants';
import { signLicensingBody } from '../libs/licensing/signature';

const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
/** The demo installation's own key (config/installation-secrets.ts): there is no published default any more. */
function demoSecret(): string {
  const file = path.resolve(process.env.PARTYFLOW_DATA_DIR ?? '.data', SECRETS_FILE);
  try {
    const key = JSON.parse(readFileSync(file, 'utf8')).LICENSING_WEBHOOK_SECRET;
    if (typeof key === 'string' && key) return key;
  } catch {
    // below
  }
  console.error(`未找到执业管理系统对接密钥：请设置 LICENSING_WEBHOOK_SECRET，或先运行 npm run demo（生成 ${file}）`);
  process.exit(2);
}
const SECRET = process.env.LICENSING_WEBHOOK_SECRET || demoSecret();
const RUN = process.env.RUN_ID ?? Date.now().toString(36);
const region = buildDemoRegion();
const firmById = new Map(region.firms.map((f) => [f.id, f]));
const firmByName = (name: string) => region.firms.find((f) => f.name === name)!;

interface SimEvent {
  eventId: string;
  type: LicensingEventType;
  occurredAt: string;
  applicationRef?: string;
  lawyer?: { licenseNo: string; name: string; idNumber: string; isPartyMember: boolean; memberId?: string };
  fromFirmId?: string;
  toFirmId?: string;
  firmId?: string;
  firm?: { name: string; kind: 'firm' | 'branch_office'; headFirmId?: string; county: string; directorName: string };
  discipline?: { sanction: string; reason?: string; authority?: string; decidedOn?: string };
}

const outcomes = new Map<string, number>();
let seq = 0;
const id = (tag: string) => `sim-${RUN}-${tag}-${++seq}`;
const lawyerOf = (m: DemoMember, isPartyMember = true) => ({
  licenseNo: m.licenseNo!,
  name: m.name,
  idNumber: m.idNumber,
  isPartyMember,
});
const firmName = (fid?: string) => (fid ? (firmById.get(fid)?.name ?? fid) : '—');

function describe(e: SimEvent): string {
  const who = e.lawyer ? `${e.lawyer.name}${e.lawyer.isPartyMember ? '（党员）' : '（非党员）'}` : '';
  const where =
    e.type.startsWith('firm-transfer') || e.type === 'practice.applied' || e.type === 'practice.approved'
      ? `${e.fromFirmId ? `${firmName(e.fromFirmId)} → ` : ''}${firmName(e.toFirmId ?? e.firmId)}`
      : e.firm
        ? `${e.firm.name}（${e.firm.county}）`
        : e.firmId
          ? firmName(e.firmId)
          : '';
  return `${EVENT_TYPE_TITLES[e.type]} ${e.type} ${who} ${where}`.replace(/\s+/g, ' ').trim();
}

async function send(e: SimEvent, label?: string): Promise<any> {
  const body = JSON.stringify(e);
  const res = await fetch(`${BASE_URL}/api/v1/integrations/licensing/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': signLicensingBody(SECRET, body) },
    body,
  });
  const answer: any = await res.json().catch(() => ({}));
  const day = e.occurredAt.slice(0, 10);
  console.log(
    `→ [${day}] ${label ? `${label} ` : ''}${describe(e)}  (eventId ${e.eventId}${e.applicationRef ? `, 申请 ${e.applicationRef}` : ''})`,
  );
  if (res.ok) {
    const key = `${res.status} ${answer.outcome}${res.headers.get('x-replay') ? ' (replay)' : ''}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    console.log(
      `  ← ${res.status}${res.headers.get('x-replay') ? ' 重放 replay' : ''} ${answer.outcome}${answer.outOfOrder ? ` [乱序 out of order: ${answer.outOfOrder}]` : ''}` +
        `${answer.partyTransfer ? ` 接转状态 partyTransfer=${answer.partyTransfer}` : ''}${answer.caseIds?.length ? ` 案件 cases=${answer.caseIds.join(',')}` : ''}`,
    );
    for (const n of answer.notes ?? []) console.log(`     · ${n}`);
  } else {
    const key = `${res.status} ${answer.code}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    console.log(
      `  ← ${res.status} ${answer.code}: ${answer.message}${answer.details ? ` ${JSON.stringify(answer.details)}` : ''}`,
    );
  }
  return answer;
}

/** Party-transfer status as the licensing side reads it (signed GET, no user token). */
async function status(ref: string) {
  const path = `/api/v1/integrations/licensing/applications/${ref}`;
  const res = await fetch(`${BASE_URL}${path}`, {
    headers: { 'x-signature': signLicensingBody(SECRET, `GET ${path}`) },
  });
  const body: any = await res.json().catch(() => ({}));
  console.log(
    `  ? 查询接转状态 status of ${ref}: ${res.status} ${res.ok ? `partyTransfer=${body.partyTransfer}${body.caseId ? ` case=${body.caseId}` : ''}` : body.code}`,
  );
  return body;
}

const at = (iso?: string) => iso ?? new Date().toISOString();
const fullLawyers = (firmId: string) =>
  region.members.filter((m) => m.firmId === firmId && m.status === 'full' && m.licenseNo);
/** A lawyer of the firm, varying with the run so repeated demos do not pile onto one person. */
const pickLawyer = (firmId: string, salt = 0) => {
  const pool = fullLawyers(firmId).slice(1);
  let h = salt;
  for (const c of RUN) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return pool[h % pool.length];
};

// ------------------------------------------------------------------ scenarios

async function firmTransfer() {
  console.log('\n=== 场景：律师转所（firm transfer）===');
  const { firmAId, firmBId } = region.anchors;
  const m = pickLawyer(firmAId);
  const ref = `ZS-${RUN}-1`;
  const applied: SimEvent = {
    eventId: id('ft'),
    type: 'firm-transfer.applied',
    occurredAt: at(),
    lawyer: lawyerOf(m),
    fromFirmId: firmAId,
    toFirmId: firmBId,
    applicationRef: ref,
  };
  await send(applied);
  await status(ref);
  await send(applied, '（重发同一事件 same eventId again）');
  await send({
    eventId: id('ft-ok'),
    type: 'firm-transfer.approved',
    occurredAt: at(),
    lawyer: lawyerOf(m),
    fromFirmId: firmAId,
    toFirmId: firmBId,
    applicationRef: ref,
  });
  await status(ref);
  console.log('  （接转案件由各党支部在系统中办理；办结后状态变为 completed，并推送至 LICENSING_CALLBACK_URL）');
}

async function newFirm() {
  console.log('\n=== 场景：新设律师事务所（new firm）===');
  const firmId = randomUUID();
  const ref = `SL-${RUN}-1`;
  const firm = {
    name: `江西赣鄱律师事务所（${RUN}）`,
    kind: 'firm' as const,
    county: '章贡区',
    directorName: '李文华',
  };
  await send({
    eventId: id('fa'),
    type: 'firm-establishment.applied',
    occurredAt: at(),
    firmId,
    firm,
    applicationRef: ref,
  });
  await send({ eventId: id('fe'), type: 'firm.established', occurredAt: at(), firmId, applicationRef: ref });
  await status(ref);
  await send({
    eventId: id('bo'),
    type: 'branch-office.established',
    occurredAt: at(),
    firmId: randomUUID(),
    firm: {
      name: `江西章贡律师事务所于都分所（${RUN}）`,
      kind: 'branch_office',
      headFirmId: region.anchors.firmAId,
      county: '于都县',
      directorName: '钟海波',
    },
  });
}

/** A year of mixed activity in the demo region, in date order, with a few events deliberately out of order. */
async function year() {
  console.log('\n=== 场景：一年的执业管理事件（a year of mixed activity）===');
  const rnd = mulberry32(20260101);
  const y = new Date().getUTCFullYear();
  const day = (month: number, d: number) =>
    new Date(Date.UTC(y, month - 1, d, 2 + Math.floor(rnd() * 8), Math.floor(rnd() * 60))).toISOString();
  const branchFirms = region.firms.filter((f) => f.coverage === 'branch' && fullLawyers(f.id).length > 2);
  const jointFirms = region.firms.filter((f) => f.coverage === 'joint_branch');
  const otherFirms = region.firms.filter((f) => f.coverage === 'instructor' || f.coverage === 'none');
  const used = new Set<string>();
  const lawyerFrom = (firmId: string) => {
    const pool = fullLawyers(firmId).filter((m) => !used.has(m.id));
    const m = pool[Math.floor(rnd() * pool.length)] ?? fullLawyers(firmId)[0];
    used.add(m.id);
    return m;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const newLawyer = (name: string, isPartyMember: boolean, county = '360702') => {
    const birth = `19${90 + Math.floor(rnd() * 9)}0${1 + Math.floor(rnd() * 9)}1${Math.floor(rnd() * 9)}`;
    const first17 = `${county}${birth}${String(100 + Math.floor(rnd() * 899))}`;
    const licenseNo = `1${county}${y - 1}${Math.floor(rnd() * 2)}${String(10000 + Math.floor(rnd() * 89999))}`;
    return { licenseNo, name, idNumber: first17 + residentIdCheckChar(first17), isPartyMember };
  };

  const timeline: { at: string; e: SimEvent; label?: string }[] = [];
  const push = (e: SimEvent, label?: string) => timeline.push({ at: e.occurredAt, e, label });

  // firm transfers: most approved within weeks, two withdrawn
  for (let i = 0; i < 10; i++) {
    const from = pick(branchFirms);
    const to = pick([...branchFirms.filter((f) => f.id !== from.id), ...jointFirms, ...otherFirms]);
    const m = lawyerFrom(from.id);
    const ref = `ZS-${RUN}-Y${i + 1}`;
    const month = 1 + Math.floor((i * 11) / 10);
    const base = { lawyer: lawyerOf(m), fromFirmId: from.id, toFirmId: to.id, applicationRef: ref };
    push({ eventId: id('ft'), type: 'firm-transfer.applied', occurredAt: day(month, 3 + i), ...base });
    if (i % 5 === 4)
      push({ eventId: id('ft-wd'), type: 'firm-transfer.withdrawn', occurredAt: day(month, 20), ...base });
    else if (i % 3 !== 2)
      push({
        eventId: id('ft-ok'),
        type: 'firm-transfer.approved',
        occurredAt: day(Math.min(12, month + 1), 10),
        ...base,
      });
  }
  // new lawyers applying to practise: two declared members unknown to the registry, one non-member
  const newcomers = [newLawyer('赖晓辉', true), newLawyer('温雅琴', true, '360703'), newLawyer('孙立伟', false)];
  newcomers.forEach((l, i) => {
    const to = pick([...branchFirms, ...jointFirms]);
    const ref = `ZY-${RUN}-Y${i + 1}`;
    push({
      eventId: id('pa'),
      type: 'practice.applied',
      occurredAt: day(2 + i * 3, 8),
      lawyer: l,
      toFirmId: to.id,
      applicationRef: ref,
    });
    push({
      eventId: id('pa-ok'),
      type: 'practice.approved',
      occurredAt: day(3 + i * 3, 12),
      lawyer: l,
      toFirmId: to.id,
      applicationRef: ref,
    });
  });
  // practice cancelled (leaving the sector) and discipline
  for (let i = 0; i < 2; i++) {
    const m = lawyerFrom(pick(branchFirms).id);
    push({
      eventId: id('pc'),
      type: 'practice.cancelled',
      occurredAt: day(5 + i * 4, 15),
      lawyer: lawyerOf(m),
      applicationRef: `ZX-${RUN}-Y${i + 1}`,
    });
  }
  const sanctions = [
    { sanction: '训诫', reason: '未按规定履行告知义务' },
    { sanction: '通报批评', reason: '违规收费' },
  ];
  sanctions.forEach((s, i) => {
    const m = lawyerFrom(pick(branchFirms).id);
    push({
      eventId: id('dc'),
      type: 'discipline.imposed',
      occurredAt: day(6 + i * 3, 20),
      lawyer: lawyerOf(m),
      discipline: { ...s, authority: '赣州市律师协会' },
    });
  });
  // new firms and a branch office
  const newFirms = [
    { name: `江西章水律师事务所（${RUN}）`, county: '章贡区', director: '曾国平', month: 3 },
    { name: `江西贡水律师事务所（${RUN}）`, county: '于都县', director: '邱振华', month: 8 },
  ];
  newFirms.forEach((f, i) => {
    const firmId = randomUUID();
    const ref = `SL-${RUN}-Y${i + 1}`;
    const firm = { name: f.name, kind: 'firm' as const, county: f.county, directorName: f.director };
    push({
      eventId: id('fa'),
      type: 'firm-establishment.applied',
      occurredAt: day(f.month, 5),
      firmId,
      firm,
      applicationRef: ref,
    });
    push({
      eventId: id('fe'),
      type: 'firm.established',
      occurredAt: day(f.month + 2, 18),
      firmId,
      applicationRef: ref,
    });
  });
  push({
    eventId: id('bo'),
    type: 'branch-office.established',
    occurredAt: day(10, 9),
    firm: {
      name: `江西赣南律师事务所瑞金分所（${RUN}）`,
      kind: 'branch_office',
      headFirmId: firmByName('江西赣南律师事务所').id,
      county: '瑞金市',
      directorName: '杨明辉',
    },
  });

  timeline.sort((a, b) => a.at.localeCompare(b.at));

  // reordered deliveries, as a flaky network would have it: an approval before its application, a withdrawal before its application
  const aLawyer = lawyerFrom(pick(branchFirms).id);
  const bLawyer = lawyerFrom(pick(branchFirms).id);
  const toA = pick(jointFirms);
  const toB = pick(otherFirms);
  const refA = `ZS-${RUN}-OO1`;
  const refB = `ZS-${RUN}-OO2`;
  const reordered: { e: SimEvent; label: string }[] = [
    {
      e: {
        eventId: id('oo-ok'),
        type: 'firm-transfer.approved',
        occurredAt: day(11, 21),
        lawyer: lawyerOf(aLawyer),
        fromFirmId: aLawyer.firmId,
        toFirmId: toA.id,
        applicationRef: refA,
      },
      label: '（乱序：核准先到）',
    },
    {
      e: {
        eventId: id('oo-ap'),
        type: 'firm-transfer.applied',
        occurredAt: day(11, 2),
        lawyer: lawyerOf(aLawyer),
        fromFirmId: aLawyer.firmId,
        toFirmId: toA.id,
        applicationRef: refA,
      },
      label: '（乱序：申请后到）',
    },
    {
      e: {
        eventId: id('oo-wd'),
        type: 'firm-transfer.withdrawn',
        occurredAt: day(12, 9),
        lawyer: lawyerOf(bLawyer),
        applicationRef: refB,
      },
      label: '（乱序：撤回先到）',
    },
    {
      e: {
        eventId: id('oo-ap'),
        type: 'firm-transfer.applied',
        occurredAt: day(12, 1),
        lawyer: lawyerOf(bLawyer),
        fromFirmId: bLawyer.firmId,
        toFirmId: toB.id,
        applicationRef: refB,
      },
      label: '（乱序：申请后到）',
    },
  ];

  for (const { e, label } of timeline) await send(e, label);
  for (const { e, label } of reordered) await send(e, label);
  // the network delivers one event twice
  await send(timeline[0].e, '（重复投递 duplicate delivery）');
  console.log('\n接转状态（licensing side view）:');
  for (const ref of [`ZS-${RUN}-Y1`, `ZS-${RUN}-Y5`, `ZY-${RUN}-Y1`, `ZY-${RUN}-Y3`, refA, refB]) await status(ref);
}

async function main() {
  const scenario = process.argv[2] ?? 'firm-transfer';
  const scenarios: Record<string, () => Promise<void>> = { 'firm-transfer': firmTransfer, 'new-firm': newFirm, year };
  if (scenario !== 'all' && !scenarios[scenario]) {
    console.error(
      `用法 usage: npm run licensing:simulate -- [firm-transfer|new-firm|year|all]（未知场景 unknown scenario: ${scenario}）`,
    );
    process.exit(2);
  }
  console.log(
    `执业管理系统模拟器 licensing simulator → ${BASE_URL}  (run ${RUN}, secret ${process.env.LICENSING_WEBHOOK_SECRET ? '***' : "this installation's (.data/secrets.json)"})`,
  );
  try {
    for (const [name, run] of Object.entries(scenarios)) if (scenario === 'all' || scenario === name) await run();
  } catch (e: any) {
    if (e?.cause?.code === 'ECONNREFUSED') {
      console.error(`无法连接 ${BASE_URL}（cannot reach the server: start it with npm run demo, or set BASE_URL）`);
      process.exit(1);
    }
    throw e;
  }
  console.log('\n汇总 summary:');
  for (const [k, n] of [...outcomes].sort()) console.log(`  ${String(n).padStart(3)} × ${k}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
