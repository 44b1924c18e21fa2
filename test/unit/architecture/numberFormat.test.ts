/** One number formatter: the dashboard writes counts and MACs exactly as the CodeLens and hover do. */
import { strict as assert } from 'node:assert';
import { compact, groupDigits } from '../../../src/core/index';
import { formatCompact, formatCount } from '../../../webview/common/math';

describe('number formatting is shared by the language and the webviews', function () {
  it('formats MACs the same in the CodeLens and the dashboard (950k, not 950.0K)', function () {
    for (const n of [0, 7, 950, 9_999, 950_000, 3_612_672, 12_345_678_901]) {
      assert.equal(formatCompact(n), compact(n), String(n));
    }
    assert.equal(formatCompact(950_000), '950k');
    assert.equal(formatCompact(3_612_672), '3.61M');
  });

  it('groups digits the same everywhere', function () {
    for (const n of [0, 999, 1000, 220_234, 1_234_567]) assert.equal(formatCount(n), groupDigits(n));
    assert.equal(formatCount(220_234), '220,234');
  });
});
