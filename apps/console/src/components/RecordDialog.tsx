import { Alert, Modal } from 'antd';
import { type ReactNode, useEffect, useState } from 'react';
import { ApiError } from '../api/http';

/** A problem the dialog's own checks found before sending (shown like the API's refusals). */
export class RecordProblem extends Error {}

/** A refusal of the API as one line, its field details joined. */
export function refusalText(e: ApiError): string {
  const details: { field?: string; errors?: string[] }[] = Array.isArray(e.details) ? e.details : [];
  const lines = details.flatMap((d) => d.errors ?? []);
  return lines.length ? `${e.message}：${lines.join('；')}` : e.message;
}

/**
 * A dialog that records something (登记 / 取消): busy while `onSubmit` runs, closed when it succeeds, and what
 * stopped it — a `RecordProblem` of its own checks or the API's refusal — shown under the form until
 * `resetKey` changes (the clerk corrected something) or the next try. `onSubmit` may handle a refusal itself
 * (put it beside its fields) and return false to keep the dialog open without a message.
 */
export function RecordDialog({
  title,
  width,
  onClose,
  onSubmit,
  resetKey,
  children,
}: {
  title: string;
  width?: number;
  onClose: () => void;
  onSubmit: () => Promise<boolean | void>;
  resetKey?: string;
  children: ReactNode;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setError(null), [resetKey]);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      if ((await onSubmit()) !== false) onClose();
    } catch (e) {
      if (e instanceof RecordProblem) setError(e.message);
      else if (e instanceof ApiError) setError(refusalText(e));
      // a form's own validation (antd rejects with the fields in error) is shown beside those fields
      else if (!(e && typeof e === 'object' && 'errorFields' in e)) throw e;
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={title}
      okText="登记"
      cancelText="取消"
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={onClose}
      width={width}
      destroyOnHidden
    >
      {children}
      {error ? <Alert style={{ marginTop: 12 }} type="error" showIcon message={error} /> : null}
    </Modal>
  );
}
