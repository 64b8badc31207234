import { randomUUID } from 'node:crypto';
import { CaseRecord, CasesRepository } from '../../libs/engine/cases.repository';
import { LicensingApplicationsRepository } from '../../libs/licensing/licensing-applications.repository';
import { ArrivedEvent, LicensingEventsRepository } from '../../libs/licensing/licensing-events.repository';
import { LicensingRegistryRepository } from '../../libs/licensing/licensing-registry.repository';
import type { LicensingEventResult } from '../../libs/licensing/licensing-run';
import { startDatabase, TestDatabase } from '../support/database';

describe('licensing repositories (real PostgreSQL)', () => {
  let db: TestDatabase;
  let applications: LicensingApplicationsRepository;
  let events: LicensingEventsRepository;
  let lawyers: LicensingRegistryRepository;
  let cases: CasesRepository;
  const now = new Date('2026-05-01T02:00:00Z');

  beforeAll(async () => {
    db = await startDatabase([
      LicensingApplicationsRepository,
      LicensingEventsRepository,
      LicensingRegistryRepository,
      CasesRepository,
    ]);
    applications = db.get(LicensingApplicationsRepository);
    events = db.get(LicensingEventsRepository);
    lawyers = db.get(LicensingRegistryRepository);
    cases = db.get(CasesRepository);
  }, 30_000);
  afterAll(() => db.close());

  const tx = <T>(fn: (em: any) => Promise<T>) => db.ds.transaction(fn);

  /** A membership-transfer case of the first demo member in `statePaths`, open or closed. */
  async function transferCase(
    statePaths: string[],
    status: 'open' | 'closed',
    memberId = db.region.members[0].id,
  ): Promise<string> {
    const r: CaseRecord = {
      id: randomUUID(),
      workflow: 'membership-transfer',
      definitionVersion: 1,
      policyVersion: 'default',
      state: statePaths[0],
      statePaths,
      snapshot: { value: statePaths[0], context: { sixMonthDueAt: '2026-11-01' }, status: 'active' },
      status,
      version: 1,
      headHash: 'h1',
      entered: {},
      subject: { memberId },
      parties: {},
      scopeOrgIds: [db.region.anchors.firmAOrgId],
      openedBy: { username: 'test' },
      openedAt: now,
      updatedAt: now,
      closedAt: null,
    };
    const actor = { userId: null, username: 'test', role: null, orgId: null };
    await tx((em) => cases.insertOpened(em, r, { actor, data: {}, prevHash: 'genesis' }, []));
    return r.id;
  }

  it('applications: created once and locked, changes written at once, status derived from the transfer case', async () => {
    const ref = `APP-${randomUUID()}`;
    const first = await tx((em) => applications.lockOrCreate(em, ref, 'practice', now));
    expect(first).toMatchObject({ application_ref: ref, kind: 'practice', party_transfer: 'pending', case_id: null });
    // a second event about it finds the row (its kind stays the first one's)
    expect((await tx((em) => applications.lockOrCreate(em, ref, 'firm_transfer', now))).kind).toBe('practice');
    const open = await transferCase(['awaiting_release'], 'open');
    expect(await tx((em) => applications.applyChanges(em, ref, 'ev-1', now, { case_id: open, applied_at: now }))).toBe(
      'pending',
    );
    expect(await applications.refOfCase(open)).toBe(ref);
    const view = await applications.read(ref);
    expect(view).toMatchObject({ applicationRef: ref, partyTransfer: 'pending', caseId: open, caseStatus: 'open' });
    expect(view?.sixMonthDueAt).toBe('2026-11-01');
    expect(view).not.toHaveProperty('approvedAt');
    // each final state of the procedure says what it means for the application
    for (const [state, expected] of [
      ['completed', 'completed'],
      ['closed_exception', 'exception_approved'],
      ['closed_referred', 'pending'],
      ['cancelled', 'not_required'],
    ]) {
      const closed = await transferCase([state], 'closed');
      expect(await tx((em) => applications.applyChanges(em, ref, `ev-${state}`, now, { case_id: closed }))).toBe(
        expected,
      );
      expect((await applications.read(ref))?.partyTransfer).toBe(expected);
    }
    // no linked transfer: the stored status decides
    expect(
      await tx((em) =>
        applications.applyChanges(em, ref, 'ev-x', now, { case_id: null, party_transfer: 'not_required' }),
      ),
    ).toBe('not_required');
    await expect(
      tx((em) => applications.applyChanges(em, ref, 'ev-y', now, { ['last_event_id' as 'kind']: 'x' as any })),
    ).rejects.toThrow(RangeError);
    expect(await applications.read('NO-SUCH-REF')).toBeNull();
  });

  it('events: an eventId is stored once, its answer kept, replays counted, a refusal never overwrites a processed event', async () => {
    const e: ArrivedEvent = {
      eventId: `ev-${randomUUID()}`,
      type: 'practice.applied',
      applicationRef: 'A-1',
      occurredAt: now.toISOString(),
      rawBody: '{}',
      signature: 'sha256=00',
      raw: { a: 1 },
    };
    expect(await tx((em) => events.insertProcessed(em, e))).toEqual({ inserted: true });
    expect(await tx((em) => events.insertProcessed(em, e))).toEqual({ inserted: false });
    const result = { accepted: true, eventId: e.eventId, notes: ['甲'], outcome: 'recorded' } as LicensingEventResult;
    const stored = await tx((em) => events.storeResult(em, e.eventId, result, null));
    expect(stored).toEqual(result);
    // a new event locks (creates) its application in its own insert; a stored eventId leaves it alone
    const ref = `APP-${randomUUID()}`;
    const withApp = { ...e, eventId: `ev-${randomUUID()}`, applicationRef: ref };
    const lock = { ref, kind: 'firm_transfer' as const, now };
    const first = await tx((em) => events.insertProcessed(em, withApp, lock));
    expect(first).toMatchObject({
      inserted: true,
      application: { application_ref: ref, kind: 'firm_transfer', party_transfer: 'pending', case_id: null },
    });
    expect((first.application as unknown as { created_at: Date }).created_at).toEqual(now);
    const later = new Date(now.getTime() + 60_000);
    expect(await tx((em) => events.insertProcessed(em, withApp, { ...lock, now: later }))).toEqual({ inserted: false });
    const [untouched] = await db.ds.query(`SELECT updated_at FROM licensing_applications WHERE application_ref = $1`, [
      ref,
    ]);
    expect(untouched.updated_at).toEqual(now);
    // an existing application is found (and locked) with its own kind
    const other = { ...e, eventId: `ev-${randomUUID()}`, applicationRef: ref };
    expect(
      (await tx((em) => events.insertProcessed(em, other, { ref, kind: 'practice', now: later }))).application,
    ).toMatchObject({ application_ref: ref, kind: 'firm_transfer' });
    const answer = { ...result, eventId: withApp.eventId };
    const storedWithApp = await tx((em) =>
      events.storeResult(em, withApp.eventId, answer, 'approved_before_applied', {
        ref,
        eventId: withApp.eventId,
        now,
        patch: { party_transfer: 'not_required', license_no: 'L-1' },
      }),
    );
    expect(storedWithApp).toEqual({ ...answer, partyTransfer: 'not_required' });
    expect(await applications.read(ref)).toMatchObject({ partyTransfer: 'not_required' });
    const [appRow] = await db.ds.query(
      `SELECT a.license_no, a.last_event_id, e.out_of_order, e.http_status FROM licensing_applications a, licensing_events e
       WHERE a.application_ref = $1 AND e.event_id = $2`,
      [ref, withApp.eventId],
    );
    expect(appRow).toEqual({
      license_no: 'L-1',
      last_event_id: withApp.eventId,
      out_of_order: 'approved_before_applied',
      http_status: 202,
    });
    expect(await tx((em) => events.countReplay(em, e.eventId))).toEqual({ status: 'processed', result, raw: { a: 1 } });
    await tx((em) => events.markReplayMismatch(em, e.eventId));
    expect(await tx((em) => events.find(em, e.eventId, true))).toMatchObject({ status: 'processed', raw: { a: 1 } });
    await events.recordRejection(e, { code: 'X' }, 422);
    const [row] = await db.ds.query(
      `SELECT status, replays, replay_mismatch, http_status FROM licensing_events WHERE event_id = $1`,
      [e.eventId],
    );
    expect(row).toEqual({ status: 'processed', replays: 1, replay_mismatch: true, http_status: 202 });
    // a refused event is kept, and a second refusal counts as another attempt
    const refused = { ...e, eventId: `ev-${randomUUID()}` };
    await events.recordRejection(refused, { code: 'X' }, 422);
    await events.recordRejection(refused, { code: 'Y' }, 400);
    const [r2] = await db.ds.query(
      `SELECT status, attempts, http_status, result FROM licensing_events WHERE event_id = $1`,
      [refused.eventId],
    );
    expect(r2).toMatchObject({ status: 'rejected', attempts: 2, http_status: 400, result: { code: 'Y' } });
    // a refused or unknown eventId is no replay, and nothing is counted
    expect(await tx((em) => events.countReplay(em, refused.eventId))).toBeUndefined();
    expect(await tx((em) => events.countReplay(em, `ev-${randomUUID()}`))).toBeUndefined();
    const [{ replays }] = await db.ds.query(`SELECT replays FROM licensing_events WHERE event_id = $1`, [
      refused.eventId,
    ]);
    expect(replays).toBe(0);
    // it can be processed later under the same eventId
    await tx((em) => events.reprocess(em, refused));
    expect((await tx((em) => events.find(em, refused.eventId, false)))?.status).toBe('processed');
  });

  it('registry: lawyers by licence or ID number, pending members, practice moves, cities above a path', async () => {
    const m = db.region.members.find((x) => x.licenseNo && x.status === 'full')!;
    const found = await tx((em) => lawyers.memberByLicenceOrIdNumber(em, m.licenseNo!, 'nothing'));
    expect(found).toMatchObject({ id: m.id, license_no: m.licenseNo });
    expect((await tx((em) => lawyers.memberByLicenceOrIdNumber(em, 'no-licence', m.idNumber.toLowerCase())))?.id).toBe(
      m.id,
    );
    // the licence holder wins over another member with the ID number
    const other = db.region.members.find((x) => x.licenseNo && x.status === 'full' && x.id !== m.id)!;
    expect((await tx((em) => lawyers.memberByLicenceOrIdNumber(em, m.licenseNo!, other.idNumber)))?.id).toBe(m.id);
    expect(await tx((em) => lawyers.memberByLicenceOrIdNumber(em, 'no-licence', '36070219800101999X'))).toBeUndefined();
    // with the firms, in one read (the ID number opened as by memberByLicenceOrIdNumber)
    const both = await tx((em) =>
      lawyers.firmsAndLawyer(em, [db.region.anchors.firmAId, randomUUID()], {
        licenseNo: 'no-licence',
        idNumber: m.idNumber,
      }),
    );
    expect(both.firms.map((f) => f.id)).toEqual([db.region.anchors.firmAId]);
    expect(both.member).toEqual(found);
    const none = await tx((em) =>
      lawyers.firmsAndLawyer(em, [randomUUID()], { licenseNo: 'no-licence', idNumber: '36070219800101999X' }),
    );
    expect(none).toMatchObject({ firms: [], member: undefined });
    // nothing matched covers no organization (the org departments come along for party resolution regardless)
    expect(none.partyOrgs.covered).toEqual([]);
    const city = await tx((em) => lawyers.cityCommitteeAbove(em, found!.path));
    expect(city?.id).toBe(db.region.anchors.cityId);
    // a pending member; the same person created twice yields the first row
    const person = { name: '待核实', gender: 'male' as const, idNumber: '36070219800101001X', birthDate: '1980-01-01' };
    const created = await tx((em) =>
      lawyers.createPendingMember(em, { ...person, licenseNo: 'L-PENDING-1' }, db.region.anchors.cityId, now),
    );
    expect(created).toMatchObject({ org_id: db.region.anchors.cityId, status: 'full', pending_verification: true });
    // read back whole, stored sealed
    expect(created.id_number).toBe(person.idNumber);
    const [raw] = await db.ds.query(`SELECT id_number, id_number_blind_index FROM members WHERE id = $1`, [created.id]);
    expect(raw.id_number).not.toContain(person.idNumber.slice(0, 17));
    expect(raw.id_number_blind_index).toMatch(/^[0-9a-f]{64}$/);
    const again = await tx((em) =>
      lawyers.createPendingMember(em, { ...person, licenseNo: 'L-PENDING-1' }, db.region.anchors.cityId, now),
    );
    expect(again.id).toBe(created.id);
    await tx((em) => lawyers.setPractice(em, created.id, db.region.anchors.firmAId, 'L-OTHER', now));
    expect(await tx((em) => lawyers.memberById(em, created.id))).toMatchObject({
      firm_id: db.region.anchors.firmAId,
      license_no: 'L-PENDING-1',
    });
    await tx((em) => lawyers.clearPractice(em, created.id, now));
    expect((await tx((em) => lawyers.memberById(em, created.id)))?.firm_id).toBeNull();
  });

  it('registry: firms announced by events, established later; disciplines linked to a case', async () => {
    const county = db.region.firms[0].county;
    const regionCode = await tx((em) => lawyers.countyRegionCode(em, county));
    expect(regionCode).toBe(db.region.firms[0].regionCode);
    const id = randomUUID();
    const firm = await tx((em) =>
      lawyers.insertFirm(em, {
        id,
        name: '新设律师事务所',
        kind: 'firm',
        headFirmId: null,
        county,
        regionCode: regionCode!,
        directorName: '王主任',
        status: 'pending',
        establishedOn: null,
        uncoveredSince: null,
      }),
    );
    expect(firm).toMatchObject({ id, status: 'pending', coverage: 'none', established_on: null, party_org_name: null });
    expect((await tx((em) => lawyers.openFirmByName(em, '新设律师事务所')))?.id).toBe(id);
    await tx((em) => lawyers.establishFirm(em, id, '2026-05-01', now));
    expect(await tx((em) => lawyers.firmById(em, id))).toMatchObject({
      status: 'active',
      established_on: '2026-05-01',
    });
    expect(await tx((em) => lawyers.firmExists(em, id))).toBe(true);
    expect((await tx((em) => lawyers.firmsByIds(em, [id, db.region.anchors.firmAId]))).length).toBe(2);
    expect(await tx((em) => lawyers.ownBranchOrgOf(em, id))).toBeNull();
    const member = db.region.members[1];
    const caseId = await transferCase(['awaiting_release'], 'open', member.id);
    expect(await tx((em) => lawyers.openCaseOfMember(em, 'membership-transfer', member.id))).toBe(caseId);
    expect(await tx((em) => lawyers.openCaseOfFirm(em, 'branch-formation', id))).toBeUndefined();
    expect(await tx((em) => lawyers.lockCase(em, caseId))).toEqual({ status: 'open', state: 'awaiting_release' });
    const disciplineId = await tx((em) =>
      lawyers.insertDiscipline(em, {
        memberId: member.id,
        licenseNo: 'L',
        lawyerName: member.name,
        eventId: `ev-${randomUUID()}`,
        sanction: '训诫',
        reason: null,
        decidedOn: '2026-05-01',
        authority: null,
        recordedAt: now,
      }),
    );
    await tx((em) => lawyers.linkDisciplineToCase(em, disciplineId, caseId));
    expect(await db.ds.query(`SELECT case_id FROM member_disciplines WHERE id = $1`, [disciplineId])).toEqual([
      { case_id: caseId },
    ]);
  });
});
