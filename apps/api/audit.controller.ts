import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../../libs/audit/audit.service';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { AuditQueryDto, VerifyQueryDto } from './dto/case.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('events') events(@CurrentUser() u: Principal, @Query() q: AuditQueryDto) {
    return this.audit.events(u, q);
  }

  @Get('verify') verify(@CurrentUser() u: Principal, @Query() q: VerifyQueryDto) {
    return this.audit.verify(u, q.caseId);
  }
}
