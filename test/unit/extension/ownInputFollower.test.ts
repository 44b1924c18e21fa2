/**
 * What the dashboard asks again about the user's own image as a run trains (the panel's wiring
 * to the trainer and the inspection process runs in the integration suite: ownInput.test.ts).
 * Driven by the recorded run: its epochs end one by one, and the own image's answers are the
 * recorded inspection process's.
 */
import { strict as assert } from 'node:assert';
import { OwnInputFollower } from '../../../src/extension/ownInputFollower';
import type { FeatureMapsMessage, ImagePayload, InspectSubject } from '../../../src/shared/trainerProtocol';
import { DashboardModel } from '../../../src/extension/dashboardModel';
import { recordedInspections, recordedMessages } from '../../webview/fixture';

const own = (pixels: string): InspectSubject => ({ kind: 'own', image: { width: 2, height: 1, channels: 1, pixelsBase64: pixels } });
const imageOf = (s: InspectSubject | null): ImagePayload | null => (s?.kind === 'own' ? s.image : null);

describe('the own image follows training (OwnInputFollower)', function () {
  it('asks again after each epoch only once the user gave an image, and about the latest one', function () {
    const f = new OwnInputFollower();
    assert.equal(f.afterEpoch(), null, 'no own image yet');
    // Questions about a test sample, or about the own image's filters, do not give one to follow.
    f.asked({ kind: 'test', index: 3 }, { kind: 'featureMaps' });
    f.asked(own('AAA='), { kind: 'explanation', layerIndex: 0, filter: 1 });
    f.asked(own('AAA='), { kind: 'saliency', classIndex: null });
    assert.equal(f.afterEpoch(), null);
    f.asked(own('AQI='), { kind: 'featureMaps' });
    assert.deepEqual(f.afterEpoch(), own('AQI='));
    assert.deepEqual(f.afterEpoch(), own('AQI='), 'every epoch, not once');
    // A new drawing replaces the old one: a refresh never brings back an image the user drew over.
    f.asked(own('AwQ='), { kind: 'featureMaps' });
    assert.deepEqual(f.afterEpoch(), own('AwQ='));
    f.asked({ kind: 'test', index: 0 }, { kind: 'featureMaps' });
    assert.deepEqual(f.afterEpoch(), own('AwQ='), 'a test sample picked meanwhile leaves the own image to follow');
  });

  it('after the run asks the stored weights only when the last epoch\'s answer was lost', function () {
    const f = new OwnInputFollower();
    assert.equal(f.afterRun({ epoch: 1 }, 4), null, 'no own image asked');
    f.asked(own('AQI='), { kind: 'featureMaps' });
    assert.equal(f.afterRun(null, 4), null, 'never answered (the question failed): nothing to bring up to date');
    assert.equal(f.afterRun({ epoch: 4 }, 4), null, 'the last epoch answered');
    assert.deepEqual(f.afterRun({ epoch: 3 }, 4), own('AQI='), 'the trainer ended before it answered after epoch 4');
    assert.equal(f.afterRun({ epoch: 0 }, 0), null, 'a run stopped before its first epoch has no newer weights');
  });

  it('on the recorded run: the own image is asked again at every epoch end, and the answers replace what the dashboard holds', function () {
    const messages = recordedMessages();
    const answer = recordedInspections().get(4) as FeatureMapsMessage;
    assert.equal(answer.sampleIndex, null, 'the recorded answer is about an own image');
    const model = DashboardModel.forNewRun('/runs/r', 'shapes-fixture', 4, null, 'shapes');
    const f = new OwnInputFollower();
    const subject: InspectSubject = { kind: 'own', image: answer.input };
    // The user drops the image before the first epoch ends; the trainer answers with the untrained weights.
    f.asked(subject, { kind: 'featureMaps' });
    model.showFeatureMaps({ ...answer, epoch: 0 });
    const askedAt: number[] = [];
    for (const m of messages) {
      const updates = model.apply(m);
      if (!updates.some((u) => u.kind === 'epoch') || m.type !== 'epochEnd') continue;
      const again = f.afterEpoch();
      assert.deepEqual(imageOf(again), answer.input, `asked again after epoch ${m.epoch}`);
      askedAt.push(m.epoch);
      // The trainer answers between the next batches with the weights the epoch left.
      const { requestId } = model.inspectAsked({ kind: 'featureMaps' });
      const shown = model.showFeatureMaps({ ...answer, epoch: m.epoch, requestId });
      assert.deepEqual(shown.map((u) => u.kind), ['ownInput', 'inspect']);
      assert.equal(model.snapshot().ownInput?.epoch, m.epoch);
      assert.deepEqual(model.inspectState.pending, [], 'answered: nothing pending');
    }
    assert.deepEqual(askedAt, [1, 2, 3, 4]);
    const last = model.epochPoints[model.epochPoints.length - 1]?.epoch ?? 0;
    assert.equal(f.afterRun(model.snapshot().ownInput, last), null, 'every epoch answered: nothing left for the stored weights');
  });
});
