/**
 * The layering of src/, checked by `npm run lint` (README "Development: layers"). Each rule names a layer and
 * what it may not import; a new import that breaks the picture fails the lint with the rule's name.
 *
 *   domain  <- db  <- engine  <- jobs / cli / http / service
 *   contract (neutral message model, platform module interface) <- engine, adapters, registry, jobs
 *   i18n (message catalogue) <- engine, jobs, reports
 *   adapters/<name> <- registry (src/platforms.ts) <- jobs, service
 *
 * `clock.ts` and `logger.ts` are leaf utilities any layer above the domain may use.
 */
const OURS = '^src/';
const LEAF = '^src/(clock|logger)\\.ts$';

/** A rule that forbids `from` to import anything of ours except what `allowed` matches. */
function onlyImports(name, comment, from, allowed) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: OURS, pathNot: [from, ...allowed] },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A module graph with a cycle has no layering: move the shared piece down a layer.',
      severity: 'error',
      from: { path: OURS },
      to: { circular: true },
    },
    onlyImports('domain-is-pure', 'src/domain holds pure rules: it imports nothing else of ours.', '^src/domain/', []),
    onlyImports('db-over-domain', 'src/db may import only src/domain.', '^src/db/', ['^src/domain/']),
    onlyImports('charts-over-domain', 'src/charts draws pictures from counts it is given: it imports only the domain.', '^src/charts/', ['^src/domain/']),
    onlyImports('contract-is-neutral', 'The platform contract imports nothing else of ours.', '^src/contract/', []),
    onlyImports('i18n-over-domain', 'The message catalogue may import only the domain and the contract.', '^src/i18n/', ['^src/domain/', '^src/contract/']),
    onlyImports(
      'engine-over-domain-db-contract',
      'The engine imports only the domain, the data layer, the contract and the message catalogue.',
      '^src/engine/',
      ['^src/domain/', '^src/db/', '^src/contract/', '^src/i18n/', LEAF],
    ),
    onlyImports(
      'adapter-over-contract',
      'An adapter imports only the contract (and its platform SDK): no engine, database, jobs or other adapter.',
      '^src/adapters/([^/]+)/',
      ['^src/adapters/$1/', '^src/contract/', LEAF],
    ),
    onlyImports(
      'jobs-over-domain-db-contract-registry',
      'Jobs import the domain, the data layer, the contract, the registry and the message catalogue.',
      '^src/jobs/',
      ['^src/domain/', '^src/db/', '^src/contract/', '^src/i18n/', '^src/platforms\\.ts$', '^src/config\\.ts$', LEAF],
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
