import { DiscoveryService } from '@nestjs/core';
import type { LicensingEventDto } from './dto';
import type { ApplicationKind, LicensingEventType } from './licensing.constants';
import type { LicensingRun } from './licensing-run';
import type { FirmsAndLawyerRequest } from './licensing-registry.repository';

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
  /**
   * What its `handle` reads of the registry first (LicensingSteps.firms with the lawyer), when the event
   * alone says so: with an application to lock, the event's insert makes that read too, one round trip less.
   */
  registryRead?(ev: LicensingEventDto): FirmsAndLawyerRequest | undefined;
}
