import { type UseQueryResult, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Checkbox,
  DatePicker,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Upload,
  type TableColumnsType,
  message as antdMessage,
} from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import type { Schemas } from '../../../../libs/api-client';
import { useOrgPartyMembers } from '../api/hooks';
import { ApiError, call, client, upload } from '../api/http';
import { saveBlob } from '../supervision/download';
import { RecordDialog, RecordProblem, refusalText } from './RecordDialog';
import { MEETING_KIND_TITLES } from '../labels';
import { beijing } from '../time';
import { WorkingDayPicker } from './pickers';

type MemberOrgLife = Schemas['MemberOrgLifeDto'];
type Member = Schemas['MemberView'];

/**
 * 组织生活 of a member: when they last took part and last paid dues, the meetings they attended or missed (with
 * the reason), and the months paid. What the inactivity check reads (six months without either).
 */
export function MemberOrgLife({ memberId }: { memberId: string }) {
  const record = useQuery({
    queryKey: ['member-org-life', memberId],
    queryFn: () =>
      call<MemberOrgLife>(client.GET('/api/v1/members/{id}/org-life', { params: { path: { id: memberId } } })),
  });
  const r = record.data;
  if (record.isError) return <span>组织生活记录读取失败，请刷新重试</span>;
  if (!r) return <span>…</span>;
  return (
    <div data-testid="member-org-life">
      <Descriptions size="small" column={1}>
        <Descriptions.Item label="最近参加">{r.lastAttended ?? '无参加记录'}</Descriptions.Item>
        <Descriptions.Item label="最近交纳党费">{r.lastDuesMonth ?? '无交纳记录'}</Descriptions.Item>
      </Descriptions>
      <Table
        rowKey="meetingId"
        size="small"
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        locale={{ emptyText: '没有会议记录' }}
        dataSource={[...r.meetings].sort((a, b) => b.heldOn.localeCompare(a.heldOn))}
        columns={[
          { title: '日期', dataIndex: 'heldOn', key: 'heldOn', width: 110 },
          { title: '会议', dataIndex: 'kindTitle', key: 'kind', width: 100 },
          { title: '主题', dataIndex: 'topic', key: 'topic' },
          {
            title: '出席',
            key: 'attended',
            render: (_, m) =>
              m.attended ? <Tag color="green">出席</Tag> : <Tag color="red">缺席（{m.absenceReason}）</Tag>,
          },
        ]}
      />
      {r.dues.length ? (
        <div style={{ marginTop: 8 }}>
          <span style={{ color: '#595959' }}>党费：</span>
          <Space wrap size={[4, 4]}>
            {[...r.dues]
              .sort((a, b) => b.month.localeCompare(a.month))
              .map((d) => (
                <Tag key={d.month}>
                  {d.month} ¥{d.amount}
                </Tag>
              ))}
          </Space>
        </div>
      ) : null}
    </div>
  );
}

type BranchCompliance = Schemas['BranchComplianceDto'];

/**
 * 本季度组织生活 of a branch (GET /reports/org-life for the quarter of the system's today): each kind of meeting
 * held against what the regulation asks this quarter (with the months or the quarter still missing), the
 * dues months entered, and how many party members have nothing recorded yet. Refreshed after each record.
 */
export function OrgLifeQuarter({ orgId }: { orgId: string }) {
  const today = beijing();
  const year = today.year();
  const quarter = Math.floor(today.month() / 3) + 1;
  const report = useQuery({
    queryKey: ['org-life-quarter', orgId, year, quarter],
    queryFn: () =>
      call<{ branches: BranchCompliance[] }>(
        client.GET('/api/v1/reports/org-life', { params: { query: { year, quarter, orgId } } }),
      ),
  });
  const b = report.data?.branches.find((x) => x.orgId === orgId);
  if (report.isError) return null;
  return (
    <div data-testid="org-life-quarter" style={{ marginTop: 12 }}>
      <div style={{ fontWeight: 600, marginBottom: 6 }}>
        {year} 年第 {quarter} 季度组织生活
        {b ? (
          <Tag color={b.compliant ? 'green' : 'red'} style={{ marginInlineStart: 8 }}>
            {b.compliant ? '达到要求' : '尚未达到要求'}
          </Tag>
        ) : null}
      </div>
      {b ? (
        <Space wrap size={[6, 6]}>
          {b.meetings
            .filter((m) => m.applies)
            .map((m) => (
              <Tag key={m.kind} data-testid="org-life-kind" color={m.met ? 'green' : 'orange'}>
                {m.title} {m.held}/{m.required} 次{m.missing.length ? `（缺 ${m.missing.join('、')}）` : ''}
              </Tag>
            ))}
          <Tag data-testid="org-life-dues">
            党费已登记月份：{b.duesMonthsPaid.length ? b.duesMonthsPaid.join('、') : '无'}
          </Tag>
          {b.membersWithoutParticipation.length ? (
            <Tag color="orange">本季度无记录的党员 {b.membersWithoutParticipation.length} 名</Tag>
          ) : null}
        </Space>
      ) : (
        <span style={{ color: '#595959' }}>{report.isPending ? '…' : '无统计'}</span>
      )}
    </div>
  );
}

