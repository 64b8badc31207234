/**
 * 发展党员 (recruitment) — pure XState v5 machine. Stages and names follow docs/procedures.md §3.
 * No timers here: deadlines are metadata (recruitment.definition.ts) anchored at dates this machine
 * keeps in context; the clock's only event is PUBLIC_NOTICE_ENDED.
 */
import { and, assign, enqueueActions, setup } from 'xstate';
import { effect, type Effect, type WorkflowEvent } from '../kernel/definition';
import {
  type RecruitmentCaseInput,
  type RecruitmentContext,
  type RecruitmentPolicy,
  recruitmentPolicyDefaults,
} from './recruitment.context';
import { addMonths, toDate } from '../kernel/dates';
import {
  archiveRule,
  assessmentRule,
  branchMeetingRule,
  checkRecruitmentOpening,
  confirmActivistRule,
  confirmCandidateRule,
  conversionApplicationRule,
  conversionMeetingRule,
  extendApprovalRule,
  introducersRule,
  upperTalkRule,
  oathRule,
  sponsorsRule,
  talkRule,
  trainingRule,
} from './recruitment.rules';

export const RECRUITMENT_EVENT_TYPES = [
  'RECORD_TALK',
  'CONFIRM_ACTIVIST',
  'FILE_ACTIVIST',
  'ASSIGN_SPONSORS',
  'RECORD_ASSESSMENT',
  'CONFIRM_CANDIDATE',
  'FILE_CANDIDATE',
  'ASSIGN_INTRODUCERS',
  'RECORD_POLITICAL_REVIEW',
  'RECORD_TRAINING',
  'START_PUBLIC_NOTICE',
  'PUBLIC_NOTICE_ENDED',
  'PASS_COMMITTEE_REVIEW',
  'PASS_PRE_REVIEW',
  'FAIL_PRE_REVIEW',
  'SUBMIT_VOLUNTEER_FORM',
  'RECORD_BRANCH_MEETING',
  'RECORD_UPPER_TALK',
  'APPROVE_ADMISSION',
  'REJECT_ADMISSION',
  'EXTEND_APPROVAL',
  'FILE_ADMISSION',
  'RECORD_OATH',
  'SUBMIT_CONVERSION_APPLICATION',
  'RECORD_CONVERSION_MEETING',
  'APPROVE_CONVERSION',
  'ARCHIVE',
  'WITHDRAW_APPLICATION',
] as const;
export type RecruitmentEventType = (typeof RECRUITMENT_EVENT_TYPES)[number];

export interface RecruitmentEvent extends WorkflowEvent {
  type: RecruitmentEventType;
}

/** Reminder lead time before the dynamic due dates (probation end, assessment, admission approval). */
const REMIND_MONTHS_BEFORE = 1;

/** Engine date of an event (China calendar day); falls back to the case's opening time. */
const eventDay = (context: RecruitmentContext, event: RecruitmentEvent) => toDate(event.at ?? context.openedAt);

const setStatus = (status: string) =>
  effect(({ context }): Effect => ({ kind: 'member.setStatus', memberId: context.memberId, status }));

/** Guard adapter: a rule passes when it returns no message. */
const ok =
  (rule: (context: RecruitmentContext, event: any) => string | null) =>
  ({ context, event }: { context: RecruitmentContext; event: RecruitmentEvent }) =>
    rule(context, event) === null;

function initialContext(input: RecruitmentCaseInput): RecruitmentContext {
  const policy: RecruitmentPolicy = { ...recruitmentPolicyDefaults, ...(input.policy as Partial<RecruitmentPolicy>) };
  const { appliedOn } = input.input;
  // the registry's birth date when the engine loaded it, else the form's
  const birthDate = input.facts?.memberRegistryBirthDate ?? input.input.birthDate;
  return {
    memberId: input.subject.memberId as string,
    policy,
    openedAt: input.at,
    appliedOn: appliedOn ? toDate(appliedOn) : appliedOn,
    birthDate: birthDate ? toDate(birthDate) : (birthDate as string),
    openingViolation: checkRecruitmentOpening(input.input, input.facts ?? {}, input.at),
    ...(input.facts?.memberRegistryStatus === 'removed' || input.facts?.memberRegistryStatus === 'withdrawn'
      ? { reapplyingFrom: input.facts.memberRegistryStatus }
      : {}),
    sponsorIds: [],
    assessments: [],
    introducerIds: [],
    preReviewFailures: [],
    approvalExtended: false,
    probationExtended: false,
  };
}

