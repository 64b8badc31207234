/** Context and policy of the recruitment machine (shown to clerks; deadline anchors read dates from it). */
import type { CaseInput } from '../kernel/definition';
import type { ActivistMethod, ConversionOutcome, PoliticalReviewConclusion } from './recruitment.events';
import type { RecruitmentOpeningFacts } from './recruitment.rules';

export interface RecruitmentPolicy {
  /** The reported 2026 revision: public notice, branch meeting within 1 m of pre-review, oath within 1 m. */
  rules2026: boolean;
  activistMinMonths: number;
  trainingMinDays: number;
  trainingMinHours: number;
  admissionApprovalMonths: number;
  admissionApprovalExtendedMonths: number;
  probationMonths: number;
  assessmentIntervalMonths: number;
}

export const recruitmentPolicyDefaults: RecruitmentPolicy = {
  rules2026: false,
  activistMinMonths: 12,
  trainingMinDays: 3,
  trainingMinHours: 24,
  admissionApprovalMonths: 3,
  admissionApprovalExtendedMonths: 6,
  probationMonths: 12,
  assessmentIntervalMonths: 6,
};

/**
 * Machine input: the kernel's `CaseInput` plus, optionally, the opening facts. The engine checks
 * `checkRecruitmentOpening` before opening; passing `facts` lets the machine refuse on its own too.
 */
export type RecruitmentCaseInput = CaseInput<{ appliedOn: string; birthDate?: string }> & {
  facts?: RecruitmentOpeningFacts;
};

export interface RecruitmentContext {
  memberId: string;
  policy: RecruitmentPolicy;
  openedAt: string;
  appliedOn: string;
  birthDate: string;
  /** Why the case cannot be opened (→ `refused`), or null. */
  openingViolation: string | null;
  /** The registry status of a person applying again after removal or withdrawal (set back to applicant). */
  reapplyingFrom?: 'removed' | 'withdrawn';

  /** `talkerIds` since the talkers are checked against the registry; older cases keep the name typed in `by`. */
  talk?: { talkedOn: string; talkerIds?: string[]; by?: string };
  activistConfirmedOn?: string;
  activistMethod?: ActivistMethod;
  activistFiledOn?: string;
  sponsorIds: string[];
  assessments: Array<{ stage: 'activist' | 'probationary'; on: string; summary: string }>;
  /** Anchor of `activist.assessment` (due date) and its advance reminder. */
  nextAssessmentDue?: string;
  assessmentRemindOn?: string;

  candidateConfirmedOn?: string;
  candidateFiledOn?: string;
  introducerIds: string[];
  politicalReview?: { conclusion: PoliticalReviewConclusion; on: string };
  training?: { from: string; to: string; days: number; hours: number };
  publicNoticeStartedOn?: string;
  publicNoticeEndedOn?: string;

  committeeReviewPassedOn?: string;
  preReviewFailures: Array<{ on: string; reason: string }>;
  preReviewPassedOn?: string;
  /** rules2026 only: anchor of the 1-month limit for the branch meeting (absent → no deadline). */
  branchMeetingDueFrom?: string;
  volunteerFormSubmittedOn?: string;
  branchMeeting?: { heldOn: string; eligibleVoters: number; present: number; votesFor: number; passed: boolean };
  upperTalk?: { on: string; talkerIds?: string[]; by?: string };

  /** Anchor of `admission_approval.due` (branch meeting + 3 m, or + 6 m once extended). */
  admissionDueAt?: string;
  admissionRemindOn?: string;
  approvalExtended: boolean;
  admissionApprovedOn?: string;
  admissionFiledOn?: string;

  /** rules2026 only, until the oath is recorded: anchor of the 1-month oath limit. */
  oathDueFrom?: string;
  oathOn?: string;
  /** Anchor of `probationary.ends` (branch meeting + 12 m, plus the extension). */
  probationEndsOn?: string;
  probationRemindOn?: string;
  probationExtended: boolean;
  probationExtendMonths?: number;
  conversionApplicationOn?: string;
  conversionMeeting?: { heldOn: string; outcome: ConversionOutcome; extendMonths?: number };
  conversionApprovedOn?: string;
  /** 转正时间: the day probation ended. */
  fullMemberSince?: string;

  documents?: string[];
  archivedOn?: string;

  rejection?: { stage: 'branch_meeting' | 'admission_approval'; on: string; reason: string };
  withdrawal?: { on: string; reason?: string };
}
