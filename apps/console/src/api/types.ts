/** Shapes of the API answers the console reads (the typed client's schema refines them). */
import type { StateValue } from '../stateTitles';

export interface RoleAssignment {
  role: string;
  orgId: string;
  orgName?: string;
}
export interface Me {
  id: string;
  username: string;
  displayName: string;
  roles: RoleAssignment[];
  /** The system's clock: deadlines and overdue days are counted on it (moved ahead only in tests and demos). */
  clock: { now: string; offsetMs: number };
}
export interface AvailableEvent {
  type: string;
  title: string;
}
export interface Subject {
  memberId?: string;
  firmId?: string;
  orgId?: string;
}
export interface Deadline {
  key: string;
  title: string;
  state: string;
  dueAt: string;
  kind: 'reminder' | 'deadline' | 'escalation';
  level: number;
  overdue: boolean;
  provisional: boolean;
  rule?: string;
}
export interface CaseView {
  id: string;
  workflow: string;
  workflowTitle: string;
  definitionVersion: number;
  policyVersion: string;
  state: string | Record<string, unknown>;
  stateTitle: string;
  status: 'open' | 'closed';
  subject: Subject;
  subjectName?: string;
  parties: Record<string, string>;
  orgNames?: Record<string, string>;
  context: Record<string, any>;
  version: number;
  openedAt: string;
  updatedAt: string;
  closedAt: string | null;
  deadlines: Deadline[];
  availableEvents: AvailableEvent[];
}
export interface Task {
  caseId: string;
  workflow: string;
  workflowTitle: string;
  state: string | Record<string, unknown>;
  stateTitle?: string;
  title: string;
  subject: Subject;
  subjectName?: string;
  dueAt: string | null;
  dueProvisional?: boolean;
  dueSoon?: boolean;
  workingDaysLeft?: number | null;
  overdue: boolean;
  availableEvents: AvailableEvent[];
  /** `task`: mine to act on; `supervision`: 督办 — an overdue case raised to my level, to urge (催办) */
  kind?: 'task' | 'supervision';
  /** 督办: the organizations that must act on it now */
  holders?: { orgId: string; orgName: string | null; role: string }[];
  overdueDays?: number | null;
  overdueWorkingDays?: number | null;
  escalationLevel?: number | null;
  deadlineTitle?: string | null;
  lastUrgedAt?: string | null;
  urgedToday?: boolean;
}
export interface Page<T> {
  items: T[];
  total: number;
  /** lists that count only up to a cap (cases, audit events): true when there are more than `total` */
  totalCapped?: boolean;
  page: number | null;
  pageSize: number;
  nextCursor?: string | null;
}
export interface NotificationItem {
  id: string;
  kind: string;
  title?: string;
  body?: string;
  caseId?: string | null;
  createdAt: string;
  readAt?: string | null;
  [k: string]: any;
}
export interface HistoryRow {
  seq: number;
  at: string;
  actor: { userId?: string; username: string; role?: string; orgId?: string; displayName?: string; orgName?: string };
  type: string;
  data: any;
  comment: string | null;
  /** the state before and after (an object for a compound or parallel state: stateValueTitle reads it) */
  from: StateValue | null;
  to: StateValue | null;
  hash: string;
  prevHash: string;
}
export interface WorkflowSummary {
  key: string;
  version: number;
  title: string;
  subjectKind: 'member' | 'firm' | 'org';
  states: { name: string; title: string; actors: { role: string; party: string }[]; deadlines: any[] }[];
  events: { type: string; title: string; system: boolean; actors: any; schema?: any }[];
}
export interface WorkflowDetail extends WorkflowSummary {
  statechart: any;
  mermaid: string;
  /** JSON Schema of POST /cases `input`. */
  inputSchema?: Record<string, any>;
  /** JSON Schema of each event's `data`, by event type. */
  eventSchemas?: Record<string, Record<string, any>>;
}
export interface Org {
  id: string;
  name: string;
  type: string;
  parentId: string | null;
  regionCode?: string;
  county?: string | null;
  children?: Org[];
}
export interface Member {
  id: string;
  name: string;
  gender?: string;
  idNumber: string;
  birthDate: string;
  licenseNo?: string | null;
  firmId?: string | null;
  orgId: string;
  status: string;
  joinedOn?: string | null;
}
export interface Firm {
  id: string;
  name: string;
  kind: 'firm' | 'branch_office';
  headFirmId?: string | null;
  county: string;
  directorName: string;
  partyOrgId?: string | null;
  instructorId?: string | null;
  coverage: 'branch' | 'joint_branch' | 'instructor' | 'none';
}
