// Builds the service's stylesheet from styles/app.scss (GOV.UK Frontend with the Alliance's
// own branding) and copies GOV.UK Frontend's JavaScript beside it, into dist/static.
// `npm run build` runs it; the test suite's global set-up calls buildAssets() too.
const fs = require('node:fs');
const path = require('node:path');
const sass = require('sass');

const root = path.join(__dirname, '..');
const outDir = path.join(root, 'dist', 'static');

function buildAssets() {
  const result = sass.compile(path.join(root, 'styles', 'app.scss'), {
    style: 'compressed',
    importers: [new sass.NodePackageImporter(root)],
    // GOV.UK Frontend warns about its own deprecations; they are not ours to fix.
    quietDeps: true,
  });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'app.css'), result.css);
  const frontend = path.dirname(require.resolve('govuk-frontend/package.json'));
  fs.copyFileSync(path.join(frontend, 'dist', 'govuk', 'govuk-frontend.min.js'), path.join(outDir, 'govuk-frontend.min.js'));
}

if (require.main === module) buildAssets();

module.exports = { buildAssets };