/** The two ways a branch clerk records organizational life here: a meeting with its attendance, and a month's dues. */
export function RecordOrgLife({ orgId }: { orgId: string }) {
  const [open, setOpen] = useState<'meeting' | 'dues' | 'import' | null>(null);
  // its own message holder: the registry page has no antd <App> around it
  const [message, holder] = antdMessage.useMessage();
  return (
    <div data-testid="record-org-life">
      {holder}
      <Space wrap>
        <Button onClick={() => setOpen('meeting')}>登记组织生活会议</Button>
        <Button onClick={() => setOpen('dues')}>登记党费</Button>
        <Button onClick={() => setOpen('import')}>从表格导入</Button>
      </Space>
      {open === 'meeting' ? (
        <MeetingDialog orgId={orgId} onClose={() => setOpen(null)} onSaved={(m) => void message.success(m)} />
      ) : null}
      {open === 'import' ? (
        <ImportDialog orgId={orgId} onClose={() => setOpen(null)} onSaved={(m) => void message.success(m)} />
      ) : null}
      {open === 'dues' ? (
        <DuesDialog orgId={orgId} onClose={() => setOpen(null)} onSaved={(m) => void message.success(m)} />
      ) : null}
    </div>
  );
}

/** The branch's party members, a row each: their name, then the dialog's own columns. */
function MemberRows({
  members,
  height,
  testId,
  columns,
}: {
  members: UseQueryResult<Member[]>;
  height: number;
  testId: string;
  columns: TableColumnsType<Member>;
}) {
  return (
    <Table<Member>
      rowKey="id"
      size="small"
      loading={members.isPending}
      pagination={false}
      scroll={{ y: height }}
      data-testid={testId}
      dataSource={members.data ?? []}
      columns={[{ title: '党员', dataIndex: 'name', key: 'name', width: 120 }, ...columns]}
    />
  );
}

/** What each recording dialog gets: the branch, how to close, and what to tell the clerk once it is recorded. */
interface RecordingProps {
  orgId: string;
  onClose: () => void;
  onSaved: (message: string) => void;
}

interface MeetingForm {
  kind: string;
  heldOn: string;
  topic: string;
}

/**
 * A meeting: kind, day, topic, and each party member of the branch present (ticked, the default) or absent
 * with the reason the branch recorded (请假事由), which the API requires.
 */
