// the launcher's console build, a CommonJS script
const { consoleBuildEnv } = require('../scripts/provision/console.js');

/**
 * A browser suite run by Jest alone rebuilds a stale console from inside Jest, where NODE_ENV is `test`: Vite
 * then bundled React's development build (389.8 KB against the 350 KB first-visit budget, instead of 317.9 KB),
 * and the suite failed on the budget or tested a development console. The build's environment is production.
 */
describe('console build environment', () => {
  it('builds for production whatever NODE_ENV the caller runs under, keeping the rest of its environment', () => {
    expect(consoleBuildEnv({ NODE_ENV: 'test', PATH: '/usr/bin' })).toEqual({
      NODE_ENV: 'production',
      PATH: '/usr/bin',
    });
    expect(consoleBuildEnv({})).toEqual({ NODE_ENV: 'production' });
  });
});
