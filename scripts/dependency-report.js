// What the production dependencies are, for a review that does not need `npm audit`
// (which this registry refuses): each licence with its packages, the packages that state
// none (to be checked by hand), and the packages installed in more than one version.
// Run with `npm run deps`. It reads only what npm has installed: no network.
const { execFileSync } = require('node:child_process');

const npm = (...args) => JSON.parse(execFileSync('npm', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
const packages = npm('query', '.prod').filter((pkg) => pkg.name !== 'alliance-tracker');

const byLicence = new Map();
for (const pkg of packages) {
  const licence = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? '(none stated)');
  byLicence.set(licence, [...(byLicence.get(licence) ?? []), `${pkg.name}@${pkg.version}`]);
}
console.log(`${packages.length} production packages, by licence:`);
for (const [licence, names] of [...byLicence].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`  ${licence}: ${names.length}${names.length <= 5 ? ` (${names.join(', ')})` : ''}`);
}

const versions = new Map();
for (const pkg of packages) versions.set(pkg.name, new Set([...(versions.get(pkg.name) ?? []), pkg.version]));
const duplicated = [...versions].filter(([, set]) => set.size > 1);
console.log(
  duplicated.length
    ? `Installed in several versions: ${duplicated.map(([name, set]) => `${name} (${[...set].join(', ')})`).join('; ')}`
    : 'No package is installed in several versions.',
);
