import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/app-config';
import { withInstallationSecrets } from '../config/installation-secrets';
import { DemoCaseSeeder } from '../libs/demo/demo-case-seeder';
import { bootLogger, createApp } from './bootstrap';

/** Entry point: `--role api|worker|all` (default all: one process runs both). */
async function main() {
  const roleArg = process.argv.find((a) => a.startsWith('--role'));
  const role = roleArg?.includes('=')
    ? roleArg.split('=')[1]
    : roleArg
      ? process.argv[process.argv.indexOf(roleArg) + 1]
      : undefined;
  let config;
  try {
    config = loadConfig(withInstallationSecrets({ ...process.env, ...(role ? { ROLE: role } : {}) }));
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  let app;
  try {
    app = await createApp(config);
  } catch (e) {
    // settings that only the database can refute (a PII_KEY that does not open the stored ID numbers) stop the
    // start like any invalid setting: a clear message and exit code 2, not a stack trace
    if (e instanceof ConfigError) {
      bootLogger.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  if (config.ROLE === 'worker') {
    await app.init();
    bootLogger.log('工作进程已启动（worker role）');
    return;
  }
  if (config.DEMO && config.CLOCK_CONTROL) {
    // the demo's work in progress: cases driven through the engine (needs the initialized app). Only here,
    // not in createApp: the test harness seeds the demo region too, and its suites start from no cases.
    await app.init();
    await app.get(DemoCaseSeeder).seedIfNoCases();
  }
  await app.listen(config.PORT, config.HOST!);
  bootLogger.log(
    `PartyFlow 已启动：http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}/api/v1 （监听 ${config.HOST}，接口文档 /docs，角色 ${config.ROLE}${config.DEMO ? '，演示模式' : ''}）`,
  );
}

main().catch((e) => {
  bootLogger.error(e?.stack ?? String(e));
  process.exit(1);
});
