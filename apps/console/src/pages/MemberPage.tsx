import { useQuery } from '@tanstack/react-query';
import { Card, Col, Descriptions, Row, Table, Tag, Timeline, Typography } from 'antd';
import { Link, useParams } from 'react-router';
import type { Schemas } from '../../../../libs/api-client';
import { useOrg } from '../api/hooks';
import { call, client } from '../api/http';
import type { CaseView, Page } from '../api/types';
import { DueTag } from '../components/DueTag';
import { MemberOrgLife } from '../components/OrgLife';
import { QueryState } from '../components/QueryState';
import { CASE_STATUS_TITLES, MEMBER_STATUS_TITLES } from '../labels';
import { formatTime } from '../time';

type Member = Schemas['MemberDetailView'];
type Timeline = Schemas['TimelineDto'];

const HIDDEN = '已隐藏（仅系统管理员可见）';

const ENTRY_KINDS: Record<string, { label: string; color: string }> = {
  joined: { label: '入党', color: 'geekblue' },
  registered: { label: '登记', color: 'blue' },
  case_event: { label: '流程', color: 'red' },
  registry_change: { label: '信息变更', color: 'purple' },
  follow_up: { label: '后续事项', color: 'orange' },
  discipline: { label: '处置', color: 'magenta' },
  rating: { label: '评议', color: 'green' },
};

