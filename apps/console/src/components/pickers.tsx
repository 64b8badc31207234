import { useQuery } from '@tanstack/react-query';
import { DatePicker, Select, Spin } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { call, client } from '../api/http';
import type { Firm, Member, Org, Page } from '../api/types';
import { MEMBER_STATUS_TITLES, ORG_TYPE_TITLES } from '../labels';
import { beijing } from '../time';

/** Debounced text: a search box asks the server once the user pauses. */
function useDebounced(value: string, ms = 250) {
  const [v, setV] = useState(value);
  const [timer, setTimer] = useState<ReturnType<typeof setTimeout> | null>(null);
  return [
    v,
    (next: string) => {
      if (timer) clearTimeout(timer);
      setTimer(setTimeout(() => setV(next), ms));
    },
  ] as const;
}

interface PickerProps<T> {
  id?: string;
  value?: T;
  onChange?: (v: T) => void;
  multiple?: boolean;
  placeholder?: string;
  'aria-label'?: string;
}

/** Any party organization (the directory): a transfer's receiving organization is usually outside my scope. */
export function OrgPicker({ value, onChange, multiple, placeholder, ...rest }: PickerProps<any>) {
  const [q, setQ] = useDebounced('');
  const orgs = useQuery({
    queryKey: ['org-directory', q],
    queryFn: () =>
      call<(Org & { county?: string })[]>(client.GET('/api/v1/orgs/directory', { params: { query: { q } } } as any)),
  });
  return (
    <Select
      {...rest}
      showSearch={{ filterOption: false, onSearch: setQ }}
      mode={multiple ? 'multiple' : undefined}
      allowClear
      value={value}
      onChange={onChange}
      placeholder={placeholder ?? '输入名称搜索党组织'}
      notFoundContent={orgs.isFetching ? <Spin size="small" /> : '没有匹配的党组织'}
      options={(orgs.data ?? []).map((o) => ({
        value: o.id,
        label: `${o.name}（${ORG_TYPE_TITLES[o.type] ?? o.type}${o.county ? `，${o.county}` : ''}）`,
      }))}
      style={{ width: '100%' }}
    />
  );
}

/** Members in my scope, searched by name. */
export function MemberPicker({
  value,
  onChange,
  multiple,
  placeholder,
  status,
  ...rest
}: PickerProps<any> & { status?: string }) {
  const [q, setQ] = useDebounced('');
  const members = useQuery({
    queryKey: ['member-search', q, status],
    queryFn: () =>
      call<Page<Member> | Member[]>(
        client.GET('/api/v1/members', { params: { query: { q: q || undefined, status, pageSize: 30 } } } as any),
      ),
  });
  const list = Array.isArray(members.data) ? members.data : (members.data?.items ?? []);
  return (
    <Select
      {...rest}
      showSearch={{ filterOption: false, onSearch: setQ }}
      mode={multiple ? 'multiple' : undefined}
      allowClear
      value={value}
      onChange={onChange}
      placeholder={placeholder ?? '输入姓名搜索党员'}
      notFoundContent={members.isFetching ? <Spin size="small" /> : '没有匹配的党员'}
      options={list.map((m) => ({
        value: m.id,
        label: `${m.name}（${MEMBER_STATUS_TITLES[m.status] ?? m.status}${m.idNumber ? `，${m.idNumber}` : ''}）`,
      }))}
      style={{ width: '100%' }}
    />
  );
}

/** Firms in my scope, filtered by name as typed. */
export function FirmPicker({ value, onChange, multiple, placeholder, ...rest }: PickerProps<any>) {
  const firms = useQuery({
    queryKey: ['firms'],
    queryFn: () => call<Firm[] | Page<Firm>>(client.GET('/api/v1/firms', { params: { query: {} } } as any)),
  });
  const list = Array.isArray(firms.data) ? firms.data : (firms.data?.items ?? []);
  return (
    <Select
      {...rest}
      showSearch={{ optionFilterProp: 'label' }}
      mode={multiple ? 'multiple' : undefined}
      allowClear
      value={value}
      onChange={onChange}
      loading={firms.isPending}
      placeholder={placeholder ?? '输入名称搜索律师事务所'}
      notFoundContent="没有匹配的律师事务所"
      options={list.map((f) => ({ value: f.id, label: `${f.name}（${f.county}）` }))}
      style={{ width: '100%' }}
    />
  );
}

interface DayInfo {
  date: string;
  working: boolean;
  weekend: boolean;
  holiday?: string;
  makeup?: string;
  provisional: boolean;
}

/** The statutory calendar of one year (GET /calendar/days), for date pickers' hints. */
export function useCalendarYear(year: number) {
  return useQuery({
    queryKey: ['calendar-days', year],
    queryFn: () =>
      call<DayInfo[]>(
        client.GET('/api/v1/calendar/days', { params: { query: { from: `${year}-01-01`, to: `${year}-12-31` } } }),
      ),
    staleTime: Infinity,
  });
}

/** What a day is on the statutory calendar, in words (shown under a date field). */
export function describeDay(d: DayInfo | undefined): string {
  if (!d) return '';
  const base = d.holiday
    ? `法定节假日（${d.holiday}）`
    : d.makeup
      ? `调休上班日（${d.makeup}）`
      : d.working
        ? '工作日'
        : '周末休息日';
  return d.provisional ? `${base}；该年度节假日安排尚未公布，按周末和法定节日暂算（调休待公布）` : base;
}

/**
 * A Chinese date picker whose calendar marks statutory holidays (休) and make-up working days (班),
 * and which says under the field what the chosen day is. Value: `YYYY-MM-DD` (or ISO with time).
 */
export function WorkingDayPicker({
  value,
  onChange,
  withTime,
  id,
  ...rest
}: PickerProps<string> & { withTime?: boolean }) {
  const [panelYear, setPanelYear] = useState(() => (value ? dayjs(value).year() : beijing().year()));
  // the hint under the field is about the chosen day, whose year may not be the one the panel shows (typed in)
  const valueYear = value ? dayjs(value).year() : panelYear;
  const days = useCalendarYear(panelYear);
  const valueDays = useCalendarYear(valueYear);
  const byDate = new Map((days.data ?? []).map((d) => [d.date, d]));
  const chosen = value ? (valueDays.data ?? []).find((d) => d.date === dayjs(value).format('YYYY-MM-DD')) : undefined;
  return (
    <div>
      <DatePicker
        {...rest}
        id={id}
        showTime={withTime ? { format: 'HH:mm' } : false}
        value={value ? dayjs(value) : null}
        onChange={(d: any) => onChange?.(d ? (withTime ? d.format() : d.format('YYYY-MM-DD')) : (undefined as any))}
        onPanelChange={(d) => d && setPanelYear(d.year())}
        style={{ width: '100%' }}
        cellRender={(current, info) => {
          if (info.type !== 'date') return info.originNode;
          const d = byDate.get(dayjs(current).format('YYYY-MM-DD'));
          const mark = d?.holiday ? '休' : d?.makeup ? '班' : '';
          return (
            <div
              className="ant-picker-cell-inner"
              title={describeDay(d)}
              style={d && !d.working ? { color: '#a8071a' } : undefined}
            >
              {dayjs(current).date()}
              {mark ? <span style={{ fontSize: 9, position: 'absolute', top: -6, right: -8 }}>{mark}</span> : null}
            </div>
          );
        }}
      />
      {chosen ? (
        <div
          style={{ color: chosen.working ? '#237804' : '#a8071a', fontSize: 12, marginTop: 2 }}
          data-testid="day-hint"
        >
          {describeDay(chosen)}
        </div>
      ) : null}
    </div>
  );
}
