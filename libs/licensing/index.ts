export * from './dto';
export * from './licensing.constants';
export * from './licensing.module';
export * from './licensing.service';
export * from './licensing-callback.handler';
export * from './licensing-status';
export * from './signature';