function MeetingDialog({ orgId, onClose, onSaved }: RecordingProps) {
  const qc = useQueryClient();
  const [form] = Form.useForm<MeetingForm>();
  const members = useOrgPartyMembers(orgId);
  const [absent, setAbsent] = useState<Record<string, string>>({});
  const list = members.data ?? [];
  const submit = async () => {
    const v = await form.validateFields();
    const missingReason = list.filter((m) => m.id in absent && !absent[m.id].trim());
    if (missingReason.length) throw new RecordProblem(`请填写缺席原因：${missingReason.map((m) => m.name).join('、')}`);
    const body = {
      orgId,
      ...v,
      topic: v.topic.trim(),
      attendees: list.filter((m) => !(m.id in absent)).map((m) => m.id),
      absences: list.filter((m) => m.id in absent).map((m) => ({ memberId: m.id, reason: absent[m.id].trim() })),
    };
    const saved = await call<{ attendees: number; absences: number }>(
      client.POST('/api/v1/org-life/meetings', { body: body as any }),
    );
    void qc.invalidateQueries({ queryKey: ['member-org-life'] });
    void qc.invalidateQueries({ queryKey: ['org-life-quarter', orgId] });
    onSaved(`已登记${MEETING_KIND_TITLES[v.kind]}：出席 ${saved.attendees} 人，缺席 ${saved.absences} 人`);
  };
  return (
    // a change of attendance answers the last refusal: it no longer stands under the table
    <RecordDialog
      title="登记组织生活会议"
      width={640}
      onClose={onClose}
      onSubmit={submit}
      resetKey={JSON.stringify(absent)}
    >
      <Form form={form} layout="vertical">
        <Space wrap align="start" style={{ display: 'flex' }}>
          <Form.Item name="kind" label="会议类型" rules={[{ required: true, message: '请选择会议类型' }]}>
            <Select
              style={{ width: 160 }}
              placeholder="选择类型"
              options={Object.entries(MEETING_KIND_TITLES).map(([value, label]) => ({ value, label }))}
            />
          </Form.Item>
          <Form.Item name="heldOn" label="召开日期" rules={[{ required: true, message: '请选择召开日期' }]}>
            <WorkingDayPicker />
          </Form.Item>
        </Space>
        <Form.Item
          name="topic"
          label="主题"
          rules={[
            { required: true, whitespace: true, message: '请填写会议主题' },
            { max: 200, message: '主题至多 200 字' },
          ]}
        >
          <Input placeholder="例如：学习党章第九条" />
        </Form.Item>
      </Form>
      <div style={{ fontWeight: 600, marginBottom: 6 }}>
        出席情况（{list.length - Object.keys(absent).length} 人出席，{Object.keys(absent).length} 人缺席）
      </div>
      <MemberRows
        members={members}
        height={280}
        testId="meeting-attendance"
        columns={[
          {
            title: '出席',
            key: 'present',
            width: 80,
            render: (_, m) => (
              <Checkbox
                aria-label={`${m.name}出席`}
                checked={!(m.id in absent)}
                onChange={(e) =>
                  setAbsent((prev) => {
                    const next = { ...prev };
                    if (e.target.checked) delete next[m.id];
                    else next[m.id] = '';
                    return next;
                  })
                }
              />
            ),
          },
          {
            title: '缺席原因',
            key: 'reason',
            render: (_, m) =>
              m.id in absent ? (
                <Input
                  size="small"
                  aria-label={`${m.name}缺席原因`}
                  placeholder="请假事由"
                  maxLength={200}
                  value={absent[m.id]}
                  onChange={(e) => setAbsent((prev) => ({ ...prev, [m.id]: e.target.value }))}
                />
              ) : null,
          },
        ]}
      />
    </RecordDialog>
  );
}

/** A month's dues: the amount each party member paid (left empty: not paid that month). */
function DuesDialog({ orgId, onClose, onSaved }: RecordingProps) {
  const qc = useQueryClient();
  const members = useOrgPartyMembers(orgId);
  const [month, setMonth] = useState(() => beijing().format('YYYY-MM'));
  const [amounts, setAmounts] = useState<Record<string, number | null>>({});
  const list = members.data ?? [];
  const paid = list.filter((m) => (amounts[m.id] ?? 0) > 0).map((m) => ({ memberId: m.id, amount: amounts[m.id]! }));
  const submit = async () => {
    if (!paid.length) throw new RecordProblem('请至少填写一名党员的交纳金额');
    const saved = await call<{ recorded: number }>(
      client.POST('/api/v1/org-life/dues', { body: { orgId, month, paid } as any }),
    );
    void qc.invalidateQueries({ queryKey: ['member-org-life'] });
    void qc.invalidateQueries({ queryKey: ['org-life-quarter', orgId] });
    onSaved(`已登记 ${month} 党费：${saved.recorded} 人`);
  };
  return (
    <RecordDialog title="登记党费" onClose={onClose} onSubmit={submit}>
      <Space style={{ marginBottom: 12 }}>
        <label htmlFor="dues-month">所属月份</label>
        <DatePicker
          id="dues-month"
          picker="month"
          allowClear={false}
          value={dayjs(`${month}-01`)}
          onChange={(d) => d && setMonth(d.format('YYYY-MM'))}
        />
      </Space>
      <MemberRows
        members={members}
        height={320}
        testId="dues-amounts"
        columns={[
          {
            title: '金额（元）',
            key: 'amount',
            render: (_, m) => (
              <InputNumber
                size="small"
                aria-label={`${m.name}党费金额`}
                min={0}
                max={1_000_000}
                precision={2}
                value={amounts[m.id] ?? null}
                onChange={(v) => setAmounts((prev) => ({ ...prev, [m.id]: v }))}
              />
            ),
          },
        ]}
      />
    </RecordDialog>
  );
}

