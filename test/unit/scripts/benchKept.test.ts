/** Regenerated reports (npm run bench, npm run course) keep the sections other hands wrote. */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { withKept } from '../../../bench/lib/common';

describe('bench reports: kept sections', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnn-kept-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('copies every kept section of the file it replaces after the new report, once, in order; drops the rest', () => {
    const file = path.join(dir, 'report.md');
    const a = '<!-- kept: full-mnist-dropout -->\n### Full MNIST\n| 99.14% |\n<!-- /kept: full-mnist-dropout -->';
    const b = '<!-- kept: fused-kernels -->\nfused\n<!-- /kept: fused-kernels -->';
    writeFileSync(file, `# Old report\n\nold numbers 97.40%\n\n${a}\n\nbetween\n\n${b}\n`);
    const out = withKept('# New report\n\nnew numbers\n', file);
    assert.equal(out, `# New report\n\nnew numbers\n\n${a}\n\n${b}\n`);
    // Regenerating the regenerated file does not duplicate them.
    writeFileSync(file, out);
    assert.equal(withKept('# New report\n\nnew numbers\n', file), out);
  });

  it('a file without kept sections, or none at all, gives the report as it is', () => {
    const file = path.join(dir, 'plain.md');
    writeFileSync(file, '# Old\n');
    assert.equal(withKept('# New\n', file), '# New\n');
    assert.equal(withKept('# New\n', path.join(dir, 'missing.md')), '# New\n');
  });
});
