export type TimerKind = 'reminder' | 'deadline' | 'escalation';

/** One stage of a deadline's schedule. Level: 0 for reminders and the deadline, 1–2 for escalations. */
export interface TimerStage {
  kind: TimerKind;
  level: number;
  at: string;
}
