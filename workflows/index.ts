import type { WorkflowDefinition } from './kernel/definition';
import { annualReviewDefinition } from './annual-review';
import { branchFormationDefinition } from './branch-formation';
import { membershipTransferDefinition } from './membership-transfer';
import { nonconformingDefinition } from './nonconforming';
import { recruitmentDefinition } from './recruitment';

/** Every workflow definition the engine runs (all versions still needed by running cases). */
export const WORKFLOW_DEFINITIONS: WorkflowDefinition[] = [
  membershipTransferDefinition,
  branchFormationDefinition,
  recruitmentDefinition,
  nonconformingDefinition,
  annualReviewDefinition,
];
