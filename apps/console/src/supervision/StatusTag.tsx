import { Tag } from 'antd';
import type { ReactNode } from 'react';

/** Text colours dark enough for WCAG AA on their light backgrounds (antd's coloured tags are not). */
const TONES = {
  ok: { color: '#135200', background: '#f6ffed', borderColor: '#95de64' },
  warn: { color: '#7c3100', background: '#fff7e6', borderColor: '#ffc069' },
  bad: { color: '#820014', background: '#fff1f0', borderColor: '#ff7875' },
  neutral: { color: '#262626', background: '#fafafa', borderColor: '#d9d9d9' },
} as const;

export type Tone = keyof typeof TONES;

export function StatusTag({ tone, children }: { tone: Tone; children: ReactNode }) {
  return <Tag style={TONES[tone]}>{children}</Tag>;
}
