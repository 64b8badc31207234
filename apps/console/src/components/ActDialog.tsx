import { useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Form, Input, message, Modal, Space } from 'antd';
import { useRef, useState } from 'react';
import { ApiError, call, client, newIdempotencyKey } from '../api/http';
import type { AvailableEvent, CaseView, HistoryRow, WorkflowDetail } from '../api/types';
import { ROLE_TITLES } from '../labels';
import { JsonSchema, labelOf, SchemaFields, toPayload } from './SchemaForm';
import { StateValue, stateValueTitle } from '../stateTitles';
import { proposedEventData } from '../eventDefaults';
import { formatTime } from '../time';

interface Conflict {
  message: string;
  changes: HistoryRow[] | null;
  stillAvailable: boolean | null;
}

/** Server field paths (`data.letterNo`) → form names (['data', 'letterNo']). */
const fieldPath = (field: string) => field.split('.').filter(Boolean);

/** The longest run of characters `a` and `b` share. */
function longestCommonRun(a: string, b: string): number {
  let best = 0;
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < b.length; j++) {
      let k = 0;
      while (a[i + k] !== undefined && a[i + k] === b[j + k]) k++;
      if (k > best) best = k;
    }
  return best;
}

/**
 * The form field a rule's refusal is about. The engine's 422 names the event, not the field (the
 * procedures' rules answer a sentence: "介绍信有效期须晚于开具日期"), so the field is the one whose label the
 * sentence quotes the most of (at least two characters and 60 % of the label: "有效期" of "有效期至"). No
 * field when none does or two do equally: the refusal then stands above the buttons only.
 */
export function fieldNamedBy(message: string, fields: { name: string; label: string }[]): string | undefined {
  const scored = fields
    .map((f) => {
      const run = longestCommonRun(message, f.label);
      return { name: f.name, run, share: run / f.label.length };
    })
    .filter((f) => f.run >= 2 && f.share >= 0.6)
    .sort((a, b) => b.share - a.share || b.run - a.run);
  if (!scored.length) return undefined;
  if (scored[1] && scored[1].share === scored[0].share && scored[1].run === scored[0].run) return undefined;
  return scored[0].name;
}

/**
 * Acting on a case: the event's form generated from its JSON Schema, an optional comment, client-side
 * validation in Chinese, the server's 400/422 beside the field or rule, the 409 flow (what changed,
 * reload), and a fresh Idempotency-Key per submit so a double click never acts twice.
 */
