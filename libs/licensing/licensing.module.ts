import { Global, Module } from '@nestjs/common';
import { LicensingCallbackHandler } from './licensing-callback.handler';
import { LicensingProcessor } from './licensing-processor';
import { LicensingService } from './licensing.service';

/**
 * The licensing integration: signed inbound events mapped onto the procedures, application status for
 * gating, and the `licensing.status` outbox handler (registered in every role: the worker delivers).
 */
@Global()
@Module({
  providers: [LicensingService, LicensingProcessor, LicensingCallbackHandler],
  exports: [LicensingService, LicensingCallbackHandler],
})
export class LicensingModule {}
