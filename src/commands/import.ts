/**
 * @module commands/import: `mcp-gateway import FILE [--into servers.yaml] [--force]`: a Claude Desktop, Claude Code,
 * Cursor or VS Code MCP configuration as servers.yaml backends, printed, or merged into a servers.yaml.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OptionSpec, PositionalSpec } from '../cli-args.js';
import { EXIT } from '../exit-codes.js';
import { FORMAT_LABELS, readClientConfig } from '../import/client-config.js';
import { planImport, type ImportPlan } from '../import/plan.js';
import { mergeBackends, renderBackends } from '../import/render.js';
import type { CommandIo } from './io.js';
import { replaceFile } from './write-file.js';

export const IMPORT_POSITIONALS: readonly PositionalSpec[] = [{ name: 'FILE' }];

export const IMPORT_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'into',
    type: 'string',
    describe: 'add the backends to this servers.yaml (created if missing; its comments are kept)',
  },
  { name: 'force', type: 'boolean', describe: 'with --into: replace backends of the same name' },
];

export interface ImportArgs {
  FILE?: string;
  into?: string;
  force?: boolean;
}

export async function runImportCommand(args: ImportArgs, io: CommandIo): Promise<number> {
  const path = resolve(io.cwd, args.FILE ?? '');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    io.stderr(
      `mcp-gateway: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`,
    );
    return EXIT.failure;
  }
  const read = readClientConfig(text, path);
  if (!read.ok) {
    io.stderr(`mcp-gateway: ${read.message}\n`);
    return EXIT.failure;
  }
  const { format, servers } = read.config;
  const label = FORMAT_LABELS[format];
  if (servers.length === 0) {
    io.stderr(`mcp-gateway: ${path} (${label}) declares no MCP servers: nothing to import\n`);
    return EXIT.failure;
  }
  const plan = planImport(read.config);
  io.stderr(
    `mcp-gateway: ${path} is a ${label} configuration with ${count(servers.length, 'server')}\n` +
      report(plan),
  );
  if (plan.backends.length === 0) {
    io.stderr('mcp-gateway: no server could be imported\n');
    return EXIT.failure;
  }
  const source = `Imported from ${path} (${label}) by mcp-gateway import.`;
  if (args.into === undefined) {
    io.stdout(
      renderBackends(plan.backends, [
        source,
        'Paste under backends: in servers.yaml, or import with --into.',
      ]),
    );
    return EXIT.ok;
  }
  return merge(resolve(io.cwd, args.into), plan, source, args.force === true, io);
}

function merge(into: string, plan: ImportPlan, source: string, force: boolean, io: CommandIo): number {
  const exists = existsSync(into);
  let text = '';
  if (exists) {
    try {
      text = readFileSync(into, 'utf8');
    } catch (error) {
      io.stderr(
        `mcp-gateway: cannot read ${into}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`,
      );
      return EXIT.failure;
    }
  }
  const merged = exists
    ? mergeBackends(text, into, plan.backends, [source], force)
    : {
        ok: true as const,
        text: renderBackends(plan.backends, [source]),
        added: plan.backends.map((b) => b.name),
        replaced: [],
      };
  if (!merged.ok) {
    io.stderr(`mcp-gateway: ${merged.message}\n`);
    return EXIT.failure;
  }
  try {
    replaceFile(into, merged.text);
  } catch (error) {
    io.stderr(
      `mcp-gateway: cannot write ${into}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`,
    );
    return EXIT.failure;
  }
  const lines = [];
  if (merged.added.length > 0) {
    lines.push(
      `${exists ? 'Added' : 'Wrote'} ${count(merged.added.length, 'backend')} to ${into}: ${merged.added.join(', ')}`,
    );
  }
  if (merged.replaced.length > 0) lines.push(`Replaced in ${into}: ${merged.replaced.join(', ')}`);
  lines.push(
    `Check it with: mcp-gateway check -c ${into}`,
    'A running gateway takes it on with mcp-gateway reload (when its admin API is on) or a restart.',
  );
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

/** One line per thing worth knowing, by backend: renames and notes, literal credentials, servers left out. */
function report(plan: ImportPlan): string {
  const lines: string[] = [];
  for (const b of plan.backends) {
    for (const note of b.notes) lines.push(`  ${b.name}: ${note}`);
    for (const secret of b.secrets) lines.push(`  ${b.name}: warning: ${secret}`);
  }
  for (const s of plan.skipped) lines.push(`  not imported: ${s.where}: ${s.reason}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
