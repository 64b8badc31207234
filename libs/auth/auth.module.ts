import { Module } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../../config/app-config';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LoginEventsRepository } from './login-events.repository';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { VerifiedUsersCache } from './verified-users.cache';

@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // a KeyObject, not the string: jsonwebtoken first tries to parse a string as a PEM public key and
        // throws, on every sign and verify — 7 % of the CPU of an HTTP event in the benchmark's profile
        secret: createSecretKey(Buffer.from(config.JWT_SECRET, 'utf8')) as unknown as string,
        signOptions: { expiresIn: config.JWT_EXPIRES_IN as any },
      }),
    }),
  ],
  providers: [
    UsersRepository,
    VerifiedUsersCache,
    LoginEventsRepository,
    AuthService,
    UsersService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, UsersService],
})
export class AuthModule {}
