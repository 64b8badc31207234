import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Descriptions, Form, Select, Tag, message as antdMessage } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Schemas } from '../../../../libs/api-client';
import { useOrgPartyMembers } from '../api/hooks';
import { call, client } from '../api/http';
import { hasRole, useAuth } from '../auth/auth';
import { beijing } from '../time';
import { WorkingDayPicker } from './pickers';
import { putBesideFields } from './fieldRefusals';
import { RecordDialog } from './RecordDialog';

type OrgTerm = Schemas['OrgTermDto'];

/** The organizations a secretary and term are recorded for (the branch-term procedure's). */
export const TERM_ORG_TYPES = ['branch', 'joint_branch', 'general_branch'];

/**
 * 支部书记与任期 of one organization: the secretary, the term with its end, the 换届 reminder and case, and —
 * for a clerk — recording them (`PUT /orgs/:id/secretary`: the first record opens the branch-term case, a
 * later one, a new secretary or an early election, goes into the same case). A term past its end or in its
 * last three months is said so, on the system's today.
 */
export function BranchTerm({ orgId }: { orgId: string }) {
  const { me } = useAuth();
  const term = useQuery({
    queryKey: ['org-term', orgId],
    queryFn: () => call<OrgTerm>(client.GET('/api/v1/orgs/{id}/secretary', { params: { path: { id: orgId } } })),
  });
  const [recording, setRecording] = useState(false);
  // its own message holder: the registry page has no antd <App> around it
  const [message, holder] = antdMessage.useMessage();
  const t = term.data;
  const today = beijing().format('YYYY-MM-DD');
  const ended = !!t?.termEndsOn && t.termEndsOn <= today;
  return (
    <div data-testid="branch-term">
      {holder}
      <Descriptions
        size="small"
        column={1}
        title={<span style={{ fontSize: 14 }}>支部书记与任期</span>}
        extra={
          hasRole(me, 'clerk') && t ? (
            <Button size="small" onClick={() => setRecording(true)}>
              {t.secretaryId ? '登记换届或更换书记' : '登记书记及任期'}
            </Button>
          ) : null
        }
      >
        {term.isError ? (
          <Descriptions.Item label="支部书记">读取失败，请刷新重试</Descriptions.Item>
        ) : !t ? (
          <Descriptions.Item label="支部书记">…</Descriptions.Item>
        ) : !t.secretaryId ? (
          <Descriptions.Item label="支部书记">
            <span style={{ color: '#595959' }}>未登记（登记后按每届 3 年计算届满日，届满前 3 个月提醒换届）</span>
          </Descriptions.Item>
        ) : (
          <>
            <Descriptions.Item label="支部书记">
              <Link to={`/members/${t.secretaryId}`}>{t.secretaryName}</Link>
            </Descriptions.Item>
            <Descriptions.Item label="本届任期">
              {t.termStartedOn} 至 {t.termEndsOn}
              {ended ? (
                <Tag color="red" style={{ marginInlineStart: 8 }}>
                  任期已届满
                </Tag>
              ) : t.renewalDue ? (
                <Tag color="orange" style={{ marginInlineStart: 8 }}>
                  应准备换届
                </Tag>
              ) : null}
            </Descriptions.Item>
            {t.renewalNoticeOn ? <Descriptions.Item label="换届提醒日">{t.renewalNoticeOn}</Descriptions.Item> : null}
            {t.caseId ? (
              <Descriptions.Item label="换届案件">
                <Link to={`/cases/${t.caseId}`}>支部任期与换届</Link>
              </Descriptions.Item>
            ) : null}
          </>
        )}
      </Descriptions>
      {recording && t ? (
        <RecordTermDialog
          orgId={orgId}
          current={t}
          onClose={() => setRecording(false)}
          onSaved={(saved) => void message.success(`已登记：${saved.secretaryName}，任期至 ${saved.termEndsOn}`)}
        />
      ) : null}
    </div>
  );
}

/** Records the secretary (a full member of this organization) and the day they were elected. */
function RecordTermDialog({
  orgId,
  current,
  onClose,
  onSaved,
}: {
  orgId: string;
  current: OrgTerm;
  onClose: () => void;
  onSaved: (saved: OrgTerm) => void;
}) {
  const qc = useQueryClient();
  const [form] = Form.useForm<{ secretaryId: string; electedOn: string }>();
  // the secretary is one of the full members (the procedure's rule; a probationary member is refused)
  const members = useOrgPartyMembers(orgId);
  const submit = async () => {
    const v = await form.validateFields();
    try {
      const saved = await call<OrgTerm>(
        client.PUT('/api/v1/orgs/{id}/secretary', { params: { path: { id: orgId } }, body: v }),
      );
      qc.setQueryData(['org-term', orgId], saved);
      onSaved(saved);
    } catch (e) {
      // a refusal about a field goes beside it; any other is shown under the form by the dialog
      if (putBesideFields(form, e) !== null) throw e;
      return false;
    }
  };
  return (
    <RecordDialog
      title={current.secretaryId ? '登记换届或更换书记' : '登记支部书记及任期'}
      onClose={onClose}
      onSubmit={submit}
    >
      <Form form={form} layout="vertical" initialValues={{ secretaryId: current.secretaryId ?? undefined }}>
        <Form.Item
          name="secretaryId"
          label="支部书记"
          extra="本组织的正式党员"
          rules={[{ required: true, message: '请选择支部书记' }]}
        >
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            loading={members.isPending}
            placeholder="选择本组织的正式党员"
            options={(members.data ?? [])
              .filter((m) => m.status === 'full')
              .map((m) => ({ value: m.id, label: m.name }))}
          />
        </Form.Item>
        <Form.Item
          name="electedOn"
          label="选举日期"
          extra="任期自选举日期起计算，每届 3 年；不得晚于今天"
          rules={[{ required: true, message: '请选择选举日期' }]}
        >
          <WorkingDayPicker />
        </Form.Item>
      </Form>
    </RecordDialog>
  );
}
