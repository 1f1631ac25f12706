// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layering of src/ (README "Development"): each folder may import only the folders named in its `may` list, the
 * leaves (the top-level modules that import nothing of the house), and itself. An import against the picture fails
 * `npm run lint`, so the picture stays true.
 */
const FOLDERS = [
  'admin',
  'api',
  'auth',
  'backends',
  'catalog',
  'commands',
  'config',
  'doctor',
  'http',
  'import',
  'meta',
  'metrics',
  'passthrough',
  'pipelines',
  'queue',
  'registry',
  'session',
  'stdio',
  'store',
];
/** Top-level modules that are not leaves: the composition root and the command line. */
const ROOTS = [
  'daemon',
  'gateway-core',
  'stdio-gateway',
  'check-pipelines',
  'cli',
  'cli-args',
  'main',
  'index',
  'launcher',
];

/** @type {Record<string, { may: string[]; also?: string[]; why: string }>} */
const LAYERS = {
  config: { may: [], why: 'config/ is a leaf: it imports nothing of the house' },
  metrics: { may: [], why: 'metrics/ is a leaf: it imports nothing of the house' },
  auth: {
    may: ['config'],
    why: 'auth/ is a pure decision (who is calling, what their profile allows); it knows nothing of HTTP or sessions',
  },
  backends: {
    may: ['config', 'store'],
    why: 'backends/ speak to servers and know nothing of sessions, the registry or HTTP',
  },
  registry: {
    may: ['backends', 'config', 'metrics'],
    why: 'registry/ owns processes and connections; it knows nothing of sessions, meta-tools or HTTP',
  },
  store: { may: [], why: 'store/ keeps state; it knows nothing of what the state means' },
  catalog: {
    may: ['registry', 'backends', 'store', 'config', 'metrics'],
    why: 'catalog/ reads backends through the registry and knows nothing of sessions or HTTP',
  },
  session: {
    may: ['registry', 'backends', 'config', 'metrics'],
    why: 'session/ carries a client session to a backend connection; it does not decide what requests mean',
  },
  passthrough: {
    may: ['auth', 'session', 'registry', 'catalog', 'config', 'metrics'],
    also: ['../backends/connection.js'],
    why: 'passthrough/ reaches backends through session/ and registry/ (and the Connection contract)',
  },
  pipelines: {
    may: ['session', 'registry', 'catalog', 'config', 'metrics'],
    why: "pipelines/ run their steps as a session's calls through session/; they know nothing of HTTP or meta-tools",
  },
  meta: {
    may: ['auth', 'pipelines', 'session', 'registry', 'catalog', 'config', 'metrics'],
    why: 'meta/ reaches backends only through session/ and registry/ (and pipelines/, which run on session/)',
  },
  api: {
    may: ['auth', 'meta', 'session', 'registry', 'catalog', 'store', 'config', 'metrics'],
    also: ['../backends/connection.js'],
    why: 'api/ decides what a REST request means (sessions, tools) and reaches backends as the meta-tools do; nothing of HTTP',
  },
  admin: {
    may: ['meta', 'session', 'registry', 'catalog', 'store', 'import', 'config', 'metrics'],
    why: 'admin/ changes the gateway at runtime; it knows nothing of HTTP',
  },
  http: {
    may: [
      'admin',
      'api',
      'auth',
      'meta',
      'passthrough',
      'pipelines',
      'session',
      'registry',
      'catalog',
      'config',
      'metrics',
    ],
    why: 'http/ parses and guards requests; backends are reached through the layers below it',
  },
  queue: {
    may: ['api', 'auth', 'meta', 'config', 'metrics'],
    why: 'queue/ runs tool calls queued in Redis as the REST tool API runs them (api/); nothing of HTTP or sessions',
  },
  stdio: {
    may: ['auth', 'meta', 'config', 'metrics'],
    why: 'stdio/ carries one client on stdin/stdout to a meta session (or to a running gateway), like http/ over HTTP',
  },
  doctor: { may: ['backends', 'config'], also: ['../cli-args.js'], why: 'doctor/ probes backends by itself' },
  import: {
    may: ['config'],
    why: "import/ turns clients' MCP files into servers.yaml text; it runs nothing",
  },
  commands: {
    may: ['import', 'config'],
    also: ['../cli-args.js'],
    why: 'commands/ reach a running gateway over HTTP like any client, never through its modules',
  },
};

function layerRules() {
  return Object.entries(LAYERS).map(([folder, { may, also = [], why }]) => {
    const forbidden = FOLDERS.filter((f) => f !== folder && !may.includes(f));
    return {
      files: [`src/${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: [
                  ...forbidden.map((f) => `../${f}/**`),
                  ...ROOTS.map((r) => `../${r}.js`),
                  ...also.map((a) => `!${a}`),
                ],
                message: `${why}.`,
              },
            ],
          },
        ],
      },
    };
  });
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // The low-level SDK Server is marked deprecated, yet it is the right tool for a proxy.
      '@typescript-eslint/no-deprecated': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The leaves: anyone may import them; they import nothing of the house but each other.
    files: ['src/*.ts'],
    ignores: ROOTS.map((r) => `src/${r}.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./*/*', ...ROOTS.map((r) => `./${r}.js`)],
              message: 'A top-level module is a leaf: it imports nothing of the house but other leaves.',
            },
          ],
        },
      ],
    },
  },
  ...layerRules(),
);
