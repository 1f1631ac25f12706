/**
 * @module import/references: the clients' `${…}` references in the gateway's terms. Claude Code's `${VAR}` and
 * `${VAR:-default}` already mean what they mean in servers.yaml; VS Code and Cursor write `${env:VAR}`, ask the user
 * for `${input:id}` (the gateway, a daemon, can ask nobody: it reads a variable instead) and know the workspace folder.
 */
import type { ClientInput } from './client-config.js';

export interface ReferenceContext {
  /** The project the server belongs to, for `${workspaceFolder}`. */
  projectDir: string | undefined;
  inputs: readonly ClientInput[];
  /** What the translation found worth telling, one line each (the caller removes repeats). */
  notes: string[];
}

const ENV_REFERENCE = /^[A-Za-z_][A-Za-z0-9_]*(:-[^]*)?$/;

/** `${input:github-token}` is read from `${GITHUB_TOKEN}`. */
export function inputVariable(id: string): string {
  const name = id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return /^[A-Z_]/.test(name) ? name : `INPUT_${name}`;
}

export function translateReferences(text: string, context: ReferenceContext): string {
  return text.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
    const env = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
    if (env) return `\${${env[1]}}`;
    const input = /^input:(.+)$/.exec(inner);
    if (input) {
      const id = input[1]!;
      const variable = inputVariable(id);
      const declared = context.inputs.find((i) => i.id === id);
      const what = declared?.description ? ` (${declared.description})` : '';
      context.notes.push(
        `\${input:${id}}${what} became \${${variable}}: the gateway asks nobody, so set ${variable} in its environment`,
      );
      return `\${${variable}}`;
    }
    if (inner === 'workspaceFolder' || inner === 'workspaceRoot') {
      if (context.projectDir !== undefined) return context.projectDir;
      context.notes.push(
        `\${${inner}} became \${WORKSPACE_FOLDER}: this file belongs to no project, so set WORKSPACE_FOLDER to the folder meant`,
      );
      return '${WORKSPACE_FOLDER}';
    }
    if (inner === 'userHome') return '${HOME}';
    if (inner === '/' || inner === 'pathSeparator') return '/';
    if (ENV_REFERENCE.test(inner)) return whole;
    context.notes.push(
      `${whole} has no equivalent in servers.yaml: replace it with a value or a \${VARIABLE}`,
    );
    return whole;
  });
}
