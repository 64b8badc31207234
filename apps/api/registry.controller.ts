import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import { CreateFirmDto, CreateMemberDto, CreateOrgDto, MemberQueryDto } from '../../libs/registry/dto';
import { RegistryService } from '../../libs/registry/registry.service';

@ApiTags('registry')
@ApiBearerAuth()
@Controller()
export class RegistryController {
  constructor(private readonly registry: RegistryService) {}

  @Get('orgs') orgs(@CurrentUser() u: Principal) {
    return this.registry.orgTree(u);
  }
  @Get('orgs/:id') org(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.registry.org(u, id);
  }
  @Post('orgs') createOrg(@CurrentUser() u: Principal, @Body() dto: CreateOrgDto) {
    return this.registry.createOrg(u, dto);
  }

  @Get('firms') firms(
    @CurrentUser() u: Principal,
    @Query('county') county?: string,
    @Query('coverage') coverage?: string,
  ) {
    return this.registry.firms(u, { county, coverage });
  }
  @Get('firms/:id') firm(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.registry.firm(u, id);
  }
  @Post('firms') createFirm(@CurrentUser() u: Principal, @Body() dto: CreateFirmDto) {
    return this.registry.createFirm(u, dto);
  }

  @Get('members') members(@CurrentUser() u: Principal, @Query() q: MemberQueryDto) {
    return this.registry.members(u, q);
  }
  @Get('members/:id') member(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.registry.member(u, id);
  }
  @Post('members') createMember(@CurrentUser() u: Principal, @Body() dto: CreateMemberDto) {
    return this.registry.createMember(u, dto);
  }
}
