import { HttpStatus } from '@nestjs/common';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { AppError } from '../common/app-error';

/**
 * The CJK faces PDFs are set in: Noto Serif CJK SC (宋体-like, what official letters use) for the text and
 * its bold for titles, from Debian's `fonts-noto-cjk` (the launcher installs it). A `.ttc` holds one face
 * per language; pdfkit/fontkit pick the Simplified Chinese one by its PostScript name and embed only the
 * glyphs used (subset), so a letter stays small and prints the same everywhere.
 */
export interface CjkFace {
  /** A font collection file and the PostScript name of the face inside it. */
  file: string;
  postscriptName: string;
}

export const CJK_FONT_DIRS = ['/usr/share/fonts/opentype/noto', '/usr/share/fonts/noto-cjk'];

export const CJK_FACES = {
  regular: { file: 'NotoSerifCJK-Regular.ttc', postscriptName: 'NotoSerifCJKsc-Regular' },
  bold: { file: 'NotoSerifCJK-Bold.ttc', postscriptName: 'NotoSerifCJKsc-Bold' },
} satisfies Record<string, CjkFace>;

export type CjkFaceName = keyof typeof CJK_FACES;

export interface LoadedFace {
  data: Buffer;
  postscriptName: string;
}

/**
 * Reads the faces once per process (about 20 MB each; fontkit only parses the tables it needs).
 * Absent fonts are a 503 with a stable code: the server is missing a package, the request was fine.
 */
export class CjkFonts {
  private cache?: Record<CjkFaceName, LoadedFace>;

  constructor(private readonly dirs: string[] = CJK_FONT_DIRS) {}

  load(): Record<CjkFaceName, LoadedFace> {
    if (this.cache) return this.cache;
    const out = {} as Record<CjkFaceName, LoadedFace>;
    for (const [name, face] of Object.entries(CJK_FACES) as [CjkFaceName, CjkFace][]) {
      const path = this.dirs.map((d) => join(d, face.file)).find((p) => existsSync(p));
      if (!path)
        throw new AppError(
          HttpStatus.SERVICE_UNAVAILABLE,
          'PDF_FONT_UNAVAILABLE',
          `服务器缺少中文字体（${face.file}），暂不能生成 PDF 文书，请联系管理员安装 fonts-noto-cjk`,
          { font: face.file, searched: this.dirs },
        );
      out[name] = { data: readFileSync(path), postscriptName: face.postscriptName };
    }
    this.cache = out;
    return out;
  }
}
