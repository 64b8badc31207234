import { FilePdfOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Button, Card, message as antdMessage, Space, Typography } from 'antd';
import { ApiError, api } from '../api/http';
import { downloadFromApi } from '../supervision/download';

export interface DocumentInfo {
  kind: string;
  title: string;
  available: boolean;
  reason?: string;
}

/**
 * The case's printable documents (介绍信, 回执, 年度考核汇总表 …) as PDF downloads: the ones that exist can be
 * downloaded, the others say why not yet. Nothing is shown for a procedure without documents. `version`
 * refetches the list when the case moves on (an issued letter becomes printable at once).
 */
export function CaseDocuments({
  caseId,
  version,
  title = '文书',
}: {
  caseId: string;
  version?: number;
  title?: string;
}) {
  // its own message holder: the case page has no antd <App> around it
  const [message, holder] = antdMessage.useMessage();
  const docs = useQuery({
    queryKey: ['documents', caseId, version],
    queryFn: () => api.get<DocumentInfo[]>(`/cases/${caseId}/documents`),
  });
  const download = useMutation({
    mutationFn: (d: DocumentInfo) => downloadFromApi(`/cases/${caseId}/documents/${d.kind}`, {}, `${d.title}.pdf`),
    onError: (e) => void message.error(e instanceof ApiError ? e.message : '下载失败'),
  });
  const list = docs.data ?? [];
  if (!list.length) return null;
  return (
    <Card size="small" style={{ marginBottom: 12 }} title={<h2 style={{ fontSize: 16, margin: 0 }}>{title}</h2>}>
      {holder}
      <Space wrap align="start" data-testid="documents">
        {list.map((d) => (
          <Space key={d.kind} orientation="vertical" size={2}>
            <Button
              icon={<FilePdfOutlined />}
              disabled={!d.available}
              loading={download.isPending && download.variables?.kind === d.kind}
              onClick={() => download.mutate(d)}
            >
              下载{d.title}
            </Button>
            {d.available ? null : (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {d.reason ?? '尚未生成'}
              </Typography.Text>
            )}
          </Space>
        ))}
      </Space>
    </Card>
  );
}
