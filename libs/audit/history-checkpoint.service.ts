import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { Clock } from '../engine/clock';
import { CheckpointRow, HistoryCheckpointRepository } from './history-checkpoint.repository';

export interface CheckpointVerification {
  /** false when no HISTORY_CHECKPOINT_KEY is configured (nothing is signed, nothing to compare) */
  enabled: boolean;
  checked: number;
  /** days whose history no longer matches its signed checkpoint, or whose checkpoint is not genuinely signed */
  mismatched: { day: string; reason: string }[];
}

/**
 * A periodic, signed checkpoint of each past day's history (HISTORY_CHECKPOINT_KEY, kept outside the
 * database). Whoever owns the table can disable its append-only trigger and rewrite rows with recomputed
 * hashes so that every chain still verifies; they cannot re-sign the day's digest without the key, so
 * verify tells the rewrite from the truth.
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

  private sign(c: Omit<CheckpointRow, 'signature' | 'keyId'>): string {
    return createHmac('sha256', this.config.HISTORY_CHECKPOINT_KEY!)
      .update(`partyflow-history-checkpoint|${c.day}|${c.rows}|${c.digest}`)
      .digest('hex');
  }

  /** Checkpoints every day with history that has fully passed (Beijing time) and has none yet. Returns the days. */
  async checkpointPastDays(): Promise<string[]> {
    if (!this.enabled) return [];
    // a day is closed once it has ended in Beijing, with a minute's margin for transactions still committing
    const today = new Date(this.clock.now().getTime() - 60_000).toLocaleDateString('sv-SE', {
      timeZone: 'Asia/Shanghai',
    });
    const days = await this.repo.daysWithoutCheckpoint(today);
    for (const day of days) {
      const d = await this.repo.digestOfDay(day);
      await this.repo.insert({ day, ...d, signature: this.sign({ day, ...d }), keyId: this.keyId() });
    }
    return days;
  }

  async verify(): Promise<CheckpointVerification> {
    if (!this.enabled) return { enabled: false, checked: 0, mismatched: [] };
    const mismatched: CheckpointVerification['mismatched'] = [];
    const rows = await this.repo.all();
    for (const c of rows) {
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
    return { enabled: true, checked: rows.length, mismatched };
  }
}
