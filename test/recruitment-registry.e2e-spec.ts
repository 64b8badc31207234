import { residentIdCheckChar } from '../libs/common/resident-id';
import { Harness, startHarness } from './support/harness';

/**
 * Recruitment rules fed from the registry, through HTTP: the age rule reads the registry's birth date and a
 * minor is a 422 with no case (it used to be a 201 case born closed in `refused`); a typed birth date must
 * agree with the registry; resident ID numbers are checked (GB 11643) at registration; a member removed by a
 * non-conforming case cannot apply again for five years — the refusal names the first possible day — and
 * then applies again as the same person, history kept. Branch-meeting figures are checked against the
 * registry's full members on the meeting day (probationary members have no vote).
 */
jest.setTimeout(60_000);

describe('recruitment: rules fed from the registry (e2e)', () => {
  let h: Harness;
  let branch: { Authorization: string };
  let city: { Authorization: string };
  // the engine's day is the Beijing day (UTC+8): between 16:00 and 24:00 UTC it is already tomorrow there
  const today = () => new Date(Date.now() + clockOffset + 8 * 3_600_000).toISOString().slice(0, 10);
  let clockOffset = 0;

  beforeAll(async () => {
    h = await startHarness();
    branch = await h.as('branch-a');
    city = await h.as('city');
  });
  afterAll(() => h.close());

  const idFor = (birth: string, seq: number) => {
    const first17 = `360702${birth.replace(/-/g, '')}${String(seq).padStart(3, '0')}`;
    return first17 + residentIdCheckChar(first17);
  };
  const register = (name: string, birthDate: string, seq: number, extra: Record<string, unknown> = {}) =>
    h
      .http()
      .post('/api/v1/members')
      .set(branch)
      .send({
        name,
        idNumber: idFor(birthDate, seq),
        birthDate,
        orgId: h.region.anchors.firmAOrgId,
        status: 'applicant',
        ...extra,
      });
  const apply = (memberId: string, input: Record<string, unknown>) =>
    h.http().post('/api/v1/cases').set(branch).send({ workflow: 'recruitment', subject: { memberId }, input });
  const casesOf = async (memberId: string) =>
    (await h.ds.query(`SELECT count(*)::int AS n FROM cases WHERE subject_member_id = $1`, [memberId]))[0].n;
  const ok = async (id: string, headers: { Authorization: string }, type: string, data?: Record<string, unknown>) => {
    const res = await h.http().post(`/api/v1/cases/${id}/events`).set(headers).send({ type, data });
    if (res.status !== 200) throw new Error(`${type}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  it('checks resident ID numbers at registration: check character, a real birth date, agreement with birthDate', async () => {
    const good = idFor('1990-05-01', 11);
    const bad = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
    const wrongCheck = await register('校验码错误', '1990-05-01', 11, { idNumber: bad });
    expect(wrongCheck.status).toBe(400);
    expect(wrongCheck.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(wrongCheck.body)).toMatch(/校验码/);
    const disagree = await register('日期不符', '1990-05-02', 12, { idNumber: idFor('1990-05-01', 12) });
    expect(disagree.status).toBe(400);
    expect(JSON.stringify(disagree.body)).toMatch(/不一致/);
    expect((await register('合规', '1990-05-01', 13)).status).toBe(201);
  });

  it('refuses a minor with 422 and opens no case; a typed birth date must agree with the registry', async () => {
    const [y, m, d] = today().split('-').map(Number);
    const seventeen = `${y - 17}-${String(m).padStart(2, '0')}-${String(Math.min(d, 28)).padStart(2, '0')}`;
    const minor = await register('未成年申请人', seventeen, 21);
    expect(minor.status).toBe(201);
    const refused = await apply(minor.body.id, { appliedOn: today() });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'RULE_VIOLATION' });
    expect(refused.body.message).toMatch(/未满十八周岁/);
    // the clerk typing an adult's birth date does not get past the registry
    const typed = await apply(minor.body.id, { appliedOn: today(), birthDate: '1990-01-01' });
    expect(typed.status).toBe(422);
    expect(typed.body.message).toMatch(/不一致/);
    expect(await casesOf(minor.body.id)).toBe(0);

    const adult = await register('成年申请人', '1995-03-03', 22);
    const opened = await apply(adult.body.id, { appliedOn: today() });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ state: 'talk_pending', context: { birthDate: '1995-03-03' } });
  });

  it('bars re-application for five years after removal, naming the day; then the same person applies again', async () => {
    const full: { id: string }[] = await h.ds.query(
      `SELECT id FROM members WHERE org_id = $1 AND status = 'full' ORDER BY id`,
      [h.region.anchors.firmAOrgId],
    );
    const [member, talker1, talker2] = full.map((f) => f.id);
    const nc = await h
      .http()
      .post('/api/v1/cases')
      .set(branch)
      .send({ workflow: 'nonconforming', subject: { memberId: member }, input: { grounds: '拒不履行党员义务' } });
    expect(nc.status).toBe(201);
    const id = nc.body.id;
    await ok(id, branch, 'PROPOSE', { measure: 'removal', grounds: '拒不履行党员义务，经教育不改' });
    await ok(id, city, 'ACK_FILING');
    await ok(id, branch, 'RECORD_INVESTIGATION', { findings: '情况属实' });
    // the two talkers are full members as the registry holds them: a registered applicant is refused
    const notFull = (await register('非正式党员谈话人乙', '1990-02-02', 41)).body.id;
    const byApplicant = await h
      .http()
      .post(`/api/v1/cases/${id}/events`)
      .set(branch)
      .send({ type: 'RECORD_TALK', data: { on: today(), by: [talker1, notFull] } });
    expect(byApplicant.status).toBe(422);
    expect(byApplicant.body.message).toBe('谈话人必须是正式党员，尚在预备期或不在党员信息库中的人员不能担任');
    await ok(id, branch, 'RECORD_TALK', { on: today(), by: [talker1, talker2] });
    await ok(id, city, 'PASS_PRE_REVIEW');
    const voters: number = (
      await h.ds.query(`SELECT count(*)::int AS n FROM members WHERE org_id = $1 AND status = 'full'`, [
        h.region.anchors.firmAOrgId,
      ])
    )[0].n;
    // counting the branch's probationary members in as voters: refused with both numbers
    const [{ n: probationary }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM members WHERE org_id = $1 AND status = 'probationary'`,
      [h.region.anchors.firmAOrgId],
    );
    const inflated = voters + Math.max(1, probationary);
    const wrong = await h
      .http()
      .post(`/api/v1/cases/${id}/events`)
      .set(branch)
      .send({
        type: 'RECORD_MEETING',
        data: {
          heldOn: today(),
          memberNotifiedOn: today(),
          defenseWaived: true,
          eligibleVoters: inflated,
          present: inflated,
          votesFor: inflated,
        },
      });
    expect(wrong.status).toBe(422);
    expect(wrong.body.message).toContain(`应到会有表决权的正式党员为 ${voters} 人`);
    expect(wrong.body.message).toContain(`填写的是 ${inflated} 人`);
    await ok(id, branch, 'RECORD_MEETING', {
      heldOn: today(),
      memberNotifiedOn: today(),
      defenseWaived: true,
      eligibleVoters: voters,
      present: voters,
      votesFor: voters,
    });
    const decided = await ok(id, city, 'APPROVE', { measure: 'removal' });
    expect(decided.state).toBe('removed');
    // an appeal does not suspend the decision: the member leaves the branch's voters and ratings at once
    expect((await h.ds.query(`SELECT status FROM members WHERE id = $1`, [member]))[0].status).toBe('removed');
    const [{ n: votersAfter }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM members WHERE org_id = $1 AND status = 'full'`,
      [h.region.anchors.firmAOrgId],
    );
    expect(votersAfter).toBe(voters - 1);
    const decidedOn = today();

    // the appeal window closes: removed in the registry
    const moved = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ advance: 'P40D' });
    expect(moved.status).toBe(200);
    clockOffset = new Date(moved.body.now).getTime() - Date.now();
    expect((await h.ds.query(`SELECT status FROM members WHERE id = $1`, [member]))[0].status).toBe('removed');

    const [y, m, d] = decidedOn.split('-').map(Number);
    const possible = `${y + 5}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    const barred = await apply(member, { appliedOn: today() });
    expect(barred.status).toBe(422);
    expect(barred.body.message).toContain(`${possible} 起方可重新申请`);
    expect(barred.body.message).toContain(decidedOn);

    // five years later: the same registry entry applies again and is an applicant again
    const later = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ set: `${possible}T10:00:00+08:00` });
    expect(later.status).toBe(200);
    clockOffset = new Date(later.body.now).getTime() - Date.now();
    const again = await apply(member, { appliedOn: possible });
    expect(again.status).toBe(201);
    expect((await h.ds.query(`SELECT status FROM members WHERE id = $1`, [member]))[0].status).toBe('applicant');
    const timeline = (await h.http().get(`/api/v1/members/${member}/timeline`).set(branch)).body.entries;
    expect(
      timeline.filter((e: any) => e.kind === 'case_event' && e.title.endsWith('：发起')).map((e: any) => e.workflow),
    ).toEqual(['nonconforming', 'recruitment']);
    expect(timeline.filter((e: any) => e.kind === 'registry_change').map((e: any) => e.detail.to)).toEqual([
      'removed',
      'applicant',
    ]);
  });

  it('talkers must be full members; 留党察看 recorded by a non-conforming case, shown on the member, bars introducing, sponsoring, election as secretary, voting and a rating until it runs out', async () => {
    const shift = (days: number) =>
      new Date(Date.parse(`${today()}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    const full: { id: string; name: string }[] = await h.ds.query(
      `SELECT id, name FROM members m WHERE org_id = $1 AND status = 'full'
         AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.subject_member_id = m.id AND c.status = 'open')
       ORDER BY id`,
      [h.region.anchors.firmAOrgId],
    );
    expect(full.length).toBeGreaterThanOrEqual(3);
    const [disciplined, introducer, other] = full;

    // an applicant taken to 发展对象 with dates in the past (a year and more as activist)
    const applicant = await register('留党察看测试申请人', '1992-07-07', 31);
    expect(applicant.status).toBe(201);
    const opened = await apply(applicant.body.id, { appliedOn: shift(-800) });
    expect(opened.status).toBe(201);
    const rid = opened.body.id;
    // 谈话人: full members as the registry holds them — a name typed alone is no longer enough (400), a registered
    // person who is no full member is refused with the rule's message, and so is the applicant
    const talk = (data: Record<string, unknown>) =>
      h.http().post(`/api/v1/cases/${rid}/events`).set(branch).send({ type: 'RECORD_TALK', data });
    const typedOnly = await talk({ talkedOn: shift(-790), by: '支部书记' });
    expect(typedOnly.status).toBe(400);
    const notFull = await register('非正式党员谈话人', '1991-01-01', 32);
    expect(notFull.body.status).toBe('applicant');
    const byNonMember = await talk({ talkedOn: shift(-790), talkerIds: [notFull.body.id], by: '支部书记' });
    expect(byNonMember.status).toBe(422);
    expect(byNonMember.body).toMatchObject({
      code: 'RULE_VIOLATION',
      message: '谈话人必须是正式党员，尚在预备期或不在党员信息库中的人员不能担任',
    });
    const byApplicant = await talk({ talkedOn: shift(-790), talkerIds: [applicant.body.id] });
    expect(byApplicant.status).toBe(422);
    expect(byApplicant.body.message).toBe('申请人本人不能担任谈话人');
    const talked = await ok(rid, branch, 'RECORD_TALK', { talkedOn: shift(-790), talkerIds: [introducer.id] });
    expect(talked.context.talk).toEqual({ talkedOn: shift(-790), talkerIds: [introducer.id] });
    await ok(rid, branch, 'CONFIRM_ACTIVIST', { confirmedOn: shift(-700), method: 'member_recommendation' });
    await ok(rid, city, 'FILE_ACTIVIST');

    // the upper committee records 留党察看 (one year) in the member's non-conforming case, which ends there
    const nc = await h
      .http()
      .post('/api/v1/cases')
      .set(branch)
      .send({ workflow: 'nonconforming', subject: { memberId: disciplined.id }, input: { grounds: '违反廉洁纪律' } });
    expect(nc.status).toBe(201);
    // 党章 art. 9: out of contact, the branch may suspend the membership at its steps before the decision once six
    // months have passed (here only three: refused by the rule; the upper committee does not suspend)
    const suspend = (who: { Authorization: string }) =>
      h
        .http()
        .post(`/api/v1/cases/${nc.body.id}/events`)
        .set(who)
        .send({ type: 'SUSPEND_MEMBERSHIP', data: { lostContactSince: shift(-90) } });
    expect((await suspend(city)).status).toBe(403);
    const early = await suspend(branch);
    expect(early.status).toBe(422);
    expect(early.body.message).toMatch(/^与党组织失去联系满6个月方可停止党籍/);
    await ok(nc.body.id, branch, 'PROPOSE', { measure: 'correction' });
    const decidedOn = shift(-1);
    const closed = await ok(nc.body.id, city, 'RECORD_PARTY_PROBATION', { decidedOn, years: 1 });
    expect(closed).toMatchObject({ state: 'closed_disciplined', status: 'closed' });
    const until = `${Number(decidedOn.slice(0, 4)) + 1}${decidedOn.slice(4)}`;
    const shown = await h.http().get(`/api/v1/members/${disciplined.id}`).set(branch);
    expect(shown.status).toBe(200);
    expect(shown.body.status).toBe('full');
    expect(shown.body.partyDiscipline).toEqual({
      kind: 'party_probation',
      title: '留党察看',
      from: decidedOn,
      until,
      caseId: nc.body.id,
    });
    expect((await h.http().get(`/api/v1/members/${introducer.id}`).set(branch)).body.partyDiscipline).toBeNull();

    // nor as 培养联系人 (the introducers are as a rule the sponsors), nor elected secretary (no right to be elected)
    const sponsor = await h
      .http()
      .post(`/api/v1/cases/${rid}/events`)
      .set(branch)
      .send({ type: 'ASSIGN_SPONSORS', data: { memberIds: [disciplined.id] } });
    expect(sponsor.status).toBe(422);
    expect(sponsor.body.message).toBe(
      `受留党察看处分、尚未恢复党员权利的党员不能担任培养联系人（入党介绍人一般由培养联系人担任）：${disciplined.name}（留党察看期 ${until} 届满）`,
    );
    await ok(rid, branch, 'ASSIGN_SPONSORS', { memberIds: [introducer.id] });
    await ok(rid, branch, 'CONFIRM_CANDIDATE', { confirmedOn: shift(-1) });
    await ok(rid, city, 'FILE_CANDIDATE');
    const secretary = await h
      .http()
      .put(`/api/v1/orgs/${h.region.anchors.firmAOrgId}/secretary`)
      .set(branch)
      .send({ secretaryId: disciplined.id, electedOn: today() });
    expect(secretary.status).toBe(422);
    expect(secretary.body.message).toContain('没有被选举权，不能担任支部书记');

    // a full member in the registry, but under 留党察看: refused as 入党介绍人 with the rule's own message
    const refused = await h
      .http()
      .post(`/api/v1/cases/${rid}/events`)
      .set(branch)
      .send({ type: 'ASSIGN_INTRODUCERS', data: { memberIds: [introducer.id, disciplined.id] } });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('RULE_VIOLATION');
    expect(refused.body.message).toBe(
      `受留党察看处分、尚未恢复党员权利的党员不能担任入党介绍人：${disciplined.name}（留党察看期 ${until} 届满）`,
    );
    await ok(rid, branch, 'ASSIGN_INTRODUCERS', { memberIds: [introducer.id, other.id] });

    // … and has no vote (党章 art. 40): the branch meeting's eligible voters leave the member out on that day
    await ok(rid, branch, 'RECORD_POLITICAL_REVIEW', { conclusion: 'qualified', on: shift(-1) });
    await ok(rid, city, 'RECORD_TRAINING', { from: shift(-5), to: shift(-3), days: 3, hours: 24 });
    await ok(rid, branch, 'PASS_COMMITTEE_REVIEW');
    await ok(rid, city, 'PASS_PRE_REVIEW');
    await ok(rid, branch, 'SUBMIT_VOLUNTEER_FORM');
    const [{ n: fullCount }] = await h.ds.query(
      `SELECT count(*)::int AS n FROM members WHERE org_id = $1 AND status = 'full'`,
      [h.region.anchors.firmAOrgId],
    );
    const meeting = (voters: number) => ({
      heldOn: today(),
      eligibleVoters: voters,
      present: voters,
      votesFor: voters,
    });
    const counted = await h
      .http()
      .post(`/api/v1/cases/${rid}/events`)
      .set(branch)
      .send({ type: 'RECORD_BRANCH_MEETING', data: meeting(fullCount) });
    expect(counted.status).toBe(422);
    expect(counted.body.message).toContain(`应到会有表决权的正式党员为 ${fullCount - 1} 人`);
    await ok(rid, branch, 'RECORD_BRANCH_MEETING', meeting(fullCount - 1));
    // 细则: probationary from the upper committee's approval, before the organization department files it
    await ok(rid, city, 'RECORD_UPPER_TALK', { on: today(), talkerIds: [other.id] });
    const approved = await ok(rid, city, 'APPROVE_ADMISSION');
    expect(approved.state).toBe('admission_filing');
    // with the registry's 入党日期: the day the branch meeting accepted them
    expect((await h.http().get(`/api/v1/members/${applicant.body.id}`).set(branch)).body).toMatchObject({
      status: 'probationary',
      joinedOn: today(),
    });

    // … and is not rated in the annual 民主评议: taking part without a rating, like a probationary member
    const year = Number(today().slice(0, 4)) - 1;
    const review = await h
      .http()
      .post('/api/v1/cases')
      .set(city)
      .send({ workflow: 'annual-review', subject: { orgId: h.region.anchors.firmAOrgId }, input: { year } });
    expect(review.status).toBe(201);
    const fullNow: { id: string }[] = await h.ds.query(`SELECT id FROM members WHERE org_id = $1 AND status = 'full'`, [
      h.region.anchors.firmAOrgId,
    ]);
    await ok(review.body.id, branch, 'RECORD_SELF_ASSESSMENTS', { memberIds: fullNow.map((m) => m.id) });
    await ok(review.body.id, branch, 'RECORD_PEER_REVIEW', { heldOn: today() });
    await ok(review.body.id, branch, 'RECORD_MEETING', { heldOn: today(), branchComment: '支部讲评' });
    await ok(review.body.id, city, 'RECORD_LEADER_COMMENT', { comment: '领导点评' });
    const rate = (ids: { id: string }[]) =>
      h
        .http()
        .post(`/api/v1/cases/${review.body.id}/events`)
        .set(branch)
        .send({ type: 'SUBMIT_RATINGS', data: { ratings: Object.fromEntries(ids.map((m) => [m.id, 'qualified'])) } });
    const ratedAll = await rate(fullNow);
    expect(ratedAll.status).toBe(422);
    expect(ratedAll.body.message).toBe(
      `受留党察看处分、尚未恢复党员权利的党员参加评议但不评定等次：${disciplined.name}（留党察看期 ${until} 届满）`,
    );
    const rated = await rate(fullNow.filter((m) => m.id !== disciplined.id));
    expect(rated.status).toBe(200);
    expect(rated.body.state).toBe('secretary_report');

    // once the period has run out the registry no longer holds it in force
    const later = await h
      .http()
      .post('/api/v1/_clock')
      .set(await h.as('admin'))
      .send({ set: `${until}T10:00:00+08:00` });
    expect(later.status).toBe(200);
    clockOffset = new Date(later.body.now).getTime() - Date.now();
    expect((await h.http().get(`/api/v1/members/${disciplined.id}`).set(branch)).body.partyDiscipline).toBeNull();
  });
});
