import { toApiError, tokenStore } from '../api/http';

/** Saves a blob under a file name through a temporary link (what "下载" does in every browser). */
export function saveBlob(blob: Blob, fileName: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The file name the server chose (Content-Disposition: attachment; filename*=UTF-8''…), else `fallback`. */
function fileNameOf(res: Response, fallback: string) {
  const cd = res.headers.get('content-disposition') ?? '';
  const m = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  return m ? decodeURIComponent(m[1]) : fallback;
}

/** Downloads a file the API answers (ledger, PDF) with the caller's token; API errors are thrown as ApiError. */
export async function downloadFromApi(path: string, query: Record<string, unknown>, fallback: string) {
  const u = new URL(`/api/v1${path}`, window.location.origin);
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
  const token = tokenStore.get();
  let res: Response;
  try {
    res = await fetch(u.pathname + u.search, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (e) {
    throw await toApiError(undefined, e);
  }
  if (!res.ok) throw await toApiError(res, undefined, !!token);
  saveBlob(await res.blob(), fileNameOf(res, fallback));
}

/** Rows as an .xlsx workbook (one sheet, a bold header row), built in the browser. */
export async function downloadXlsx(
  fileName: string,
  sheet: string,
  columns: { title: string; key: string }[],
  rows: Record<string, unknown>[],
) {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheet);
  ws.columns = columns.map((c) => ({ header: c.title, key: c.key, width: Math.max(10, c.title.length * 2 + 4) }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow(Object.fromEntries(columns.map((c) => [c.key, r[c.key] ?? ''])));
  const buf = await wb.xlsx.writeBuffer();
  saveBlob(new Blob([buf], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), fileName);
}
