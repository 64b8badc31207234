import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateNotificationChannelDto } from './dto';

const errors = (body: object) =>
  validateSync(plainToInstance(CreateNotificationChannelDto, body), {
    whitelist: true,
    forbidNonWhitelisted: true,
  }).map((e) => e.property);

describe('channel subscription input', () => {
  it('accepts an e-mail address for email and an http(s) URL (also an IP with a port) for webhook', () => {
    expect(errors({ channel: 'email', address: 'clerk@example.com' })).toEqual([]);
    expect(errors({ channel: 'webhook', address: 'http://127.0.0.1:8080/hook', secret: 'longenough' })).toEqual([]);
    expect(errors({ channel: 'webhook', address: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc' })).toEqual(
      [],
    );
    expect(errors({ channel: 'webhook', address: 'http://robot-gw:9000/send' })).toEqual([]);
  });

  it('refuses a URL for email, an address for webhook, other schemes and unknown channels', () => {
    expect(errors({ channel: 'email', address: 'http://example.com' })).toEqual(['address']);
    expect(errors({ channel: 'webhook', address: 'clerk@example.com' })).toEqual(['address']);
    expect(errors({ channel: 'webhook', address: 'ftp://example.com/x' })).toEqual(['address']);
    expect(errors({ channel: 'webhook', address: 'example.com/hook' })).toEqual(['address']);
    expect(errors({ channel: 'sms', address: '13800000000' })).toEqual(['channel']);
  });

  it('a secret only for webhooks, at least 8 characters', () => {
    expect(errors({ channel: 'email', address: 'clerk@example.com', secret: 'longenough' })).toEqual(['secret']);
    expect(errors({ channel: 'webhook', address: 'http://127.0.0.1:1/x', secret: 'short' })).toEqual(['secret']);
  });
});