const assessmentEntry = (stage: 'activist' | 'probationary', event: RecruitmentEvent) => ({
  stage,
  on: toDate(event.data.on),
  summary: event.data.summary as string,
});

function assessmentDates(base: string, policy: RecruitmentPolicy) {
  const nextAssessmentDue = addMonths(base, policy.assessmentIntervalMonths);
  return { nextAssessmentDue, assessmentRemindOn: addMonths(nextAssessmentDue, -REMIND_MONTHS_BEFORE) };
}

function admissionDates(context: RecruitmentContext, months: number) {
  const admissionDueAt = addMonths(context.branchMeeting!.heldOn, months);
  return { admissionDueAt, admissionRemindOn: addMonths(admissionDueAt, -REMIND_MONTHS_BEFORE) };
}

function probationDates(probationEndsOn: string) {
  return { probationEndsOn, probationRemindOn: addMonths(probationEndsOn, -REMIND_MONTHS_BEFORE) };
}

/**
 * WITHDRAW_APPLICATION is accepted in every open state. It is declared on each open top-level state
 * (and on the parallel `candidate` as a whole), not on the root: XState's pure `transition()` still
 * applies root transitions to a snapshot that reached a final state.
 */
const withdrawable = {
  WITHDRAW_APPLICATION: {
    target: 'withdrawn',
    actions: ['recordWithdrawal', setStatus('withdrawn')],
  },
} as const;