type ImportReport = Schemas['ImportReportDto'];

const IMPORT_HEADER = '类型,日期,会议类型,主题,身份证号,姓名,出席,缺席原因,金额';

/** A template a clerk fills in Excel: the header and one row of each kind (UTF-8 with BOM, so Excel reads it). */
function downloadTemplate() {
  const rows = [
    IMPORT_HEADER,
    '会议,2026-03-15,党员大会,学习党章,（身份证号）,（姓名）,出席,,',
    '会议,2026-03-15,党员大会,学习党章,（身份证号）,（姓名）,缺席,出差在外，已请假,',
    '党费,2026-03,,,（身份证号）,（姓名）,,,50',
  ];
  saveBlob(
    new Blob(['\uFEFF' + rows.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' }),
    '组织生活导入模板.csv',
  );
}

/**
 * Meetings and dues from an xlsx or csv file: checked first (nothing written), every refused row listed with
 * its reason; imported only when every row passes (the API writes all or nothing).
 */
function ImportDialog({ orgId, onClose, onSaved }: RecordingProps) {
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const r = await upload<ImportReport>('/org-life/import', file, { orgId, dryRun });
      if (dryRun) setReport(r);
      else {
        void qc.invalidateQueries({ queryKey: ['member-org-life'] });
        void qc.invalidateQueries({ queryKey: ['org-life-quarter', orgId] });
        onSaved(
          `已导入：会议 ${r.meetings} 次，出席 ${r.attendances} 人次，缺席 ${r.absences} 人次，党费 ${r.duesPayments} 条`,
        );
        onClose();
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      // a refused row: the report comes as the details of the 422
      const details = e.details as ImportReport | undefined;
      if (details && Array.isArray(details.refused)) setReport(details);
      else setError(refusalText(e));
    } finally {
      setBusy(false);
    }
  };
  const passed = !!report && report.refused.length === 0 && report.rows > 0;
  return (
    <Modal
      open
      title="从表格导入组织生活记录"
      onCancel={onClose}
      width={640}
      destroyOnHidden
      footer={
        <Space>
          <Button onClick={onClose}>取消</Button>
          <Button disabled={!file} loading={busy && !passed} onClick={() => void send(true)}>
            检查
          </Button>
          <Button type="primary" disabled={!passed} loading={busy && passed} onClick={() => void send(false)}>
            导入
          </Button>
        </Space>
      }
    >
      <p style={{ marginTop: 0 }}>
        xlsx 或 csv 文件，表头：{IMPORT_HEADER.split(',').join('、')}。会议的日期为 YYYY-MM-DD，党费为所属月份
        YYYY-MM；每名出席或缺席的党员一行。全部行通过检查才会写入。{' '}
        <Button type="link" size="small" style={{ padding: 0 }} onClick={downloadTemplate}>
          下载模板
        </Button>
      </p>
      <Upload
        accept=".xlsx,.csv"
        maxCount={1}
        beforeUpload={(f) => {
          setFile(f);
          setReport(null);
          setError(null);
          return false;
        }}
        onRemove={() => {
          setFile(null);
          setReport(null);
        }}
      >
        <Button>选择文件</Button>
      </Upload>
      {report ? (
        <div data-testid="import-report" style={{ marginTop: 12 }}>
          {report.refused.length ? (
            <>
              <Alert
                type="error"
                showIcon
                message={`共 ${report.rows} 行，${report.refused.length} 行未通过检查，未导入任何记录；请修改后重新选择文件`}
              />
              <Table
                rowKey="row"
                size="small"
                style={{ marginTop: 8 }}
                pagination={false}
                scroll={{ y: 240 }}
                dataSource={report.refused}
                columns={[
                  { title: '行号', dataIndex: 'row', key: 'row', width: 70 },
                  { title: '原因', dataIndex: 'reason', key: 'reason' },
                ]}
              />
            </>
          ) : (
            <Alert
              type="success"
              showIcon
              message={`共 ${report.rows} 行，全部通过检查：会议 ${report.meetings} 次，出席 ${report.attendances} 人次，缺席 ${report.absences} 人次，党费 ${report.duesPayments} 条。点击“导入”写入。`}
            />
          )}
        </div>
      ) : null}
      {error ? <Alert style={{ marginTop: 12 }} type="error" showIcon message={error} /> : null}
    </Modal>
  );
}