/** One member: registry details (ID number masked as the API masks it), their cases, and their history. */
export default function MemberPage() {
  const { id } = useParams();
  const member = useQuery({
    queryKey: ['member', id],
    queryFn: () => call<Member>(client.GET('/api/v1/members/{id}', { params: { path: { id: id! } } })),
  });
  const org = useOrg(member.data?.orgId);
  const firm = useQuery({
    queryKey: ['firm', member.data?.firmId],
    enabled: !!member.data?.firmId,
    retry: false,
    queryFn: () =>
      call<Schemas['FirmView']>(client.GET('/api/v1/firms/{id}', { params: { path: { id: member.data!.firmId! } } })),
  });
  const timeline = useQuery({
    queryKey: ['member-timeline', id],
    enabled: !!member.data,
    queryFn: () => call<Timeline>(client.GET('/api/v1/members/{id}/timeline', { params: { path: { id: id! } } })),
  });
  // their cases: the case list searched by name, kept to the ones whose subject is this member
  const cases = useQuery({
    queryKey: ['member-cases', id, member.data?.name],
    enabled: !!member.data,
    queryFn: async () => {
      const page = await call<Page<CaseView>>(
        client.GET('/api/v1/cases', { params: { query: { q: member.data!.name, pageSize: 200 } } }),
      );
      return page.items.filter((c) => c.subject.memberId === id);
    },
  });
  const m = member.data;
  // the API masks a member's personal data for everyone but administrators: the ID number with asterisks, birth date
  // and gender left out. Say so, rather than show them as unknown
  const hidden = !!m?.idNumber?.includes('*');
  return (
    <QueryState query={member} what="党员">
      {m ? (
        <div>
          <Typography.Title level={2} style={{ fontSize: 20 }}>
            {m.name}
            <Tag style={{ marginInlineStart: 8, verticalAlign: 'middle' }}>
              {MEMBER_STATUS_TITLES[m.status] ?? m.status}
            </Tag>
            {m.pendingVerification ? <Tag color="orange">待核实</Tag> : null}
            {m.partyDiscipline ? (
              <Tag color="red" data-testid="party-discipline">
                {m.partyDiscipline.title}（{m.partyDiscipline.from} 起，{m.partyDiscipline.until} 届满）
              </Tag>
            ) : null}
          </Typography.Title>
          <Row gutter={[12, 12]}>
            <Col xs={24} lg={12}>
              <Card size="small" title={<h2 style={{ fontSize: 16, margin: 0 }}>基本信息</h2>}>
                <Descriptions size="small" column={1} data-testid="member-detail">
                  <Descriptions.Item label="身份证号码">
                    <span className="pf-mono" data-testid="member-id-number">
                      {m.idNumber}
                    </span>
                  </Descriptions.Item>
                  <Descriptions.Item label="性别">
                    <span data-testid="member-gender">
                      {m.gender === 'male' ? '男' : m.gender === 'female' ? '女' : hidden ? HIDDEN : '—'}
                    </span>
                  </Descriptions.Item>
                  <Descriptions.Item label="出生日期">
                    <span data-testid="member-birth-date">{m.birthDate ?? (hidden ? HIDDEN : '—')}</span>
                  </Descriptions.Item>
                  <Descriptions.Item label="所在党组织">
                    <span data-testid="member-org">{org.data?.name ?? '—'}</span>
                  </Descriptions.Item>
                  <Descriptions.Item label="执业机构">{m.firmId ? (firm.data?.name ?? '—') : '—'}</Descriptions.Item>
                  <Descriptions.Item label="执业证号">{m.licenseNo ?? '—'}</Descriptions.Item>
                  <Descriptions.Item label="入党日期">{m.joinedOn ?? '—'}</Descriptions.Item>
                </Descriptions>
              </Card>
              <Card
                size="small"
                style={{ marginTop: 12 }}
                title={<h2 style={{ fontSize: 16, margin: 0 }}>办理的流程</h2>}
              >
                <QueryState
                  query={cases}
                  isEmpty={cases.data?.length === 0}
                  empty={<span>没有以该党员为对象的流程</span>}
                >
                  <Table<CaseView>
                    rowKey="id"
                    size="small"
                    data-testid="member-cases"
                    pagination={false}
                    scroll={{ x: 480 }}
                    dataSource={cases.data ?? []}
                    columns={[
                      {
                        title: '流程',
                        key: 'wf',
                        render: (_, c) => <Link to={`/cases/${c.id}`}>{c.workflowTitle}</Link>,
                      },
                      { title: '环节', key: 'state', render: (_, c) => <Tag>{c.stateTitle}</Tag> },
                      {
                        title: '状态',
                        key: 'status',
                        render: (_, c) => CASE_STATUS_TITLES[c.status],
                      },
                      {
                        title: '期限',
                        key: 'due',
                        render: (_, c) => {
                          const d = c.deadlines.find((x) => x.kind === 'deadline');
                          return d ? <DueTag dueAt={d.dueAt} overdue={d.overdue} provisional={d.provisional} /> : '—';
                        },
                      },
                    ]}
                  />
                </QueryState>
              </Card>
            </Col>
            <Col xs={24} lg={12}>
              <Card
                size="small"
                style={{ marginBottom: 12 }}
                title={<h2 style={{ fontSize: 16, margin: 0 }}>组织生活</h2>}
              >
                <MemberOrgLife memberId={m.id} />
              </Card>
              <Card size="small" title={<h2 style={{ fontSize: 16, margin: 0 }}>历史记录</h2>}>
                <QueryState
                  query={timeline}
                  isEmpty={timeline.data?.entries.length === 0}
                  empty={<span>暂无记录</span>}
                >
                  <Timeline
                    data-testid="member-timeline"
                    items={(timeline.data?.entries ?? []).map((e, i) => {
                      const kind = ENTRY_KINDS[e.kind] ?? { label: '记录', color: 'default' };
                      return {
                        key: i,
                        color: kind.color === 'red' ? 'red' : 'gray',
                        content: (
                          <div data-testid="member-timeline-row">
                            <Tag color={kind.color}>{kind.label}</Tag>
                            {e.caseId ? <Link to={`/cases/${e.caseId}`}>{e.title}</Link> : <span>{e.title}</span>}
                            <div style={{ color: '#595959' }}>
                              {formatTime(e.at, e.kind === 'joined' ? 'YYYY-MM-DD' : undefined)}
                            </div>
                          </div>
                        ),
                      };
                    })}
                  />
                </QueryState>
              </Card>
            </Col>
          </Row>
        </div>
      ) : null}
    </QueryState>
  );
}
