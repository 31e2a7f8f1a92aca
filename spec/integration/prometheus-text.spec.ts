import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { parsePrometheusText, sampleOf } from '../support/prometheus-text';

// The strict reader the metrics specs parse the service's /metrics with:
// it must take what the format allows and refuse what it does not.

const ok = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
`;

describe('parsePrometheusText', () => {
  it("reads the format documentation's example", () => {
    const f = parsePrometheusText(ok);
    expect(sampleOf(f, 'http_requests_total', { code: '400' })).toBe(3);
    expect(f.get('http_requests_total')?.help).toBe('The total number of HTTP requests.');
    expect(f.get('msdos_file_access_time_seconds')?.samples[0]?.labels).toEqual({ path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
    expect(sampleOf(f, 'something_weird')).toBe(Infinity);
    expect(f.get('http_request_duration_seconds')?.samples.map((s) => s.name)).toEqual([
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_sum',
      'http_request_duration_seconds_count',
    ]);
  });

  it.each([
    ['a sample without a value', 'a_metric\n', /needs a name and a value/],
    ['a value that is not a number', 'a_metric one\n', /not a number/],
    ['a bad metric name', '1metric 1\n', /bad metric name/],
    ['an unquoted label value', 'a{b=c} 1\n', /not quoted/],
    ['an unterminated label value', 'a{b="c} 1\n', /unterminated/],
    ['a bad escape', 'a{b="\\t"} 1\n', /bad escape/],
    ['a reserved label name', 'a{__b="c"} 1\n', /reserved/],
    ['a label given twice', 'a{b="c",b="d"} 1\n', /twice/],
    ['an unknown type', '# TYPE a countr\na 1\n', /unknown type/],
    ['a TYPE after the samples', 'a 1\n# TYPE a counter\n', /after its samples/],
    ['a second HELP', '# HELP a x\n# HELP a y\na 1\n', /second HELP/],
    ['the same series twice', 'a{b="c"} 1\na{b="c"} 2\n', /same series twice/],
    ['a family split in two groups', 'a 1\nb 1\na{x="y"} 2\n', /one group/],
    ['a bad timestamp', 'a 1 soon\n', /bad timestamp/],
    ['three fields', 'a 1 2 3\n', /optional timestamp/],
    ['no final line feed', 'a 1', /line feed/],
  ])('refuses %s', (_, text, why) => {
    expect(() => parsePrometheusText(text)).toThrow(why);
  });

  it('reads what prom-client writes, for every metric type', async () => {
    const registry = new Registry();
    new Counter({ name: 'c_total', help: 'a counter\\with "quotes"\nand a line', labelNames: ['l'], registers: [registry] }).inc({ l: 'x"y\\z\n' }, 2);
    new Gauge({ name: 'g', help: 'a gauge', registers: [registry] }).set(-1.5);
    new Histogram({ name: 'h', help: 'a histogram', buckets: [1, 2], registers: [registry] }).observe(1.5);
    new Summary({ name: 's', help: 'a summary', percentiles: [0.5], registers: [registry] }).observe(3);
    const f = parsePrometheusText(await registry.metrics());
    expect(sampleOf(f, 'c_total', { l: 'x"y\\z\n' })).toBe(2);
    expect(f.get('c_total')?.help).toBe('a counter\\with "quotes"\nand a line');
    expect(sampleOf(f, 'g')).toBe(-1.5);
    expect(f.get('h')?.samples.filter((s) => s.name === 'h_bucket').map((s) => [s.labels['le'], s.value])).toEqual([
      ['1', 0],
      ['2', 1],
      ['+Inf', 1],
    ]);
    expect(f.get('s')?.samples.map((s) => s.name)).toEqual(['s', 's_sum', 's_count']);
  });
});
