/**
 * `mcp-gateway check` on pipelines: every problem at once with its FILE:LINE:COL (unknown servers, references to
 * steps that do not exist, run later or at the same time, expressions that do not parse, cycles between pipelines,
 * the reserved name), and unknown tools of servers the catalog in the state directory knows.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'mcp-gateway-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function check(yaml: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = join(scratch, 'servers.yaml');
  writeFileSync(file, yaml);
  let stdout = '';
  let stderr = '';
  const code = await runCli(['check', '-c', file], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { HOME: scratch },
    cwd: scratch,
    stopSignal: () => new Promise(() => {}),
  });
  return { code, stdout, stderr };
}

const BACKENDS = `state_dir: ${join(scratch, 'state')}
backends:
  weather:
    command: node weather.js
  notes:
    http_url: http://127.0.0.1:9/mcp
`;

describe('mcp-gateway check, pipelines', () => {
  it('accepts a valid pipeline and prints it', async () => {
    const { code, stdout } = await check(`${BACKENDS}
pipelines:
  morning_report:
    description: Alerts and forecast for a state, written to a note
    input: { type: object, properties: { state: { type: string } }, required: [state] }
    steps:
      - parallel:
          - { id: alerts, call: weather/get_alerts, arguments: { state: '{% input.state %}' } }
          - { id: forecast, call: weather/get_forecast, arguments: { state: '{% input.state %}' }, timeout: 5 }
      - id: note
        call: notes/add_note
        arguments: { title: '{% "Weather for " & input.state %}', body: '{% steps.alerts.text & steps.forecast.text %}' }
        on_error: continue
`);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).pipelines.morning_report.steps).toHaveLength(2);
  });

  it('reports unknown servers, bad references, forward references and cycles, each with its place', async () => {
    const { code, stderr } = await check(`${BACKENDS}
pipelines:
  a:
    description: first
    steps:
      - { id: one, call: wether/get_alerts }
      - { id: two, call: notes/add_note, arguments: { title: '{% steps.three.text %}', body: '{% steps.on.text %}' } }
      - { id: three, call: pipelines/b, arguments: { x: '{% steps.three.text %}', y: '{% input.( %}', z: '{% nothing %}' } }
      - parallel:
          - { id: p1, call: notes/list_notes }
          - { id: p2, call: notes/list_notes, arguments: { q: '{% steps.p1.text %}' } }
  b:
    description: second
    steps:
      - { id: back, call: pipelines/a }
`);
    expect(code).toBe(1);
    const file = join(scratch, 'servers.yaml');
    const lines = stderr.split('\n').filter((l) => l.startsWith(file));
    const expected = [
      /:12:26 pipelines\.a\.steps\[0\]\.call: unknown server "wether" \(did you mean "weather"\?\)/,
      /:13:62 pipelines\.a\.steps\[1\]\.arguments\.title: expression reads steps\.three, which runs later/,
      /:13:94 pipelines\.a\.steps\[1\]\.arguments\.body: expression reads steps\.on, but no step has that id \(did you mean "one"\?\)/,
      /:14:28 pipelines\.a\.steps\[2\]\.call: pipelines call each other in a cycle: a → b → a/,
      /:14:57 pipelines\.a\.steps\[2\]\.arguments\.x: expression reads steps\.three, its own step/,
      /:14:86 pipelines\.a\.steps\[2\]\.arguments\.y: expression does not parse/,
      /:14:106 pipelines\.a\.steps\[2\]\.arguments\.z: expression reads "nothing", which is not there/,
      /:17:63 pipelines\.a\.steps\[3\]\.parallel\[1\]\.arguments\.q: expression reads steps\.p1, which runs at the same time/,
      /:21:27 pipelines\.b\.steps\[0\]\.call: pipelines call each other in a cycle: b → a → b/,
    ];
    for (const pattern of expected)
      expect(
        lines.some((l) => pattern.test(l)),
        String(pattern),
      ).toBe(true);
    expect(lines).toHaveLength(expected.length);
  });

  it('refuses a backend named pipelines', async () => {
    const { code, stderr } = await check(`backends:\n  pipelines:\n    command: node x.js\n`);
    expect(code).toBe(1);
    expect(stderr).toMatch(/:2:3 backends\.pipelines: backend name "pipelines" is reserved/);
  });

  it('reports a tool its server does not have, when the catalog in the state directory knows the server', async () => {
    mkdirSync(join(scratch, 'state'), { recursive: true });
    const tool = (name: string) => ({ tool: { name, inputSchema: { type: 'object' } }, hash: name });
    writeFileSync(
      join(scratch, 'state', 'catalog.json'),
      JSON.stringify({
        version: 1,
        servers: {
          weather: {
            tools: [tool('get_alerts'), tool('get_forecast')],
            indexed_at: '2026-01-01T00:00:00.000Z',
          },
        },
      }),
    );
    const { code, stderr } = await check(`${BACKENDS}
pipelines:
  p:
    description: p
    steps:
      - { id: a, call: weather/get_alert }
      - { id: b, call: notes/anything_at_all }
`);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /servers\.yaml:12:24 pipelines\.p\.steps\[0\]\.call: server "weather" has no tool "get_alert" \(did you mean "get_alerts"\?\)/,
    );
    // notes is not in the catalog: it is its own judge, at run time.
    expect(stderr).not.toMatch(/anything_at_all/);
  });
});
