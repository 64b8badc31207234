import { residentIdCheckChar } from '../libs/common/resident-id';
import { MemberChangesRepository } from '../libs/registry/member-changes.repository';
import { fullMembersOf, Harness, startHarness } from './support/harness';

/** A day in Asia/Shanghai, `days` from today (wall time: this suite never moves the engine clock). */
const beijingDay = (days: number) =>
  new Date(Date.now() + days * 86_400_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });

/**
 * S10: the voters of a branch meeting (`fullMembersAtMeeting`, checked against the eligibleVoters a meeting
 * records) are the branch's full members on the meeting's day. A member registered in the registry after
 * that day was counted too, so the figure of a meeting held last week changed with every registration since.
 */
describe('eligible voters of a meeting on its day (e2e)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(() => h.close());

  it('do not include members registered after the meeting date', async () => {
    const subject = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];
    const voters = h.app.get(MemberChangesRepository);
    const on = (day: string) => voters.fullMembersOfBranchOn(h.ds.manager, subject.id, day);
    const yesterday = beijingDay(-1);
    const before = await on(yesterday);
    expect(before).toBeGreaterThan(0);

    const first17 = `36070219850607${String(Date.now() % 1000).padStart(3, '0')}`;
    const registered = await h
      .http()
      .post('/api/v1/members')
      .set(await h.as('branch-a'))
      .send({
        name: '新登记党员',
        idNumber: first17 + residentIdCheckChar(first17),
        birthDate: '1985-06-07',
        firmId: h.region.anchors.firmAId,
        orgId: h.region.anchors.firmAOrgId,
        status: 'full',
      });
    expect(registered.status).toBe(201);

    // a meeting held yesterday had the voters it had then; one held today counts the new member
    expect(await on(yesterday)).toBe(before);
    expect(await on(beijingDay(0))).toBe(before! + 1);
  });
});
