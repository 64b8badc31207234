import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isAdmin, Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { maskPersonalData } from '../registry/id-number';
import type { CaseRecord } from '../engine/engine.service';
import { EngineService } from '../engine/engine.service';
import { renderAnnualReviewSummary } from './annual-review-summary.pdf';
import { CjkFonts } from './cjk-font';
import { DocumentsRepository } from './documents.repository';
import { renderTransferLetter, renderTransferReceipt, TransferLetterData } from './transfer-letter.pdf';

export const DOCUMENT_KINDS = ['transfer-letter', 'transfer-receipt', 'annual-review-summary'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const DOCUMENT_TITLES: Record<DocumentKind, string> = {
  'transfer-letter': '党员组织关系介绍信',
  'transfer-receipt': '党员组织关系介绍信回执',
  'annual-review-summary': '年度考核评议情况汇总表',
};

const WORKFLOW_OF: Record<DocumentKind, string> = {
  'transfer-letter': 'membership-transfer',
  'transfer-receipt': 'membership-transfer',
  'annual-review-summary': 'annual-review',
};

export interface DocumentAvailability {
  kind: DocumentKind;
  title: string;
  available: boolean;
  /** Why it is not available yet (Chinese), when it is not. */
  reason?: string;
}

/**
 * Printable documents of a case as PDF: what exists is decided from the case's context alone (a letter
 * exists once the committee issued it, a receipt once the member reported, a summary once the review was
 * graded), so the list on the case page and the download always agree.
 */
@Injectable()
export class DocumentsService {
  private readonly fonts = new CjkFonts();

  constructor(
    private readonly ds: DataSource,
    private readonly engine: EngineService,
    private readonly repo: DocumentsRepository,
  ) {}

  /** Every document kind of the case's procedure and whether it can be printed now. */
  async list(principal: Principal, caseId: string): Promise<DocumentAvailability[]> {
    const record = await this.engine.findCase(principal, caseId);
    return DOCUMENT_KINDS.filter((k) => WORKFLOW_OF[k] === record.workflow).map((kind) => {
      const reason = unavailableReason(record, kind);
      return { kind, title: DOCUMENT_TITLES[kind], available: !reason, ...(reason ? { reason } : {}) };
    });
  }

  async render(principal: Principal, caseId: string, kind: string): Promise<{ fileName: string; content: Buffer }> {
    if (!(DOCUMENT_KINDS as readonly string[]).includes(kind))
      throw new AppError(
        HttpStatus.NOT_FOUND,
        'NOT_FOUND',
        `没有“${kind}”这种文书（可用：${DOCUMENT_KINDS.map((k) => `${k}（${DOCUMENT_TITLES[k]}）`).join('、')}）`,
      );
    const k = kind as DocumentKind;
    const record = await this.engine.findCase(principal, caseId);
    const reason = unavailableReason(record, k);
    if (reason) throw new AppError(HttpStatus.NOT_FOUND, 'DOCUMENT_NOT_AVAILABLE', reason, { kind });
    // fonts first: a server without them answers 503 before any work is done
    const fonts = this.fonts.load();
    const ctx = record.snapshot.context;
    if (k === 'annual-review-summary') {
      const data = await this.annualReviewData(record);
      return {
        fileName: `${data.orgName}_${data.year}年度考核评议情况汇总表.pdf`,
        content: await renderAnnualReviewSummary(fonts, data),
      };
    }
    const data = await this.transferData(principal, record);
    return k === 'transfer-letter'
      ? {
          fileName: `党员组织关系介绍信_${ctx.letterNo}_${data.member.name}.pdf`,
          content: await renderTransferLetter(fonts, data),
        }
      : {
          fileName: `党员组织关系介绍信回执_${ctx.letterNo}_${data.member.name}.pdf`,
          content: await renderTransferReceipt(fonts, data),
        };
  }

  private async transferData(principal: Principal, record: CaseRecord): Promise<TransferLetterData> {
    const ctx = record.snapshot.context;
    const member = await this.repo.member(ctx.memberId);
    if (!member) throw AppError.notFound('党员');
    const issuerOrgId = await this.repo.lastActorOrg(record.id, ['ISSUE_LETTER', 'REISSUE_LETTER']);
    const person = {
      name: member.name,
      gender: member.gender,
      birthDate: member.birthDate as string | null,
      idNumber: member.idNumber,
      status: member.status,
    };
    const names = await this.repo.orgNames([ctx.fromOrgId, ctx.toOrgId, issuerOrgId]);
    return {
      letterNo: ctx.letterNo,
      issuedOn: ctx.letterIssuedOn ?? ctx.openedAt.slice(0, 10),
      validUntil: ctx.validUntil,
      // the letter is a legal document that needs the whole number; those who print and hand it over (clerks,
      // admins) get it, a supervisor reading along sees it masked like everywhere else (birth date and gender too)
      member: (canPrintPersonalData(principal) ? (m: typeof person) => m : maskPersonalData)(person),
      fromOrgName: ctx.fromOrgId ? (names.get(ctx.fromOrgId) ?? null) : null,
      toOrgName: names.get(ctx.toOrgId) ?? '',
      // the receipt goes back to whoever issued the letter: the committee here, or the external sender
      issuingOrgName: ctx.external?.senderName ?? (issuerOrgId ? (names.get(issuerOrgId) ?? null) : null),
      reportedOn: ctx.reportedOn ?? null,
    };
  }

  private async annualReviewData(record: CaseRecord) {
    const ctx = record.snapshot.context;
    const assessorOrgId = await this.repo.lastActorOrg(record.id, ['SCORE']);
    const ratings: Record<string, string> = ctx.ratings ?? {};
    const [orgs, members] = await Promise.all([
      this.repo.orgNames([ctx.orgId, assessorOrgId]),
      this.repo.memberNames(Object.keys(ratings)),
    ]);
    const order = ['excellent', 'qualified', 'basically_qualified', 'unqualified'];
    return {
      year: ctx.year as number,
      orgName: orgs.get(ctx.orgId) ?? '',
      assessorOrgName: assessorOrgId ? (orgs.get(assessorOrgId) ?? null) : null,
      score: ctx.score as number,
      grade: ctx.grade as string,
      completedOn: ctx.completedOn ?? null,
      selfAssessed: (ctx.selfAssessedMemberIds ?? []).length,
      peerReviewedOn: ctx.peerReviewedOn ?? null,
      meeting: ctx.meeting ?? null,
      leaderComment: ctx.leaderComment ?? null,
      ratings: Object.entries(ratings)
        .map(([id, rating]) => ({ name: members.get(id) ?? id, rating }))
        .sort((a, b) => order.indexOf(a.rating) - order.indexOf(b.rating) || a.name.localeCompare(b.name, 'zh-CN')),
      report: ctx.report ?? null,
    };
  }
}

/** Clerks and admins print letters with the member's whole ID number. */
function canPrintPersonalData(p: Principal): boolean {
  return isAdmin(p) || p.roles.some((r) => r.role === 'clerk');
}

/** Why `kind` cannot be printed for this case now (Chinese), or null when it can. */
export function unavailableReason(
  record: Pick<CaseRecord, 'workflow' | 'snapshot'>,
  kind: DocumentKind,
): string | null {
  const ctx = record.snapshot.context ?? {};
  if (record.workflow !== WORKFLOW_OF[kind])
    return `该案件不是“${WORKFLOW_OF[kind] === 'annual-review' ? '年度考核' : '组织关系接转'}”流程，没有${DOCUMENT_TITLES[kind]}`;
  switch (kind) {
    case 'transfer-letter':
      if (ctx.external) return `介绍信由外部党组织（${ctx.external.senderName}）开具，本系统不出具`;
      if (!ctx.letterNo || !ctx.validUntil) return '上级党组织尚未开具介绍信';
      return null;
    case 'transfer-receipt':
      if (!ctx.letterNo) return '尚未开具介绍信';
      if (!ctx.reportedOn) return '党员尚未到接收党组织报到，回执尚未生成';
      return null;
    case 'annual-review-summary':
      if (!ctx.grade || ctx.score === undefined) return '考核尚未评分定级，汇总表尚未生成';
      return null;
  }
}
