import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Clock } from '../engine/clock';
import { CheckpointRow, HistoryCheckpointRepository } from './history-checkpoint.repository';

export interface CheckpointVerification {
  /** false when no HISTORY_CHECKPOINT_KEY is configured (nothing is signed, nothing to compare) */
  enabled: boolean;
  checked: number;
  /**
   * days whose history no longer matches its signed checkpoint, whose checkpoint is not genuinely signed, or
   * whose link to the previous checkpoint is broken (a checkpoint removed, inserted or out of order)
   */
  mismatched: { day: string; reason: string }[];
  /**
   * the newest checkpoint (its day and the first 16 hex digits of its signature). Deleting the newest
   * checkpoints together with their days' history leaves a shorter chain that still verifies: compare the
   * head with one noted outside the database (the worker logs it whenever it signs).
   */
  head?: { day: string; signature: string };
}

/**
 * A periodic, signed checkpoint of each past day's history (HISTORY_CHECKPOINT_KEY, kept outside the
 * database). Whoever owns the table can disable its append-only trigger and rewrite rows with recomputed
 * hashes so that every chain still verifies; they cannot re-sign the day's digest without the key, so
 * verify tells the rewrite from the truth.
 *
 * The checkpoints form a chain: each signed message holds the previous checkpoint's day and signature, so a
 * checkpoint deleted together with its day's history (or moved to another day) breaks the next link.
 */
@Injectable()
export class HistoryCheckpointService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly repo: HistoryCheckpointRepository,
  ) {}

  get enabled(): boolean {
    return !!this.config.HISTORY_CHECKPOINT_KEY;
  }

  /** Key id: a short fingerprint, so a rotated key is told from a forged signature. */
  private keyId(): string {
    return createHmac('sha256', this.config.HISTORY_CHECKPOINT_KEY!).update('key-id').digest('hex').slice(0, 12);
  }

  /**
   * The signed message: day, rows, digest and the link (previous day and signature, empty for the first).
   * Legacy rows (signed before the chain, see the migration ChainedCheckpoints1796226311073) have no link.
   */
  private sign(c: Omit<CheckpointRow, 'signature' | 'keyId'>): string {
    const link = c.legacy ? '' : `|${c.prevDay ?? ''}|${c.prevSignature ?? ''}`;
    return createHmac('sha256', this.config.HISTORY_CHECKPOINT_KEY!)
      .update(`partyflow-history-checkpoint|${c.day}|${c.rows}|${c.digest}${link}`)
      .digest('hex');
  }

  /** Checkpoints every day with history that has fully passed (Beijing time) and has none yet. Returns the days. */
  async checkpointPastDays(): Promise<string[]> {
    if (!this.enabled) return [];
    // a day is closed once it has ended in Beijing, with a minute's margin for transactions still committing
    const today = new Date(this.clock.now().getTime() - 60_000).toLocaleDateString('sv-SE', {
      timeZone: 'Asia/Shanghai',
    });
    return this.repo.underLock(async () => {
      const days = await this.repo.daysWithoutCheckpoint(today);
      let prev = await this.repo.last();
      for (const day of days) {
        const d = await this.repo.digestOfDay(day);
        const unsigned = {
          day,
          ...d,
          prevDay: prev?.day ?? null,
          prevSignature: prev?.signature ?? null,
          legacy: false,
        };
        const row = { ...unsigned, signature: this.sign(unsigned), keyId: this.keyId() };
        await this.repo.insert(row);
        prev = row;
      }
      return days;
    });
  }

  /** The chain's head as verify reports it and the worker logs it. */
  async head(): Promise<CheckpointVerification['head']> {
    return headOf(await this.repo.last());
  }

  async verify(): Promise<CheckpointVerification> {
    if (!this.enabled) return { enabled: false, checked: 0, mismatched: [] };
    const mismatched: CheckpointVerification['mismatched'] = [];
    const rows = await this.repo.all();
    for (let i = 0; i < rows.length; i++) {
      const c = rows[i];
      const link = linkProblem(c, rows[i - 1]);
      if (link) mismatched.push({ day: c.day, reason: link });
      const expected = Buffer.from(this.sign(c), 'hex');
      const given = Buffer.from(c.signature, 'hex');
      if (c.keyId !== this.keyId()) {
        mismatched.push({ day: c.day, reason: '检查点由其他密钥签名（key rotated or forged）' });
        continue;
      }
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        mismatched.push({
          day: c.day,
          reason: '检查点签名无效（checkpoint signature invalid: the checkpoint was altered）',
        });
        continue;
      }
      const now = await this.repo.digestOfDay(c.day);
      if (now.rows !== c.rows || now.digest !== c.digest)
        mismatched.push({
          day: c.day,
          reason: `当日履历与签名检查点不符（history of the day rewritten: ${c.rows} rows signed, ${now.rows} now）`,
        });
    }
    return { enabled: true, checked: rows.length, mismatched, head: headOf(rows[rows.length - 1]) };
  }
}

/**
 * What is wrong with a checkpoint's link to the checkpoint stored before it, in Chinese (undefined: nothing).
 * The link itself is covered by the signature, so it cannot be edited to fit without the key.
 */
function linkProblem(c: CheckpointRow, before: CheckpointRow | undefined): string | undefined {
  if (c.legacy)
    return before && !before.legacy
      ? `未链接的旧检查点排在链接检查点 ${before.day} 之后（legacy checkpoint after the chain started: inserted）`
      : undefined;
  if (!c.prevDay) return before ? `检查点未链接到前一检查点 ${before.day}（chain restarted: link missing）` : undefined;
  if (!before || c.prevDay > before.day)
    return `检查点链缺环：前一检查点 ${c.prevDay} 已不存在（missing link: the checkpoint of ${c.prevDay} was deleted）`;
  if (c.prevDay < before.day)
    return `检查点链顺序不符：应链接 ${before.day}，实际链接 ${c.prevDay}（reordered link: a checkpoint was inserted before this one）`;
  if (c.prevSignature !== before.signature)
    return `检查点链接的前一签名不符（link signature mismatch: the checkpoint of ${before.day} was replaced）`;
  return undefined;
}

/** A chain head as reported and logged: its day and the first 16 hex digits of its signature. */
function headOf(last: CheckpointRow | null | undefined): CheckpointVerification['head'] {
  return last ? { day: last.day, signature: last.signature.slice(0, 16) } : undefined;
}
