import { Tag, Tooltip } from 'antd';
import { formatTime } from '../time';

/** Urgency of a due date: overdue (red), due within 3 working days (amber), else normal. */
export type Urgency = 'overdue' | 'soon' | 'normal' | 'none';

export function urgencyOf(t: { dueAt: string | null; overdue: boolean; dueSoon?: boolean }): Urgency {
  if (!t.dueAt) return 'none';
  if (t.overdue) return 'overdue';
  if (t.dueSoon) return 'soon';
  return 'normal';
}

const AMBER = '#ad6800';

export const formatDue = (iso: string) => formatTime(iso);

export function DueTag({
  dueAt,
  overdue,
  dueSoon,
  provisional,
  workingDaysLeft,
}: {
  dueAt: string | null;
  overdue: boolean;
  dueSoon?: boolean;
  provisional?: boolean;
  workingDaysLeft?: number | null;
}) {
  if (!dueAt) return <span style={{ color: '#595959' }}>无期限</span>;
  const u = urgencyOf({ dueAt, overdue, dueSoon });
  // antd's gold preset is too light for text (contrast < 4.5:1): amber drawn with darker ink
  const color = u === 'overdue' ? 'red' : u === 'soon' ? AMBER : 'default';
  const label = u === 'overdue' ? '已逾期' : u === 'soon' ? '即将到期' : null;
  const left = !overdue && workingDaysLeft != null ? `（剩 ${workingDaysLeft} 个工作日）` : '';
  return (
    <span>
      {label ? (
        <Tag color={color} data-urgency={u} style={{ marginInlineEnd: 6 }}>
          {label}
        </Tag>
      ) : null}
      <span>
        {formatDue(dueAt)}
        {left}
      </span>
      {provisional ? (
        <Tooltip title="该年度节假日安排尚未公布，期限按周末和法定节日暂算（调休待公布），公布后自动重算">
          <Tag color="purple" style={{ marginInlineStart: 4 }} tabIndex={0}>
            暂定
          </Tag>
        </Tooltip>
      ) : null}
    </span>
  );
}
