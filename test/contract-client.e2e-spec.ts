import * as fs from 'fs';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { createApiClient, type ApiClient, type Schemas } from '../libs/api-client';
import { fullMembersOf, Harness, startHarness } from './support/harness';
import { beijingDay } from './support/dates';
import { responseValidators } from './support/contract';

// booting the app and the clock moves take seconds on a loaded 2-core machine
jest.setTimeout(60_000);

const DOCUMENT = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'libs', 'api-client', 'openapi.json'), 'utf8'));

/**
 * The public API driven through the generated client (libs/api-client) against the real application on
 * PostgreSQL and Redis. Every response is checked against the committed OpenAPI document, so a change of
 * the code that the document does not follow (a field, a status, a shape) fails here.
 */
describe('contract: the generated client against the running API (e2e)', () => {
  let h: Harness;
  let baseUrl: string;
  const problems: string[] = [];
  const validatorFor = responseValidators();

  /** A client for `token` whose every response must match the document. */
  const client = (token?: string): ApiClient => {
    const api = createApiClient(baseUrl, token);
    api.use({
      async onResponse({ request, response, schemaPath }) {
        try {
          const validate = validatorFor(request.method, schemaPath, response.status);
          if (validate && response.headers.get('content-type')?.includes('application/json')) {
            const body = await response.clone().json();
            if (!validate(body))
              problems.push(
                `${request.method} ${schemaPath} ${response.status}: ${JSON.stringify(validate.errors?.slice(0, 3))}`,
              );
          }
        } catch (e) {
          problems.push(String(e));
        }
        return response;
      },
    });
    return api;
  };
  const login = async (username: string) => {
    const { data, error } = await client().POST('/api/v1/auth/token', { body: { username, password: 'demo' } });
    if (!data) throw new Error(`login ${username}: ${JSON.stringify(error)}`);
    return client(data.accessToken);
  };

  beforeAll(async () => {
    h = await startHarness();
    await h.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(h.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => h?.close());
  afterEach(() => {
    // responses that did not match the document (collected by the client middleware)
    expect(problems.splice(0)).toEqual([]);
  });

  it('serves at /docs-json exactly the committed document', async () => {
    const res = await fetch(`${baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(DOCUMENT);
  });

  it('logs in, reads the user and the workflows with their form schemas', async () => {
    const bad = await client().POST('/api/v1/auth/token', { body: { username: 'branch-a', password: 'wrong' } });
    expect(bad.response.status).toBe(401);
    expect(bad.error?.code).toBe('INVALID_CREDENTIALS');

    const api = await login('branch-a');
    const me = await api.GET('/api/v1/auth/me');
    expect(me.data).toMatchObject({ username: 'branch-a' });

    const list = await api.GET('/api/v1/workflows');
    expect(list.data?.map((w) => w.key)).toEqual(expect.arrayContaining(['membership-transfer', 'recruitment']));

    const detail = await api.GET('/api/v1/workflows/{key}', { params: { path: { key: 'membership-transfer' } } });
    expect(detail.data?.mermaid).toContain('stateDiagram-v2');
    expect(detail.data?.inputSchema).toMatchObject({ required: ['toOrgId'], additionalProperties: false });
    expect(detail.data?.eventSchemas.ISSUE_LETTER).toMatchObject({
      title: '开具组织关系介绍信',
      required: ['letterNo', 'validUntil'],
    });
    expect(detail.data?.eventSchemas.ACCEPT).toMatchObject({ properties: {}, additionalProperties: false });

    const missing = await api.GET('/api/v1/workflows/{key}', { params: { path: { key: 'no-such-workflow' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.code).toBe('NOT_FOUND');
  });

  it('runs a membership transfer through the client: open, events, history, tasks, audit', async () => {
    const branchA = await login('branch-a');
    const branchB = await login('branch-b');
    const city = await login('city');
    const member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[0];
    const validUntil = beijingDay(60);

    const opened = await branchA.POST('/api/v1/cases', {
      body: {
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      },
      headers: { 'Idempotency-Key': `contract-${member.id}` },
    });
    expect(opened.response.status).toBe(201);
    const caseId = opened.data!.id;
    expect(opened.data).toMatchObject({ state: 'release_review', version: 1, status: 'open' });
    // the same Idempotency-Key again: the same case, 200
    const again = await branchA.POST('/api/v1/cases', {
      body: {
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      },
      headers: { 'Idempotency-Key': `contract-${member.id}` },
    });
    expect(again.response.status).toBe(200);
    expect(again.data?.id).toBe(caseId);

    const tasks = await branchA.GET('/api/v1/tasks');
    const task = tasks.data?.find((t) => t.caseId === caseId);
    expect(task?.availableEvents.map((e) => e.type)).toEqual(expect.arrayContaining(['APPROVE_RELEASE']));

    const send = (api: ApiClient, body: Schemas['SendEventRequest']) =>
      api.POST('/api/v1/cases/{id}/events', { params: { path: { id: caseId } }, body });

    const released = await send(branchA, { type: 'APPROVE_RELEASE', comment: '同意转出', expectedVersion: 1 });
    expect(released.response.status).toBe(200);
    expect(released.data).toMatchObject({ state: 'letter_pending', version: 2 });
    const letter = await send(city, { type: 'ISSUE_LETTER', data: { letterNo: '赣律党转〔2026〕9号', validUntil } });
    expect(letter.data?.state).toBe('acceptance_review');
    expect((await send(branchB, { type: 'ACCEPT' })).data?.state).toBe('awaiting_report');
    const done = await send(branchB, {
      type: 'RECORD_REPORT',
      data: { reportedOn: beijingDay() },
    });
    expect(done.data).toMatchObject({ state: 'completed', status: 'closed', version: 5, availableEvents: [] });

    const one = await city.GET('/api/v1/cases/{id}', { params: { path: { id: caseId } } });
    expect(one.data?.closedAt).not.toBeNull();
    const history = await city.GET('/api/v1/cases/{id}/history', { params: { path: { id: caseId } } });
    expect(history.data?.map((r) => r.type)).toEqual([
      'OPEN',
      'APPROVE_RELEASE',
      'ISSUE_LETTER',
      'ACCEPT',
      'RECORD_REPORT',
    ]);
    expect(history.data?.[1]).toMatchObject({ comment: '同意转出', from: 'release_review', to: 'letter_pending' });

    const listed = await city.GET('/api/v1/cases', {
      params: { query: { workflow: 'membership-transfer', status: 'closed' } },
    });
    expect(listed.data?.items.map((c) => c.id)).toContain(caseId);

    const supervisor = await login('supervisor');
    const verify = await supervisor.GET('/api/v1/audit/verify', { params: { query: { caseId } } });
    expect(verify.data).toMatchObject({ ok: true, checked: 5 });
    const audit = await supervisor.GET('/api/v1/audit/events', {
      params: { query: { workflow: 'membership-transfer' } },
    });
    expect(audit.data?.items.some((e) => e.caseId === caseId)).toBe(true);
  });

  it('answers errors in the documented shape: 400, 401, 403, 404, 409, 422', async () => {
    const branchA = await login('branch-a');
    const branchB = await login('branch-b');
    const member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[1];
    const opened = await branchA.POST('/api/v1/cases', {
      body: {
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      },
    });
    const id = opened.data!.id;
    const send = (api: ApiClient, body: Schemas['SendEventRequest']) =>
      api.POST('/api/v1/cases/{id}/events', { params: { path: { id } }, body });

    const anonymous = await client().GET('/api/v1/cases/{id}', { params: { path: { id } } });
    expect([anonymous.response.status, anonymous.error?.code]).toEqual([401, 'UNAUTHORIZED']);

    const unknown = await branchA.GET('/api/v1/cases/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
    });
    expect([unknown.response.status, unknown.error?.code]).toEqual([404, 'NOT_FOUND']);

    const forbidden = await send(branchB, { type: 'APPROVE_RELEASE' });
    expect([forbidden.response.status, forbidden.error?.code]).toEqual([403, 'FORBIDDEN']);

    const notNow = await send(branchA, { type: 'ACCEPT' });
    expect([notNow.response.status, notNow.error?.code]).toEqual([422, 'EVENT_NOT_ALLOWED']);

    // data that the event's schema refuses: the reason is missing
    const invalid = await send(branchA, { type: 'REJECT_RELEASE', data: {} as { reason: string } });
    expect([invalid.response.status, invalid.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(invalid.error?.message).toMatch(/[\u4e00-\u9fff]/);

    const stale = await send(branchA, { type: 'APPROVE_RELEASE', expectedVersion: 7 });
    expect([stale.response.status, stale.error?.code]).toEqual([409, 'CASE_VERSION_CONFLICT']);
    // nothing of the refused requests was applied
    const after = await branchA.GET('/api/v1/cases/{id}', { params: { path: { id } } });
    expect(after.data).toMatchObject({ state: 'release_review', version: 1 });
  });

  it('delivers reminders as notifications, read through the client', async () => {
    const admin = await login('admin');
    const branchA = await login('branch-a');
    const member = fullMembersOf(h.region, h.region.anchors.firmAOrgId)[2];
    const opened = await branchA.POST('/api/v1/cases', {
      body: {
        workflow: 'membership-transfer',
        subject: { memberId: member.id },
        input: { toOrgId: h.region.anchors.firmBOrgId },
      },
    });
    expect(opened.response.status).toBe(201);
    const moved = await admin.POST('/api/v1/_clock', { body: { advance: 'P10D' } });
    expect(moved.data?.fired).toBeGreaterThan(0);

    const page = await branchA.GET('/api/v1/notifications');
    const notice = page.data?.items.find((n) => n.caseId === opened.data!.id && !n.read);
    expect(notice).toBeDefined();
    expect(page.data!.unread).toBeGreaterThan(0);
    const read = await branchA.POST('/api/v1/notifications/{id}/read', { params: { path: { id: notice!.id } } });
    expect(read.data).toMatchObject({ id: notice!.id, read: true });
    const all = await branchA.POST('/api/v1/notifications/read-all');
    expect(all.data?.updated).toBeGreaterThanOrEqual(0);
    expect((await branchA.GET('/api/v1/notifications')).data?.unread).toBe(0);

    const overdue = await branchA.GET('/api/v1/cases', { params: { query: { overdue: true } } });
    expect(overdue.data?.items.map((c) => c.id)).toContain(opened.data!.id);

    // a supervisor's 催办 reaches the clerks as a notification of its own kind, which the document must name
    // (it listed reminder/overdue/escalation/info only, so every inbox holding an urge broke the contract)
    const supervisor = await login('supervisor');
    const urged = await supervisor.POST('/api/v1/cases/{id}/urge', {
      params: { path: { id: opened.data!.id } },
      body: { comment: '请尽快办理' },
    });
    expect(urged.response.status).toBe(201);
    const inbox = await branchA.GET('/api/v1/notifications');
    expect(inbox.data?.items.some((n) => n.caseId === opened.data!.id && n.kind === 'urge')).toBe(true);
  });

  it('reads the registry, reports, calendar and health through the client', async () => {
    const city = await login('city');
    const orgs = await city.GET('/api/v1/orgs');
    expect(orgs.data?.[0].children.length).toBeGreaterThan(0);
    const org = await city.GET('/api/v1/orgs/{id}', { params: { path: { id: h.region.anchors.firmAOrgId } } });
    expect(org.data?.memberCounts.total).toBeGreaterThan(0);
    const firms = await city.GET('/api/v1/firms');
    expect(firms.data?.length).toBeGreaterThan(0);
    const firm = await city.GET('/api/v1/firms/{id}', { params: { path: { id: firms.data![0].id } } });
    expect(firm.data?.id).toBe(firms.data![0].id);
    const members = await city.GET('/api/v1/members', { params: { query: { pageSize: 5 } } });
    expect(members.data?.items).toHaveLength(5);
    const member = await city.GET('/api/v1/members/{id}', { params: { path: { id: members.data!.items[0].id } } });
    expect(member.data?.idNumber).toContain('*');
    const coverage = await city.GET('/api/v1/reports/coverage');
    expect(coverage.data?.totals.firms).toBeGreaterThan(0);
    expect((await city.GET('/api/v1/calendar/years')).data?.length).toBeGreaterThan(0);
    expect((await city.GET('/api/v1/notifications/channels')).response.status).toBe(200);
    expect((await city.GET('/api/v1/integrations/licensing/deliveries')).data?.items).toEqual([]);
    const health = await client().GET('/health');
    expect(health.data?.status).toBe('ok');
  });
});
