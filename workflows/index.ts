import type { WorkflowDefinition } from './kernel/definition';
import { annualReviewDefinition } from './annual-review';
import { branchFormationDefinition } from './branch-formation';
import { branchTermDefinition } from './branch-term';
import { gradeUpgradeDefinition } from './grade-upgrade';
import { inactivityReviewDefinition } from './inactivity-review';
import { membershipTransferDefinition } from './membership-transfer';
import { nonconformingDefinition } from './nonconforming';
import { orgLifeWatchDefinition } from './org-life-watch';
import { recruitmentDefinition } from './recruitment';

/** Every workflow definition the engine runs (all versions still needed by running cases). */
export const WORKFLOW_DEFINITIONS: WorkflowDefinition[] = [
  membershipTransferDefinition,
  branchFormationDefinition,
  recruitmentDefinition,
  nonconformingDefinition,
  annualReviewDefinition,
  orgLifeWatchDefinition,
  inactivityReviewDefinition,
  branchTermDefinition,
  gradeUpgradeDefinition,
];
