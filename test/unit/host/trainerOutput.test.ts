/** The trainer's printed lines, sorted by loudness: libtensorflow's start-up chatter is trace, its warnings and errors keep their level. */
import { strict as assert } from 'node:assert';
import { trainerOutputLevel } from '../../../src/host/trainerOutput';

describe('trainer output levels', () => {
  it('puts libtensorflow\'s start-up chatter (seen from the 2.21 wheel) at trace', () => {
    for (const line of [
      'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR',
      'I0000 00:00:1796175504.374330   24050 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.',
      'I0000 00:00:1796175504.462601   24050 cpu_feature_guard.cc:227] This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.',
      'To enable the following instructions: AVX2 AVX512F AVX512_VNNI FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.',
      '',
    ]) assert.equal(trainerOutputLevel(line), 'trace', line);
  });

  it('keeps absl\'s warning and error letters, and raises plain lines that say so', () => {
    assert.equal(trainerOutputLevel('W0000 00:00:1796175504.374330   24050 op_kernel.cc:1841] OP_REQUIRES failed at conv_ops.cc:1234'), 'warn');
    assert.equal(trainerOutputLevel('E0000 00:00:1796175504.374330   24050 session.cc:99] could not allocate'), 'error');
    assert.equal(trainerOutputLevel('F0000 00:00:1796175504.374330   24050 check.cc:9] Check failed'), 'error');
    assert.equal(trainerOutputLevel('Segmentation fault (core dumped)'), 'error');
    assert.equal(trainerOutputLevel('(node:123) Warning: something deprecated'), 'warn');
    assert.equal(trainerOutputLevel('Platform node has already been set. Overwriting the platform with node.'), 'info');
  });
});
