import { EntityManager } from 'typeorm';
import { AppError } from '../common/app-error';
import type { PartyOrgsRead } from '../engine/party-resolver';
import { inSavepoint } from '../persistence/savepoint';
import type { LicensingEventDto } from './dto';
import type { ApplicationRow } from './licensing-applications.repository';
import type { FirmsAndLawyer, FirmsAndLawyerRequest, LicensingMemberRow } from './licensing-registry.repository';
import type { ApplicationKind, PartyTransferStatus } from './licensing.constants';

/** What an accepted event did: the 202 body, stored and replayed for the same eventId. */
export interface LicensingEventResult {
  accepted: true;
  eventId: string;
  type: string;
  /** cases opened or moved by this event */
  caseIds: string[];
  /** the subset that this event opened */
  openedCaseIds: string[];
  /** short machine-readable outcome, e.g. `transfer_opened`, `not_required`, `approval_recorded` */
  outcome: string;
  /** set when the event arrived out of order (e.g. `approved_before_applied`) */
  outOfOrder?: string;
  applicationRef?: string;
  /** the application's status after this event (added where the answer is stored, with the application's changes) */
  partyTransfer?: PartyTransferStatus;
  memberId?: string;
  firmId?: string;
  /** what happened, in Chinese, for the ledger and the sender's log */
  notes: string[];
}

/**
 * One event being applied, inside the caller's transaction: what it touched, what it says, and the changes to
 * its application row (collected, written once at the end).
 */
export class LicensingRun {
  readonly caseIds: string[] = [];
  readonly opened: string[] = [];
  readonly notes: string[] = [];
  outcome = 'recorded';
  outOfOrder?: string;
  memberId?: string;
  firmId?: string;
  /** the application row, locked for this transaction; changes collect in `patch` and are written once */
  app?: ApplicationRow;
  readonly patch: Partial<ApplicationRow> = {};
  /** the application row as the event's insert locked (or created) it with `kind`, for lockApplication */
  locked?: { kind: ApplicationKind; row: ApplicationRow };
  /** The firms and the lawyer as the event's insert read them (LicensingEventFamily.registryRead), for LicensingSteps.firms */
  registryRead?: { request: FirmsAndLawyerRequest; answer: FirmsAndLawyer };
  /**
   * The lawyer as read with the event's firms (LicensingSteps.firms), for memberFor to use instead of reading
   * again, and the org rows read with them, for the opening of the lawyer's case (OpeningReads)
   */
  lawyerRead?: {
    licenseNo: string;
    idNumber: string;
    member: LicensingMemberRow | undefined;
    partyOrgs: PartyOrgsRead;
  };
  private savepoints = 0;
  constructor(
    readonly em: EntityManager,
    readonly ev: LicensingEventDto,
    readonly now: Date,
  ) {}
  get ref() {
    return this.ev.applicationRef;
  }
  get occurredAt() {
    return new Date(this.ev.occurredAt);
  }
  note(s: string) {
    this.notes.push(s);
  }
  set(fields: Partial<ApplicationRow>) {
    Object.assign(this.patch, fields);
    if (this.app) Object.assign(this.app, fields);
  }
  touched(id: string, opened = false) {
    if (!this.caseIds.includes(id)) this.caseIds.push(id);
    if (opened && !this.opened.includes(id)) this.opened.push(id);
  }
  /** Runs case work under a savepoint: a refusal by the engine (AppError) is recorded, the event still accepted. */
  async guarded<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: AppError }> {
    try {
      // no RELEASE: the savepoint ends with the transaction (one round trip less on the hot path); anything but
      // a refusal fails the whole event, so only a refusal is rolled back to
      const value = await inSavepoint(this.em, `licensing_sp_${++this.savepoints}`, fn, {
        release: false,
        keepOnError: (e) => !(e instanceof AppError),
      });
      return { ok: true, value };
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return { ok: false, error: e };
    }
  }

  /** The 202 body. */
  result(): LicensingEventResult {
    const result: LicensingEventResult = {
      accepted: true,
      eventId: this.ev.eventId,
      type: this.ev.type,
      caseIds: this.caseIds,
      openedCaseIds: this.opened,
      outcome: this.outcome,
      notes: this.notes,
    };
    if (this.outOfOrder) result.outOfOrder = this.outOfOrder;
    if (this.ref) result.applicationRef = this.ref;
    if (this.memberId) result.memberId = this.memberId;
    if (this.firmId) result.firmId = this.firmId;
    return result;
  }
}

/** Asia/Shanghai calendar date of an instant. */
export const shanghaiDate = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