export default function ActDialog({
  c,
  event,
  workflow,
  onClose,
}: {
  c: CaseView;
  event: AvailableEvent;
  workflow: WorkflowDetail | undefined;
  onClose: () => void;
}) {
  const [form] = Form.useForm();
  const qc = useQueryClient();
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const [ruleError, setRuleError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [version, setVersion] = useState(c.version);
  const [toast, toastHolder] = message.useMessage();
  const schema: JsonSchema | undefined = workflow?.eventSchemas?.[event.type];
  const hasFields = !!schema?.properties && Object.keys(schema.properties).length > 0;
  const eventTitle = (type: string) =>
    type === 'OPEN' ? '发起' : (workflow?.events.find((e) => e.type === type)?.title ?? type);
  const stateTitle = (value: StateValue | null) => stateValueTitle(workflow?.states, value);

  // also when the inbox is not on screen: back in it, the clerk must not see the case just handled
  const refreshLists = () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: ['tasks'], refetchType: 'all' }),
      qc.invalidateQueries({ queryKey: ['cases'] }),
    ]);
  const refresh = () =>
    Promise.all([
      qc.invalidateQueries({ queryKey: ['case', c.id] }),
      qc.invalidateQueries({ queryKey: ['history', c.id] }),
      refreshLists(),
    ]);

  const submit = async () => {
    if (inFlight.current) return; // a double click: the first submit is still on its way
    setRuleError(null);
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    inFlight.current = true;
    setBusy(true);
    try {
      const moved = await call<CaseView>(
        client.POST('/api/v1/cases/{id}/events', {
          params: { path: { id: c.id } },
          headers: { 'Idempotency-Key': newIdempotencyKey() },
          body: {
            type: event.type,
            data: hasFields ? toPayload(schema, values.data ?? {}) : undefined,
            comment: values.comment?.trim() || undefined,
            expectedVersion: version,
          },
        } as any),
      );
      void toast.success(`已办理：${event.title}`);
      // the answer is the case's view after the step, as GET /cases/:id gives it: no second request for it. Its
      // history and documents are read under the new version, so they reload by themselves.
      qc.setQueryData(['case', c.id], moved);
      await refreshLists();
      onClose();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.status === 400 && Array.isArray(e.details)) {
        const known = new Set(['comment', ...Object.keys(schema?.properties ?? {}).map((k) => `data.${k}`)]);
        const fields = e.details.filter((d: any) =>
          [...known].some((k) => d.field === k || d.field?.startsWith(`${k}.`)),
        );
        form.setFields(fields.map((d: any) => ({ name: fieldPath(d.field), errors: d.errors ?? [e.message] })));
        const rest = e.details.filter((d: any) => !fields.includes(d));
        if (rest.length || !fields.length)
          setRuleError(rest.length ? rest.map((d: any) => (d.errors ?? []).join('；')).join('；') : e.message);
      } else if (e.status === 409) {
        // someone acted first: show what changed since the page was loaded, and offer to reload
        const [fresh, history] = await Promise.all([
          call<CaseView>(client.GET('/api/v1/cases/{id}', { params: { path: { id: c.id } } })).catch(() => null),
          call<HistoryRow[]>(client.GET('/api/v1/cases/{id}/history', { params: { path: { id: c.id } } })).catch(
            () => null,
          ),
        ]);
        setConflict({
          message: e.message,
          changes: history ? history.filter((h) => h.seq > version) : null,
          stillAvailable: fresh ? fresh.availableEvents.some((x) => x.type === event.type) : null,
        });
        if (fresh) qc.setQueryData(['case', c.id], fresh);
      } else {
        // 422 (a rule, or not possible now), 403: beside the rule, above the buttons
        // a rule refusal also stands beside the field it is about (the one it names, else the one its
        // sentence quotes), and above the buttons, where it is read even when that field is scrolled away
        const props = Object.entries(schema?.properties ?? {}) as [string, JsonSchema][];
        const field =
          (e.details?.field as string | undefined) ??
          (e.code === 'RULE_VIOLATION'
            ? fieldNamedBy(
                e.message,
                props.map(([name, p]) => ({ name: `data.${name}`, label: labelOf(name, p) })),
              )
            : undefined);
        if (field && form.getFieldInstance(fieldPath(field)))
          form.setFields([{ name: fieldPath(field), errors: [e.message] }]);
        setRuleError(e.message);
      }
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const reload = async () => {
    const fresh = qc.getQueryData<CaseView>(['case', c.id]);
    await refresh();
    if (fresh) setVersion(fresh.version);
    if (conflict?.stillAvailable === false) onClose();
    setConflict(null);
  };

  return (
    <>
      {toastHolder}
      <Modal
        open
        title={event.title}
        onCancel={onClose}
        maskClosable={false}
        footer={
          <Space>
            <Button onClick={onClose}>取消</Button>
            <Button type="primary" loading={busy} disabled={!!conflict} onClick={submit} data-testid="act-submit">
              确认办理
            </Button>
          </Space>
        }
      >
        {conflict ? (
          <Alert
            type="warning"
            showIcon
            role="alert"
            data-testid="conflict"
            style={{ marginBottom: 16 }}
            title={conflict.message}
            description={
              <div>
                {conflict.changes?.length ? (
                  <>
                    <div>您打开此页面后，案件有以下变化：</div>
                    <ul style={{ paddingInlineStart: 18, margin: '4px 0' }}>
                      {conflict.changes.map((h) => (
                        <li key={h.seq} data-testid="conflict-change">
                          {formatTime(h.at, 'MM-DD HH:mm')}{' '}
                          {h.actor.username === 'system' ? '系统' : (h.actor.displayName ?? h.actor.username)}
                          {h.actor.role ? `（${ROLE_TITLES[h.actor.role] ?? h.actor.role}）` : ''}：{eventTitle(h.type)}
                          ，{stateTitle(h.from)} → {stateTitle(h.to)}
                          {h.comment ? `，意见：${h.comment}` : ''}
                        </li>
                      ))}
                    </ul>
                  </>
                ) : null}
                {conflict.stillAvailable === false ? <div>该事项在当前环节已无需您办理。</div> : null}
                <Button
                  type="primary"
                  size="small"
                  onClick={reload}
                  style={{ marginTop: 8 }}
                  data-testid="conflict-reload"
                >
                  {conflict.stillAvailable === false ? '关闭并查看最新状态' : '重新加载后继续办理'}
                </Button>
              </div>
            }
          />
        ) : null}
        <Form
          form={form}
          layout="vertical"
          requiredMark
          disabled={!!conflict}
          initialValues={{ data: proposedEventData(event.type, c) }}
        >
          {schema === undefined ? null : <SchemaFields schema={schema} prefix={['data']} />}
          <Form.Item
            name="comment"
            label="办理意见（选填）"
            rules={[{ max: 2000, message: '办理意见不能超过 2000 个字符' }]}
          >
            <Input.TextArea rows={3} placeholder="如：同意" />
          </Form.Item>
        </Form>
        {ruleError ? (
          <Alert type="error" showIcon role="alert" data-testid="rule-error" title="未能办理" description={ruleError} />
        ) : null}
      </Modal>
    </>
  );
}
