/**
 * supertest's body parser for an answer that is a file (xlsx, pdf): the body as a Buffer, or — when the answer
 * is an error in JSON — that JSON parsed. Use as `.buffer(true).parse(fileOrJson)`.
 */
export function fileOrJson(res: any, cb: (err: Error | null, body: unknown) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => {
    const body = Buffer.concat(chunks);
    cb(null, /json/.test(String(res.headers['content-type'])) ? JSON.parse(body.toString('utf8')) : body);
  });
}
