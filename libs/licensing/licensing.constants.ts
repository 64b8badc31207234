/** Event types the licensing system sends (docs/api.md "Licensing integration"). */
export const LICENSING_EVENT_TYPES = [
  'practice.applied',
  'practice.approved',
  'practice.withdrawn',
  'practice.cancelled',
  'firm-transfer.applied',
  'firm-transfer.approved',
  'firm-transfer.withdrawn',
  'firm-establishment.applied',
  'firm.established',
  'branch-office.established',
  'discipline.imposed',
] as const;
export type LicensingEventType = (typeof LICENSING_EVENT_TYPES)[number];

/** Events that concern one lawyer (and so must carry `lawyer`). */
export const LAWYER_EVENT_TYPES: readonly LicensingEventType[] = [
  'practice.applied',
  'practice.approved',
  'practice.withdrawn',
  'practice.cancelled',
  'firm-transfer.applied',
  'firm-transfer.approved',
  'firm-transfer.withdrawn',
  'discipline.imposed',
];

/** Events about a firm (by `firmId` and/or a `firm` description). */
export const FIRM_EVENT_TYPES: readonly LicensingEventType[] = [
  'firm-establishment.applied',
  'firm.established',
  'branch-office.established',
];

/** Events without a licensing application of their own: `applicationRef` is optional there. */
export const REF_OPTIONAL_TYPES: readonly LicensingEventType[] = [
  'discipline.imposed',
  'firm.established',
  'branch-office.established',
];

export const PARTY_TRANSFER_STATUSES = ['not_required', 'pending', 'completed', 'exception_approved'] as const;
export type PartyTransferStatus = (typeof PARTY_TRANSFER_STATUSES)[number];

export type ApplicationKind =
  'practice' | 'firm_transfer' | 'practice_cancellation' | 'firm_establishment' | 'branch_office';

/** Outbox topic of status notifications (the engine's `licensing.statusChanged` effect writes it too). */
export const LICENSING_STATUS_TOPIC = 'licensing.status';

/** Member statuses that make a lawyer a party member whose relationship must follow the practice. */
export const PARTY_MEMBER_STATUSES = ['full', 'probationary', 'suspended'];

/** Chinese labels, for notes and the simulator. */
export const EVENT_TYPE_TITLES: Record<LicensingEventType, string> = {
  'practice.applied': '申请执业',
  'practice.approved': '执业核准',
  'practice.withdrawn': '撤回执业申请',
  'practice.cancelled': '注销执业',
  'firm-transfer.applied': '申请转所',
  'firm-transfer.approved': '转所核准',
  'firm-transfer.withdrawn': '撤回转所申请',
  'firm-establishment.applied': '申请设立律师事务所',
  'firm.established': '律师事务所成立',
  'branch-office.established': '分所成立',
  'discipline.imposed': '行业处分',
};
