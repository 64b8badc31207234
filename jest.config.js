/** Unit tests sit beside the code (*.spec.ts); integration and end-to-end suites live in test/ (*.e2e-spec.ts). */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
};
module.exports = {
  testEnvironment: 'node',
  // a suite's setup boots the app and logs users in (argon2): seconds on an idle machine, far more than
  // Jest's 5 s default on a loaded 2-core CI box; a test that hangs still fails, only later
  testTimeout: 60_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      // test/*.spec.ts: checks of the repository itself (documentation references), no database needed
      testMatch: ['<rootDir>/{apps,libs,workflows,config}/**/*.spec.ts', '<rootDir>/test/*.spec.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/timeouts.ts'],
    },
    {
      // the web console in a real browser (Debian chromium via playwright-core) against the real app
      displayName: 'browser',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/timeouts.ts'],
    },
  ],
};
