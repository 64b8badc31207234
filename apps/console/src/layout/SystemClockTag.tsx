import { Tag, Tooltip } from 'antd';
import { useAuth } from '../auth/auth';
import { beijing } from '../time';

/** Under a minute is a clock that was never moved (the time the answer took to arrive). */
const MOVED_MS = 60_000;

/** "21 天", "5 小时", "30 分钟": how far the clock was moved, in the largest whole unit. */
export function movedBy(offsetMs: number): string {
  if (offsetMs >= 86_400_000) return `${Math.round(offsetMs / 86_400_000)} 天`;
  if (offsetMs >= 3_600_000) return `${Math.round(offsetMs / 3_600_000)} 小时`;
  return `${Math.round(offsetMs / 60_000)} 分钟`;
}

/**
 * Says in the header when the system's clock has been moved ahead of real time (only a test or demo environment
 * can move it: the demo runs three weeks ahead so that its cases are overdue). Otherwise a clerk sees "已逾期"
 * on a deadline that is still weeks away by the calendar on the wall.
 */
export function SystemClockTag({ compact }: { compact?: boolean }) {
  const { me } = useAuth();
  if (!me || me.clock.offsetMs < MOVED_MS) return null;
  const today = beijing().format('YYYY-MM-DD');
  const by = movedBy(me.clock.offsetMs);
  return (
    <Tooltip
      title={`本环境（演示或测试）的系统时钟比实际时间快 ${by}：期限、逾期与提醒均按系统日期 ${today} 计算。生产环境的时钟不能拨动。`}
    >
      <Tag color="gold" data-testid="system-clock" style={{ marginInlineEnd: 0 }}>
        {compact ? `系统日期 ${today}` : `系统日期 ${today}（时钟已拨快 ${by}）`}
      </Tag>
    </Tooltip>
  );
}
