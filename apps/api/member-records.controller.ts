import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { ResultsService } from '../../libs/reports/results.service';
import { ErrorDto } from './dto/error.dto';
import { TimelineDto } from './dto/results.dto';

/** A member's record across procedures (the registry's own member endpoints are in RegistryController). */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('members')
export class MemberRecordsController {
  constructor(private readonly results: ResultsService) {}

  @Get(':id/timeline')
  @ApiOperation({ summary: '党员的全部流程事件与信息库变更（按时间先后）' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 200, type: TimelineDto })
  @ApiResponse({ status: 404, type: ErrorDto, description: 'NOT_FOUND：无此党员或不在管辖范围' })
  timeline(@CurrentUser() u: Principal, @Param('id') id: string): Promise<TimelineDto> {
    return this.results.timeline(u, id);
  }
}
