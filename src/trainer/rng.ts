/**
 * Seeded randomness for everything training decides by chance: initial weights, the validation
 * split, each epoch's shuffle, dropout masks and augmentation (the generator itself is the data
 * code's `Random`, mulberry32).
 *
 * Each use draws from its own named stream, derived from (seed, name, epoch), instead of one
 * shared generator. That keeps a resumed run identical to an uninterrupted one: epoch 5's shuffle
 * does not depend on how many numbers epochs 1–4 consumed, or on whether they ran in this process.
 */
import { Random, deriveSeed } from './data/random';

export type Rng = Random;

/** The generator for one named use of randomness (e.g. `shuffle`) in one epoch (0 when not per epoch). */
export function stream(seed: number, name: string, epoch = 0): Rng {
  return new Random(deriveSeed(seed, `${name}#${epoch}`));
}
