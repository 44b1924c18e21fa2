/**
 * The walkthrough "Deep Learning for Vision: the labs" as package.json contributes it: one step per
 * lab of src/extension/labs.ts, media that exist and load nothing remote, command links to
 * contributed commands with arguments Open Lab understands, completion events that can fire, and
 * every text in English and in Korean (Hangul, the same links and the same measured numbers).
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeModelText } from '../../../src/core/index';
import { LAB_IDS, LABS, LABS_WALKTHROUGH, isLabId } from '../../../src/extension/labs';

const ROOT = path.resolve(__dirname, '../../..');
const json = <T>(p: string): T => JSON.parse(readFileSync(path.join(ROOT, p), 'utf8')) as T;

interface Media { image?: string; svg?: string; markdown?: string; altText?: string }
interface Step { id: string; title: string; description: string; media: Media; completionEvents?: string[] }
interface Walkthrough { id: string; title: string; description: string; steps: Step[] }
interface Manifest {
  publisher: string;
  name: string;
  contributes: {
    commands: { command: string }[];
    views: Record<string, { id: string }[]>;
    walkthroughs?: Walkthrough[];
  };
}

const manifest = json<Manifest>('package.json');
const en = json<Record<string, string>>('package.nls.json');
const ko = json<Record<string, string>>('package.nls.ko.json');
const commands = new Set(manifest.contributes.commands.map((c) => c.command));
const views = new Set(Object.values(manifest.contributes.views).flat().map((v) => v.id));
const walkthrough = manifest.contributes.walkthroughs?.find((w) => `${manifest.publisher}.${manifest.name}#${w.id}` === LABS_WALKTHROUGH);

const keyOf = (s: string): string => { const m = /^%([^%]+)%$/.exec(s); assert.ok(m, `${s} is a %key%`); return m[1] ?? ''; };

/** The command links of a description: `[text](command:id?args)`, args URI-encoded JSON. */
function commandLinks(text: string): { id: string; args: unknown[] }[] {
  return [...text.matchAll(/\]\(command:([\w.]+)(?:\?([^)\s]*))?\)/g)].map((m) => {
    const raw = m[2];
    const parsed: unknown = raw === undefined ? [] : JSON.parse(decodeURIComponent(raw));
    return { id: m[1] ?? '', args: Array.isArray(parsed) ? parsed : [parsed] };
  });
}

/** The lab an Open Lab argument names, as `labArgsOf` reads it. */
function labOf(arg: unknown): string | undefined {
  if (isLabId(arg)) return arg;
  if (typeof arg === 'object' && arg !== null && isLabId((arg as { lab?: unknown }).lab)) return (arg as { lab: string }).lab;
  return undefined;
}

/** Percentages in a text (not the Korean "%p", percentage points). */
const percentages = (t: string): string[] => [...t.matchAll(/\d+(?:\.\d+)?%(?!p)/g)].map((m) => m[0]).sort();

