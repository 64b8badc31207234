import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Select, Space, Steps } from 'antd';
import { useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useWorkflow, useWorkflows } from '../api/hooks';
import { ApiError, call, client, newIdempotencyKey } from '../api/http';
import type { CaseView, Org, WorkflowSummary } from '../api/types';
import { useAuth } from '../auth/auth';
import { FirmPicker, MemberPicker, OrgPicker } from '../components/pickers';
import { SchemaFields, toPayload } from '../components/SchemaForm';
import { SUBJECT_KIND_TITLES } from '../labels';

/**
 * Which kinds of organization hold each party that may open a procedure (the engine decides for the
 * chosen subject; this only keeps procedures I can never open out of the list).
 */
const PARTY_ORG_TYPES: Record<string, string[]> = {
  holder: ['branch', 'joint_branch', 'general_branch', 'city_committee', 'county_committee'],
  sending: ['branch', 'joint_branch', 'general_branch', 'city_committee', 'county_committee'],
  receiving: ['branch', 'joint_branch', 'general_branch', 'city_committee', 'county_committee'],
  branch: ['branch', 'joint_branch', 'general_branch'],
  branchUpper: ['county_committee', 'city_committee', 'general_branch'],
  city: ['city_committee'],
};

export function mayOpen(
  w: WorkflowSummary & { openers?: { role: string; party: string }[] },
  myOrgs: Org[],
  roles: string[],
) {
  if (roles.includes('admin')) return true;
  if (!w.openers) return roles.includes('clerk');
  return w.openers.some(
    (o) => roles.includes(o.role) && myOrgs.some((org) => PARTY_ORG_TYPES[o.party]?.includes(org.type)),
  );
}

/** 发起流程: procedure → subject → the procedure's opening form. */
export default function OpenCasePage() {
  const { me } = useAuth();
  const workflows = useWorkflows();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm();
  const [key, setKey] = useState<string | undefined>();
  const [subjectId, setSubjectId] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const wf = useWorkflow(key);
  const myOrgs = useQuery({
    queryKey: ['my-orgs', me?.id],
    enabled: !!me,
    queryFn: () =>
      Promise.all(
        (me?.roles ?? []).map((r) => call<Org>(client.GET('/api/v1/orgs/{id}', { params: { path: { id: r.orgId } } }))),
      ),
  });
  const roles = (me?.roles ?? []).map((r) => r.role);
  const openable = useMemo(
    () => (workflows.data ?? []).filter((w) => mayOpen(w as any, myOrgs.data ?? [], roles)),
    [workflows.data, myOrgs.data, roles],
  );
  const kind = wf.data?.subjectKind;

  const submit = async () => {
    if (inFlight.current || !key || !subjectId) return;
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      const subject =
        kind === 'member' ? { memberId: subjectId } : kind === 'firm' ? { firmId: subjectId } : { orgId: subjectId };
      const created = await call<CaseView>(
        client.POST('/api/v1/cases', {
          headers: { 'Idempotency-Key': newIdempotencyKey() },
          body: { workflow: key, subject, input: toPayload(wf.data?.inputSchema, values.input ?? {}) ?? {} },
        } as any),
      );
      // the new case is work in my inbox and the case list at once: cached pages (fresh for 15 s) must not hide it
      await Promise.all([qc.invalidateQueries({ queryKey: ['tasks'] }), qc.invalidateQueries({ queryKey: ['cases'] })]);
      // the answer is the new case's view, as its page reads it: the page opens on it without asking again
      qc.setQueryData(['case', created.id], created);
      navigate(`/cases/${created.id}`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 400 && Array.isArray(e.details)) {
        const fields = e.details.filter((d: any) => d.field?.startsWith('input.'));
        form.setFields(fields.map((d: any) => ({ name: d.field.split('.'), errors: d.errors })));
        if (fields.length < e.details.length || !fields.length) setError(e.message);
      } else setError(e.message);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const step = !key ? 0 : !subjectId ? 1 : 2;
  return (
    <div style={{ maxWidth: 760 }}>
      <h1 style={{ fontSize: 20 }}>发起流程</h1>
      <Steps
        size="small"
        current={step}
        style={{ marginBottom: 16 }}
        items={[{ title: '选择流程' }, { title: '选择对象' }, { title: '填写并提交' }]}
      />
      <Card>
        <Form form={form} layout="vertical" requiredMark>
          <Form.Item label="流程" required>
            <Select
              aria-label="流程"
              placeholder={openable.length || workflows.isPending ? '请选择要发起的流程' : '您没有可发起的流程'}
              loading={workflows.isPending || myOrgs.isPending}
              value={key}
              onChange={(v) => {
                setKey(v);
                setSubjectId(undefined);
                form.resetFields();
              }}
              options={openable.map((w) => ({
                value: w.key,
                label: `${w.title}（对象：${SUBJECT_KIND_TITLES[w.subjectKind]}）`,
              }))}
            />
          </Form.Item>
          {key && kind ? (
            <Form.Item label={`办理对象（${SUBJECT_KIND_TITLES[kind]}）`} required>
              {kind === 'member' ? (
                <MemberPicker aria-label="办理对象" value={subjectId} onChange={setSubjectId} />
              ) : kind === 'firm' ? (
                <FirmPicker aria-label="办理对象" value={subjectId} onChange={setSubjectId} />
              ) : (
                <OrgPicker aria-label="办理对象" value={subjectId} onChange={setSubjectId} />
              )}
            </Form.Item>
          ) : null}
          {key && subjectId ? <SchemaFields schema={wf.data?.inputSchema} prefix={['input']} /> : null}
        </Form>
        {error ? (
          <Alert type="error" showIcon role="alert" title="未能发起" description={error} style={{ marginBottom: 12 }} />
        ) : null}
        <Space>
          <Button
            type="primary"
            disabled={!key || !subjectId}
            loading={busy}
            onClick={submit}
            data-testid="open-submit"
          >
            发起
          </Button>
          <Button onClick={() => navigate(-1)}>取消</Button>
        </Space>
      </Card>
    </div>
  );
}
