import { Logger, Provider } from '@nestjs/common';
import { AppConfig, ConfigError } from '../../config/app-config';
import { IdNumberCipher, isSealedIdNumber, keyIdOfSealed } from '../common/id-number-cipher';
import { MemberIdNumbersRepository } from './member-id-numbers.repository';

/**
 * Makes every stored ID number sealed with the configured PII_KEY before the process serves anything, and
 * proves that the key is the one the registry was sealed with:
 * - plaintext rows (an installation from before encryption, or rows written by other means) are sealed and
 *   given their blind index;
 * - rows sealed with PII_KEY_PREVIOUS (a rotation) are re-sealed with PII_KEY, and their blind index recomputed;
 * - a row sealed with any other key stops the start with a ConfigError naming PII_KEY: a wrong key must not run
 *   and write a second generation of ID numbers nobody can match against the first, nor show garbage.
 * Idempotent and cheap once done (one scan of `members` finding nothing); processes starting together take turns.
 */
export async function prepareIdNumbersAtRest(
  config: Pick<AppConfig, 'PII_KEY' | 'PII_KEY_PREVIOUS'>,
  rows: MemberIdNumbersRepository,
  logger = new Logger('PersonalData'),
): Promise<IdNumberCipher> {
  const cipher = IdNumberCipher.fromSetting(config.PII_KEY);
  const previous = config.PII_KEY_PREVIOUS ? IdNumberCipher.fromSetting(config.PII_KEY_PREVIOUS) : null;
  const wrongKey = (found: string) =>
    new ConfigError(
      `PII_KEY 与数据库中身份证号的加密密钥不符：库中存有密钥 ${found} 加密的身份证号，而 PII_KEY 是密钥 ${cipher.keyId}` +
        `${previous ? `，PII_KEY_PREVIOUS 是密钥 ${previous.keyId}` : ''}。请配置原来的 PII_KEY（轮换时把旧密钥放在 PII_KEY_PREVIOUS）` +
        `（PII_KEY does not match the key the stored ID numbers are sealed with）`,
    );
  // the key opens what it claims to have sealed (a key id collision or altered rows would surface here)
  const sample = await rows.oneSealedWith(cipher.keyId);
  if (sample !== undefined)
    try {
      cipher.open(sample);
    } catch {
      throw wrongKey(cipher.keyId);
    }
  let sealed = 0;
  let resealed = 0;
  await rows.resealAllBut(cipher.keyId, (batch) =>
    batch.map(({ id, stored }) => {
      let plain: string;
      if (!isSealedIdNumber(stored)) {
        plain = stored;
        sealed++;
      } else if (keyIdOfSealed(stored) === cipher.keyId) plain = cipher.open(stored);
      else if (previous && keyIdOfSealed(stored) === previous.keyId) {
        plain = previous.open(stored);
        resealed++;
      } else throw wrongKey(keyIdOfSealed(stored)!);
      return { id, sealed: cipher.seal(plain), blindIndex: cipher.blindIndex(plain) };
    }),
  );
  if (sealed) logger.log(`已加密 ${sealed} 个明文存储的身份证号（密钥 ${cipher.keyId}）`);
  if (resealed)
    logger.log(
      `已用新密钥 ${cipher.keyId} 重新加密 ${resealed} 个身份证号（原密钥 ${previous!.keyId}），可以移除 PII_KEY_PREVIOUS`,
    );
  return cipher;
}

/** The IdNumberCipher of the configured PII_KEY, available once the stored ID numbers are all sealed with it. */
export const ID_NUMBER_CIPHER_PROVIDER: Provider = {
  provide: IdNumberCipher,
  inject: [AppConfig, MemberIdNumbersRepository],
  useFactory: (config: AppConfig, rows: MemberIdNumbersRepository) => prepareIdNumbersAtRest(config, rows),
};
