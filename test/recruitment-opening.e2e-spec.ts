import { randomInt } from 'node:crypto';
import { residentIdCheckChar } from '../libs/common/resident-id';
import { Harness, startHarness } from './support/harness';

/**
 * Opening a 发展党员 case through HTTP on real PostgreSQL and Redis: the opening rule (年满十八岁) is refused
 * with 422 before any case exists, and an adult applicant's case opens waiting for the talk.
 */
describe('recruitment opening (e2e)', () => {
  let h: Harness;
  let branchA: { Authorization: string };

  beforeAll(async () => {
    h = await startHarness();
    branchA = await h.as('branch-a');
  }, 60_000);
  afterAll(() => h.close());

  /** Registers an applicant in firm A's branch (a fresh, valid resident ID number carrying the birth date). */
  async function applicant(name: string, birthDate: string): Promise<string> {
    const first17 = `360702${birthDate.replace(/-/g, '')}${String(randomInt(0, 1000)).padStart(3, '0')}`;
    const idNumber = first17 + residentIdCheckChar(first17);
    const res = await h
      .http()
      .post('/api/v1/members')
      .set(branchA)
      .send({ name, idNumber, birthDate, orgId: h.region.anchors.firmAOrgId, status: 'applicant' });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  const open = (memberId: string, input: Record<string, unknown>) =>
    h.http().post('/api/v1/cases').set(branchA).send({ workflow: 'recruitment', subject: { memberId }, input });

  it('refuses an applicant under 18 with 422 RULE_VIOLATION and opens nothing', async () => {
    const memberId = await applicant('未成年申请人', '2010-03-01');
    const res = await open(memberId, { appliedOn: '2026-01-05', birthDate: '2010-03-01' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'RULE_VIOLATION', details: { rule: 'opening' } });
    expect(res.body.message).toMatch(/未满十八周岁/);

    const cases = await h.http().get('/api/v1/cases?workflow=recruitment&pageSize=200').set(branchA);
    expect(cases.status).toBe(200);
    expect(cases.body.items.filter((c: any) => c.subject.memberId === memberId)).toEqual([]);
  });

  it('opens an adult applicant’s case in talk_pending', async () => {
    const memberId = await applicant('成年申请人', '1995-03-01');
    const res = await open(memberId, { appliedOn: '2026-01-05', birthDate: '1995-03-01' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ workflow: 'recruitment', state: 'talk_pending', status: 'open' });
  });
});
