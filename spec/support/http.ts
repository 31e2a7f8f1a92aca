import { request } from 'node:http';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** One request with Node's own HTTP client, no connection kept: what a scraper or a probe does. */
export function httpGet(url: string, method = 'GET', timeoutMs = 5_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      res.setEncoding('utf8');
      let body = '';
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Asks until `accept` takes the answer, or fails after `timeoutMs` with the last answer or error. */
export async function httpUntil(url: string, accept: (a: HttpAnswer) => boolean, timeoutMs = 15_000): Promise<HttpAnswer> {
  const deadline = Date.now() + timeoutMs;
  let last: HttpAnswer | Error | undefined;
  while (Date.now() < deadline) {
    last = await httpGet(url).catch((e: Error) => e);
    if (!(last instanceof Error) && accept(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`GET ${url}: no acceptable answer within ${timeoutMs} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}