export const recruitmentMachine = setup({
  types: {
    context: {} as RecruitmentContext,
    events: {} as RecruitmentEvent,
    input: {} as RecruitmentCaseInput,
  },
  actions: {
    // Performed by the engine from the returned actions; a no-op inside the pure machine.
    effect: () => {},
    recordActivistAssessment: assign(({ context, event }) => ({
      assessments: [...context.assessments, assessmentEntry('activist', event)],
      ...assessmentDates(event.data.on, context.policy),
    })),
    recordProbationAssessment: assign(({ context, event }) => ({
      assessments: [...context.assessments, assessmentEntry('probationary', event)],
    })),
    recordWithdrawal: assign(({ context, event }) => ({
      withdrawal: { on: eventDay(context, event), ...(event.data?.reason ? { reason: event.data.reason } : {}) },
    })),
    recordPoliticalReview: assign(({ event }) => ({
      politicalReview: { conclusion: event.data.conclusion, on: toDate(event.data.on) },
    })),
    recordBranchMeeting: assign(({ event }) => {
      const { heldOn, eligibleVoters, present, votesFor } = event.data;
      return {
        branchMeeting: {
          heldOn: toDate(heldOn),
          eligibleVoters,
          present,
          votesFor,
          passed: votesFor * 2 > eligibleVoters,
        },
      };
    }),
    recordConversionMeeting: assign(({ event }) => {
      const { heldOn, outcome, extendMonths } = event.data;
      return {
        conversionMeeting: { heldOn: toDate(heldOn), outcome, ...(outcome === 'extend' ? { extendMonths } : {}) },
      };
    }),
  },
  guards: {
    openingRefused: ({ context }) => context.openingViolation !== null,
    talkOk: ok(talkRule),
    upperTalkOk: ok(upperTalkRule),
    confirmActivistOk: ok(confirmActivistRule),
    sponsorsOk: ok(sponsorsRule),
    assessmentOk: ok(assessmentRule),
    confirmCandidateOk: ok(confirmCandidateRule),
    introducersOk: ok(introducersRule),
    politicalReviewQualified: ({ event }) => event.data?.conclusion === 'qualified',
    trainingOk: ok(trainingRule),
    publicNoticeNotRequired: ({ context }) => !context.policy.rules2026,
    branchMeetingOk: ok(branchMeetingRule),
    // 细则: more than half of the full members due to attend vote for admission.
    branchMeetingPassed: ({ event }) => event.data?.votesFor * 2 > event.data?.eligibleVoters,
    extendApprovalOk: ok(extendApprovalRule),
    oathOk: ok(oathRule),
    conversionApplicationOk: ok(conversionApplicationRule),
    conversionMeetingOk: ok(conversionMeetingRule),
    outcomeConvert: ({ event }) => event.data?.outcome === 'convert',
    outcomeExtend: ({ event }) => event.data?.outcome === 'extend',
    outcomeCancel: ({ event }) => event.data?.outcome === 'cancel',
    archiveOk: ok(archiveRule),
  },
}).createMachine({
  id: 'recruitment',
  context: ({ input }) => initialContext(input),
  // The APPLY step is the case creation itself: the case opens waiting for the talk.
  initial: 'talk_pending',
  states: {
    talk_pending: {
      // a removed or withdrawn person applying again (after the bar) is an applicant again, same registry entry
      entry: enqueueActions(({ context, enqueue }) => {
        if (!context.openingViolation && context.reapplyingFrom)
          enqueue({
            type: 'effect',
            params: { kind: 'member.setStatus', memberId: context.memberId, status: 'applicant' },
          });
      }),
      // Self-containment: the engine normally refuses to open such a case (checkRecruitmentOpening).
      always: { guard: 'openingRefused', target: 'refused' },
      on: {
        ...withdrawable,
        RECORD_TALK: {
          guard: 'talkOk',
          target: 'applicant',
          actions: assign(({ event }) => ({
            talk: {
              talkedOn: toDate(event.data.talkedOn),
              talkerIds: [...event.data.talkerIds],
              ...(event.data.by ? { by: event.data.by } : {}),
            },
          })),
        },
      },
    },
    applicant: {
      on: {
        ...withdrawable,
        CONFIRM_ACTIVIST: {
          guard: 'confirmActivistOk',
          target: 'activist_filing',
          actions: assign(({ event }) => ({
            activistConfirmedOn: toDate(event.data.confirmedOn),
            activistMethod: event.data.method,
          })),
        },
      },
    },
    activist_filing: {
      on: {
        ...withdrawable,
        FILE_ACTIVIST: {
          target: 'activist',
          actions: [
            assign(({ context, event }) => ({ activistFiledOn: eventDay(context, event) })),
            setStatus('activist'),
          ],
        },
      },
    },
    activist: {
      // Assessment every 6 months counted from the confirmation as activist, then from each assessment.
      entry: assign(({ context }) => assessmentDates(context.activistConfirmedOn!, context.policy)),
      on: {
        ...withdrawable,
        ASSIGN_SPONSORS: {
          guard: 'sponsorsOk',
          actions: assign(({ event }) => ({ sponsorIds: [...event.data.memberIds] })),
        },
        RECORD_ASSESSMENT: {
          guard: 'assessmentOk',
          actions: 'recordActivistAssessment',
        },
        CONFIRM_CANDIDATE: {
          guard: 'confirmCandidateOk',
          target: 'candidate_filing',
          actions: assign(({ event }) => ({ candidateConfirmedOn: toDate(event.data.confirmedOn) })),
        },
      },
    },
    candidate_filing: {
      on: {
        ...withdrawable,
        FILE_CANDIDATE: {
          target: 'candidate',
          actions: [
            assign(({ context, event }) => ({ candidateFiledOn: eventDay(context, event) })),
            setStatus('candidate'),
          ],
        },
      },
    },
    candidate: {
      // Four independent tasks; the case moves on when every region reached its final sub-state.
      type: 'parallel',
      onDone: 'branch_committee_review',
      on: { ...withdrawable },
      states: {
        introducers: {
          initial: 'pending',
          states: {
            pending: {
              on: {
                ASSIGN_INTRODUCERS: {
                  guard: 'introducersOk',
                  target: 'done',
                  actions: assign(({ event }) => ({ introducerIds: [...event.data.memberIds] })),
                },
              },
            },
            done: { type: 'final' },
          },
        },
        political_review: {
          initial: 'pending',
          states: {
            pending: {
              on: {
                // An unqualified conclusion is recorded but blocks the case: 政审不合格的不能发展.
                RECORD_POLITICAL_REVIEW: [
                  { guard: 'politicalReviewQualified', target: 'done', actions: 'recordPoliticalReview' },
                  { actions: 'recordPoliticalReview' },
                ],
              },
            },
            done: { type: 'final' },
          },
        },
        training: {
          initial: 'pending',
          states: {
            pending: {
              on: {
                RECORD_TRAINING: {
                  guard: 'trainingOk',
                  target: 'done',
                  actions: assign(({ event }) => ({
                    training: {
                      from: toDate(event.data.from),
                      to: toDate(event.data.to),
                      days: event.data.days,
                      hours: event.data.hours,
                    },
                  })),
                },
              },
            },
            done: { type: 'final' },
          },
        },
        public_notice: {
          initial: 'pending',
          states: {
            pending: {
              // Without the 2026 rules there is no public notice: the region is done at once.
              always: { guard: 'publicNoticeNotRequired', target: 'done' },
              on: {
                START_PUBLIC_NOTICE: {
                  target: 'running',
                  actions: assign(({ context, event }) => ({
                    publicNoticeStartedOn: eventDay(context, event),
                    publicNoticeEndedOn: undefined,
                  })),
                },
              },
            },
            running: {
              on: {
                PUBLIC_NOTICE_ENDED: {
                  target: 'done',
                  actions: assign(({ context, event }) => ({ publicNoticeEndedOn: eventDay(context, event) })),
                },
              },
            },
            done: { type: 'final' },
          },
        },
      },
    },
    branch_committee_review: {
      on: {
        ...withdrawable,
        PASS_COMMITTEE_REVIEW: {
          target: 'pre_review',
          actions: assign(({ context, event }) => ({ committeeReviewPassedOn: eventDay(context, event) })),
        },
      },
    },
    pre_review: {
      on: {
        ...withdrawable,
        PASS_PRE_REVIEW: {
          target: 'volunteer_form',
          actions: assign(({ context, event }) => {
            const day = eventDay(context, event);
            return { preReviewPassedOn: day, branchMeetingDueFrom: context.policy.rules2026 ? day : undefined };
          }),
        },
        // Back to the candidate tasks; every region starts afresh (they are redone and re-recorded).
        FAIL_PRE_REVIEW: {
          target: 'candidate',
          actions: assign(({ context, event }) => ({
            preReviewFailures: [
              ...context.preReviewFailures,
              { on: eventDay(context, event), reason: event.data.reason },
            ],
          })),
        },
      },
    },
    volunteer_form: {
      on: {
        ...withdrawable,
        SUBMIT_VOLUNTEER_FORM: {
          target: 'branch_meeting',
          actions: assign(({ context, event }) => ({ volunteerFormSubmittedOn: eventDay(context, event) })),
        },
      },
    },
    branch_meeting: {
      on: {
        ...withdrawable,
        RECORD_BRANCH_MEETING: [
          {
            guard: and(['branchMeetingOk', 'branchMeetingPassed']),
            target: 'upper_talk',
            actions: 'recordBranchMeeting',
          },
          {
            guard: 'branchMeetingOk',
            target: 'rejected',
            actions: [
              'recordBranchMeeting',
              assign(({ event }) => ({
                rejection: {
                  stage: 'branch_meeting' as const,
                  on: toDate(event.data.heldOn),
                  reason: '支部大会表决赞成票未超过应到会有表决权正式党员的半数',
                },
              })),
            ],
          },
        ],
      },
    },
    upper_talk: {
      on: {
        ...withdrawable,
        RECORD_UPPER_TALK: {
          guard: 'upperTalkOk',
          target: 'admission_approval',
          actions: assign(({ event }) => ({
            upperTalk: {
              on: toDate(event.data.on),
              talkerIds: [...event.data.talkerIds],
              ...(event.data.by ? { by: event.data.by } : {}),
            },
          })),
        },
      },
    },
    admission_approval: {
      // 3 months from the branch meeting (policy admissionApprovalMonths).
      entry: assign(({ context }) => admissionDates(context, context.policy.admissionApprovalMonths)),
      on: {
        ...withdrawable,
        APPROVE_ADMISSION: {
          target: 'admission_filing',
          actions: [
            assign(({ context, event }) => {
              const day = eventDay(context, event);
              return { admissionApprovedOn: day, oathDueFrom: context.policy.rules2026 ? day : undefined };
            }),
            // 发展党员工作细则: the upper committee's approval makes the applicant a probationary member; the
            // organization department's filing that follows records it and changes nothing of the status. The
            // registry's 入党日期 is the day the branch meeting accepted them (细则 art. 28: the probation counts
            // from that day too)
            effect(({ context }): Effect => ({
              kind: 'member.setStatus',
              memberId: context.memberId,
              status: 'probationary',
              joinedOn: context.branchMeeting!.heldOn,
            })),
          ],
        },
        REJECT_ADMISSION: {
          target: 'rejected',
          actions: assign(({ context, event }) => ({
            rejection: {
              stage: 'admission_approval' as const,
              on: eventDay(context, event),
              reason: event.data.reason,
            },
          })),
        },
        EXTEND_APPROVAL: {
          guard: 'extendApprovalOk',
          actions: assign(({ context }) => ({
            approvalExtended: true,
            ...admissionDates(context, context.policy.admissionApprovalExtendedMonths),
          })),
        },
      },
    },
    admission_filing: {
      on: {
        ...withdrawable,
        FILE_ADMISSION: {
          target: 'probationary',
          actions: [
            // 预备期从支部大会通过之日算起.
            assign(({ context, event }) => ({
              admissionFiledOn: eventDay(context, event),
              ...probationDates(addMonths(context.branchMeeting!.heldOn, context.policy.probationMonths)),
            })),
          ],
        },
      },
    },
    probationary: {
      on: {
        ...withdrawable,
        RECORD_OATH: {
          guard: 'oathOk',
          // Clearing the anchor ends the rules2026 oath deadline.
          actions: assign(({ event }) => ({ oathOn: toDate(event.data.on), oathDueFrom: undefined })),
        },
        RECORD_ASSESSMENT: { guard: 'assessmentOk', actions: 'recordProbationAssessment' },
        SUBMIT_CONVERSION_APPLICATION: {
          guard: 'conversionApplicationOk',
          target: 'conversion_meeting',
          actions: assign(({ context, event }) => ({ conversionApplicationOn: eventDay(context, event) })),
        },
      },
    },
    conversion_meeting: {
      on: {
        ...withdrawable,
        RECORD_CONVERSION_MEETING: [
          {
            guard: and(['conversionMeetingOk', 'outcomeConvert']),
            target: 'conversion_approval',
            actions: 'recordConversionMeeting',
          },
          {
            guard: and(['conversionMeetingOk', 'outcomeExtend']),
            target: 'probationary',
            actions: [
              'recordConversionMeeting',
              assign(({ context, event }) => ({
                probationExtended: true,
                probationExtendMonths: event.data.extendMonths,
                ...probationDates(addMonths(context.probationEndsOn!, event.data.extendMonths)),
              })),
            ],
          },
          {
            guard: and(['conversionMeetingOk', 'outcomeCancel']),
            target: 'probation_cancelled',
            // 取消预备党员资格: the person is no longer a member of the party.
            actions: ['recordConversionMeeting', setStatus('withdrawn')],
          },
        ],
      },
    },
    conversion_approval: {
      on: {
        ...withdrawable,
        APPROVE_CONVERSION: {
          target: 'archiving',
          // The member is full from the approval on (党龄 counts from the end of probation).
          actions: [
            assign(({ context, event }) => ({
              conversionApprovedOn: eventDay(context, event),
              fullMemberSince: context.probationEndsOn,
            })),
            setStatus('full'),
          ],
        },
      },
    },
    archiving: {
      on: {
        ...withdrawable,
        ARCHIVE: {
          guard: 'archiveOk',
          target: 'completed',
          actions: assign(({ context, event }) => ({
            documents: [...event.data.documents],
            archivedOn: eventDay(context, event),
          })),
        },
      },
    },
    completed: { type: 'final' },
    rejected: { type: 'final' },
    probation_cancelled: { type: 'final' },
    withdrawn: { type: 'final' },
    refused: { type: 'final' },
  },
});
