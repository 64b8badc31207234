import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../libs/auth/auth.guard';
import type { Principal } from '../../libs/auth/principal';
import {
  CreateNotificationChannelDto,
  ListChannelsQueryDto,
  ListNotificationsQueryDto,
} from '../../libs/notifications/dto';
import { NotificationChannelsService } from '../../libs/notifications/notification-channels.service';
import { NotificationsService } from '../../libs/notifications/notifications.service';
import { ApiErrors } from './api-errors.decorator';
import { ChannelDeleted, ChannelView, NotificationPage, NotificationView, UpdatedCount } from './dto/responses';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly channels: NotificationChannelsService,
  ) {}

  @Get()
  @ApiOperation({ summary: '我的站内通知（提醒、逾期、督办），最新在前：{ items, total, unread }' })
  @ApiOkResponse({ type: NotificationPage })
  @ApiErrors(400)
  list(@CurrentUser() u: Principal, @Query() q: ListNotificationsQueryDto) {
    return this.notifications.list(u, q);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: '全部标记为已读' })
  @ApiOkResponse({ type: UpdatedCount })
  readAll(@CurrentUser() u: Principal) {
    return this.notifications.markAllRead(u);
  }

  @Get('channels')
  @ApiOperation({ summary: '通知渠道订阅（本人的，及本人任党务干事的党组织的）' })
  @ApiOkResponse({ type: [ChannelView] })
  @ApiErrors(400, 403)
  listChannels(@CurrentUser() u: Principal, @Query() q: ListChannelsQueryDto) {
    return this.channels.list(u, q);
  }

  @Post('channels')
  @ApiOperation({ summary: '订阅电子邮件或 webhook 渠道（本人，或 orgId 指定的党组织）' })
  @ApiCreatedResponse({ type: ChannelView })
  @ApiErrors(400, 403, 409)
  createChannel(@CurrentUser() u: Principal, @Body() dto: CreateNotificationChannelDto) {
    return this.channels.create(u, dto);
  }

  @Delete('channels/:id')
  @ApiOperation({ summary: '取消订阅' })
  @ApiOkResponse({ type: ChannelDeleted })
  @ApiErrors(404)
  removeChannel(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.channels.remove(u, id);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: '标记一条通知为已读' })
  @ApiOkResponse({ type: NotificationView })
  @ApiErrors(404)
  read(@CurrentUser() u: Principal, @Param('id') id: string) {
    return this.notifications.markRead(u, id);
  }
}
