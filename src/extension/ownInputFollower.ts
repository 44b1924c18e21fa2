/**
 * The user's own image (drawn or dropped) follows training. The dashboard shows its prediction and
 * feature maps for the weights that answered; while the run trains, the dashboard asks again after
 * every epoch (the run's trainer answers between two batches, with the weights that epoch left),
 * and when the run ends before it answered the last of those questions (the trainer went on to
 * its test evaluation and exited), the inspection process answers from the run's stored weights.
 * Pure: the dashboard panel says what happened and asks what this returns.
 */
import type { FeatureMapsMessage, ImagePayload, InspectSubject, InspectWhat } from '../shared/trainerProtocol';

export class OwnInputFollower {
  /** The own image the user last asked about (its maps and prediction); null before one. */
  private image: ImagePayload | null = null;

  /** The page asked something: a new own image (feature maps and prediction) becomes the one to follow. */
  asked(subject: InspectSubject, what: InspectWhat): void {
    if (subject.kind === 'own' && what.kind === 'featureMaps') this.image = subject.image;
  }

  /** An epoch of the live run ended: the own image to ask about again, if the user gave one. */
  afterEpoch(): InspectSubject | null {
    return this.image !== null ? { kind: 'own', image: this.image } : null;
  }

  /**
   * The run ended after `lastEpoch` epochs: the own image to ask about again when what is shown of
   * it (`shown`, the last answer) came from an earlier epoch, i.e. the last refresh was lost.
   */
  afterRun(shown: Pick<FeatureMapsMessage, 'epoch'> | null, lastEpoch: number): InspectSubject | null {
    if (this.image === null || shown === null || shown.epoch >= lastEpoch) return null;
    return { kind: 'own', image: this.image };
  }
}
