import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  isEmail,
  isURL,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';
import { OUTBOUND_CHANNELS, OutboundChannel } from './notification.types';

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === true ? true : value === 'false' || value === false ? false : value;

export class ListNotificationsQueryDto {
  @ApiPropertyOptional({ description: '只看未读' }) @IsOptional() @Transform(toBool) @IsBoolean() unreadOnly?: boolean;
  @ApiPropertyOptional({ default: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ default: 20, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize?: number;
}

/** Webhook URLs: http(s), a host name without TLD or an IP is fine (intranet robots, tests on 127.0.0.1:port). */
export const WEBHOOK_URL_OPTIONS = {
  require_tld: false,
  require_protocol: true,
  protocols: ['http', 'https'],
  allow_underscores: true,
};

/** `address` must be an e-mail address for `email` and an http(s) URL for `webhook`. */
function IsChannelAddress(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isChannelAddress',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const channel = (args.object as { channel?: string }).channel;
          if (typeof value !== 'string') return false;
          if (channel === 'email') return isEmail(value);
          if (channel === 'webhook') return isURL(value, WEBHOOK_URL_OPTIONS);
          return true; // the channel itself is reported by @IsIn
        },
        defaultMessage(args: ValidationArguments) {
          return (args.object as { channel?: string }).channel === 'webhook'
            ? 'address 必须是 http(s) 地址（webhook URL）'
            : 'address 必须是有效的电子邮件地址';
        },
      },
    });
}

/** `secret` only makes sense for a webhook. */
function OnlyForWebhook(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'onlyForWebhook',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          value === undefined || (args.object as { channel?: string }).channel === 'webhook',
        defaultMessage: () => 'secret 仅适用于 webhook 渠道',
      },
    });
}

export class CreateNotificationChannelDto {
  @ApiProperty({ enum: OUTBOUND_CHANNELS, example: 'email' })
  @IsIn(OUTBOUND_CHANNELS as unknown as string[], { message: 'channel 必须是 email 或 webhook' })
  channel: OutboundChannel;

  @ApiProperty({
    example: 'clerk@example.com',
    description: '电子邮件地址，或 webhook 的 http(s) URL（企业微信/钉钉机器人等）',
  })
  @IsString()
  @MaxLength(2000)
  @IsChannelAddress()
  address: string;

  @ApiPropertyOptional({ description: 'webhook 的 HMAC-SHA256 签名密钥（X-PartyFlow-Signature）；不会在响应中返回' })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  @OnlyForWebhook()
  secret?: string;

  @ApiPropertyOptional({ description: '为党组织订阅（该组织的党务干事或管理员）；省略则为本人订阅' })
  @IsOptional()
  @IsUUID()
  orgId?: string;

  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
}

export class ListChannelsQueryDto {
  @ApiPropertyOptional({ description: '只看该党组织的订阅（该组织的党务干事或管理员）' })
  @IsOptional()
  @IsUUID()
  orgId?: string;
}