describe('walkthrough: Deep Learning for Vision, the labs', function () {
  it('is contributed with one step per lab, in the labs\' order', function () {
    assert.ok(walkthrough, `no walkthrough ${LABS_WALKTHROUGH} in package.json`);
    assert.equal(en[keyOf(walkthrough.title)], 'Deep Learning for Vision: the labs');
    assert.deepEqual(walkthrough.steps.map((s) => s.id), LAB_IDS.map((id) => `cnnLab.labs.${id}`));
  });

  it('has a media file for every step, language-neutral and without remote content', function () {
    for (const step of walkthrough?.steps ?? []) {
      const files = [step.media.svg, step.media.image, step.media.markdown].filter((f): f is string => f !== undefined);
      assert.equal(files.length, 1, `${step.id} has one media file`);
      const file = path.join(ROOT, files[0] ?? '');
      assert.ok(existsSync(file), `${step.id}: ${files[0]} exists`);
      assert.ok(files[0]?.startsWith('media/walkthrough/'), `${step.id}: media under media/walkthrough/ (shipped by .vscodeignore's media/**)`);
      const text = readFileSync(file, 'utf8');
      // Nothing fetched: no links, scripts or external images (only the SVG namespace is a URL).
      assert.deepEqual([...text.matchAll(/https?:\/\/[^\s"']+/g)].map((m) => m[0]).filter((u) => u !== 'http://www.w3.org/2000/svg'), [], `${step.id}: no remote URLs`);
      assert.ok(!/<script|<image|<foreignObject|href=/i.test(text), `${step.id}: no scripts, images or links inside the media`);
      assert.ok(!/[\uac00-\ud7a3]/.test(text), `${step.id}: the media holds no language-specific (Korean) text; that is in the nls descriptions`);
      if (step.media.svg !== undefined || step.media.image !== undefined) assert.ok(step.media.altText !== undefined, `${step.id} has alt text`);
    }
  });

  it('links only to contributed commands, and Open Lab only with lab ids; every lab is opened and trained from its step', function () {
    for (const [i, step] of (walkthrough?.steps ?? []).entries()) {
      const lab = LAB_IDS[i];
      for (const [lang, nls] of [['en', en], ['ko', ko]] as const) {
        const links = commandLinks(nls[keyOf(step.description)] ?? '');
        assert.ok(links.length > 0, `${step.id} (${lang}) has buttons`);
        for (const l of links) {
          assert.ok(commands.has(l.id), `${step.id} (${lang}) links to ${l.id}, which package.json does not contribute`);
          if (l.id === 'cnnLab.openLab') assert.equal(labOf(l.args[0]), lab, `${step.id} (${lang}) opens its own lab, not ${JSON.stringify(l.args)}`);
        }
        const own = links.filter((l) => l.id === 'cnnLab.openLab');
        assert.ok(own.some((l) => l.args[0] === lab), `${step.id} (${lang}) opens the lab`);
        assert.ok(own.some((l) => (l.args[0] as { train?: unknown } | undefined)?.train === true), `${step.id} (${lang}) trains the lab`);
      }
      assert.deepEqual(commandLinks(ko[keyOf(step.description)] ?? ''), commandLinks(en[keyOf(step.description)] ?? ''), `${step.id}: the same buttons in both languages`);
    }
  });

  it('completes on events that can fire: contributed commands and views, and the labs\' context keys', function () {
    const source = readFileSync(path.join(ROOT, 'src/extension/commands/labs.ts'), 'utf8');
    assert.ok(source.includes('`cnnLab.lab.${lab}.trained`'), 'Open Lab sets the context key cnnLab.lab.<id>.trained');
    for (const [i, step] of (walkthrough?.steps ?? []).entries()) {
      const events = step.completionEvents ?? [];
      assert.ok(events.length > 0, `${step.id} says when it is done (else selecting it would do)`);
      for (const e of events) {
        const [kind, arg] = [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)];
        if (kind === 'onCommand') assert.ok(commands.has(arg), `${step.id}: ${e} names a contributed command`);
        else if (kind === 'onView') assert.ok(views.has(arg), `${step.id}: ${e} names a contributed view`);
        else if (kind === 'onContext') assert.equal(arg, `cnnLab.lab.${LAB_IDS[i] ?? ''}.trained`, `${step.id}: ${e} is its lab's key`);
        else assert.fail(`${step.id}: unexpected completion event ${e}`);
      }
    }
  });

  it('has every text in English and Korean: the same keys, Hangul in Korean, the same measured numbers', function () {
    const keys = [walkthrough?.title, walkthrough?.description, ...(walkthrough?.steps ?? []).flatMap((s) => [s.title, s.description, s.media.altText])]
      .filter((k): k is string => k !== undefined).map(keyOf);
    assert.equal(keys.length, 2 + 3 * LAB_IDS.length);
    for (const k of keys) {
      assert.ok(typeof en[k] === 'string' && en[k] !== '', `package.nls.json has ${k}`);
      assert.ok(typeof ko[k] === 'string' && ko[k] !== '', `package.nls.ko.json has ${k}`);
      assert.ok(!/[\uac00-\ud7a3]/.test(en[k] ?? ''), `${k}: English holds no Hangul`);
      const hangul = [...(ko[k] ?? '')].filter((c) => /[\uac00-\ud7a3]/.test(c)).length;
      assert.ok(hangul >= 5, `${k}: the Korean text is Korean (${hangul} Hangul syllables): ${ko[k] ?? ''}`);
      assert.notEqual(ko[k], en[k], `${k} is translated`);
      assert.deepEqual(percentages(ko[k] ?? ''), percentages(en[k] ?? ''), `${k}: the same percentages in both languages`);
    }
  });

  it('quotes in the dropout step only numbers measured on the full MNIST, as docs/course.md tables them', function () {
    // Measured numbers: decimals with two or more digits (99.70%, 0.93 points, 0.0398), not the
    // course's section 3.5 or Dropout(0.5).
    const measured = (t: string): string[] => [...t.matchAll(/\d+\.\d{2,}/g)].map((m) => m[0]).sort();
    const course = readFileSync(path.join(ROOT, 'docs/course.md'), 'utf8');
    const start = course.indexOf('### Full MNIST');
    assert.ok(start >= 0, 'docs/course.md has the full-MNIST dropout comparison');
    const end = course.indexOf('\n#', start + 1);
    const fullMnist = course.slice(start, end < 0 ? undefined : end);
    const step = walkthrough?.steps.find((s) => s.id === 'cnnLab.labs.dropout');
    assert.ok(step !== undefined);
    for (const key of [step.description, step.media.altText ?? '%%'].map(keyOf)) {
      const numbers = measured(en[key] ?? '');
      assert.ok(numbers.length > 0, `${key} quotes measured numbers`);
      for (const n of numbers) assert.ok(fullMnist.includes(n), `${key}: ${n} is not in docs/course.md's full-MNIST comparison`);
      assert.deepEqual(measured(ko[key] ?? ''), numbers, `${key}: the same measured numbers in Korean`);
    }
    // The picture's annotations are the same measurements.
    const svg = readFileSync(path.join(ROOT, step.media.svg ?? step.media.image ?? ''), 'utf8');
    const texts = [...svg.matchAll(/<(title|text)\b[^>]*>([^<]*)<\/\1>/g)].map((m) => m[2] ?? '').join('\n');
    assert.match(texts, /Δ /, 'the picture annotates the gaps');
    for (const n of measured(texts)) {
      assert.ok(fullMnist.includes(n), `${step.media.svg ?? ''}: ${n} is not in docs/course.md's full-MNIST comparison`);
    }
  });

  it('opens examples that ship and validate, and says where a lab downloads its data', function () {
    for (const id of LAB_IDS) {
      const lab = LABS[id];
      const file = path.join(ROOT, 'examples', lab.example);
      assert.ok(existsSync(file), `${id}: examples/${lab.example}`);
      const a = analyzeModelText(readFileSync(file, 'utf8'));
      assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), [], `${id}: ${lab.example} validates`);
      const step = walkthrough?.steps.find((s) => s.id === `cnnLab.labs.${id}`);
      const text = en[keyOf(step?.description ?? '%%')] ?? '';
      if (lab.needsDownload) assert.match(text, /download/i, `${id}: the step says it needs a download`);
      else assert.doesNotMatch(text, /needs a download/i, `${id}`);
    }
    assert.ok(LABS.cifar10.needsDownload && !LABS.mnist.needsDownload);
  });
});
