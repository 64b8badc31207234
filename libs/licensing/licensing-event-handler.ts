import { DiscoveryService } from '@nestjs/core';
import type { LicensingEventDto } from './dto';
import type { ApplicationKind, LicensingEventType } from './licensing.constants';
import type { LicensingRun } from './licensing-run';

/**
 * Marks the provider that applies one family of licensing events (the types listed). LicensingProcessor finds
 * every provider carrying it (Nest's DiscoveryService); a type handled twice, or not at all, fails at boot.
 */
export const LicensingEventHandler = DiscoveryService.createDecorator<readonly LicensingEventType[]>();

/** The contract of a decorated handler: applies `run.ev` inside `run.em`'s transaction. */
export interface LicensingEventFamily {
  handle(run: LicensingRun): Promise<void>;
  /**
   * The kind its `handle` locks the event's application with (LicensingSteps.lockApplication), when it
   * locks it whatever the event says: the event's own insert then locks it, one round trip less.
   */
  applicationKind?(ev: LicensingEventDto): ApplicationKind | undefined;
}
