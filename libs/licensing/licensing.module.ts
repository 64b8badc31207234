import { Global, Module } from '@nestjs/common';
import { LicensingCallbackHandler } from './licensing-callback.handler';
import { LicensingProcessor } from './licensing-processor';
import { LicensingService } from './licensing.service';
import { LicensingOversightRepository } from './licensing-oversight.repository';
import { RegistryModule } from '../registry/registry.module';

/**
 * The licensing integration: signed inbound events mapped onto the procedures, application status for
 * gating, and the `licensing.status` outbox handler (registered in every role: the worker delivers).
 */
@Global()
@Module({
  imports: [RegistryModule],
  providers: [LicensingService, LicensingProcessor, LicensingCallbackHandler, LicensingOversightRepository],
  exports: [LicensingService, LicensingCallbackHandler, LicensingOversightRepository],
})
export class LicensingModule {}
