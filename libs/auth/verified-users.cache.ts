import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { UserRecord, UsersRepository } from './users.repository';

/** How long a remembered user may go unconfirmed even while listening (a bound, not the mechanism). */
const ENTRY_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;
/** After a broken or failed subscription, the next request tries again no sooner than this. */
const RETRY_AFTER_MS = 2_000;

/**
 * The users behind verified tokens, kept in memory: every authenticated request needs its user (disabled?
 * token version? roles?), and reading it cost one query per request — a fifth of the database round trips
 * of a clerk's step. Safe only because every change of a user or of its roles is announced by a database
 * trigger (`pf_user_changed`, see migration user-change-notify) and this process listens: an announced user
 * is forgotten at once. While the subscription is not established (starting, broken, reconnecting) nothing is
 * remembered and every request reads the database, as before; a read that raced with an announcement is
 * not remembered either (generation check). Writes made by this process also forget their user
 * synchronously, so its own next request never sees the old user.
 */
@Injectable()
export class VerifiedUsersCache implements OnModuleDestroy {
  private readonly log = new Logger(VerifiedUsersCache.name);
  private readonly entries = new Map<string, { user: UserRecord; until: number }>();
  private generation = 0;
  private listening = false;
  private starting: Promise<void> | null = null;
  private stopListening: (() => Promise<void>) | null = null;
  private retryAt = 0;
  private closed = false;

  constructor(private readonly users: UsersRepository) {
    users.onWrite((userId) => this.forget(userId));
  }

  /** The user as the database has it (or had it at most one announcement ago). */
  async byId(userId: string): Promise<UserRecord | undefined> {
    this.ensureListening();
    if (this.listening) {
      const hit = this.entries.get(userId);
      if (hit && hit.until > Date.now()) return hit.user;
    }
    const generation = this.generation;
    const user = await this.users.byId(userId);
    if (user && this.listening && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(userId, { user, until: Date.now() + ENTRY_TTL_MS });
    }
    return user;
  }

  /** Whether users are being remembered (the subscription is up). */
  get active(): boolean {
    return this.listening;
  }

  private forget(userId: string) {
    this.generation++;
    this.entries.delete(userId);
  }

  private forgetAll() {
    this.generation++;
    this.entries.clear();
  }

  private ensureListening() {
    if (this.listening || this.starting || this.closed || Date.now() < this.retryAt) return;
    this.starting = this.users
      .listenForChanges({
        changed: (userId) => this.forget(userId),
        lost: (e) => {
          // announcements may have been missed from here on: remember nothing until listening again
          this.listening = false;
          this.stopListening = null;
          this.forgetAll();
          this.retryAt = Date.now() + RETRY_AFTER_MS;
          if (!this.closed)
            this.log.warn(`用户变更订阅中断，暂不缓存用户（user change subscription lost: ${e.message}）`);
        },
      })
      .then(async (stop) => {
        if (this.closed) return stop();
        this.stopListening = stop;
        this.forgetAll();
        this.listening = true;
      })
      .catch(() => {
        this.retryAt = Date.now() + RETRY_AFTER_MS;
      })
      .finally(() => {
        this.starting = null;
      });
  }

  async onModuleDestroy() {
    this.closed = true;
    this.listening = false;
    await this.starting;
    await this.stopListening?.();
    this.stopListening = null;
  }
}
