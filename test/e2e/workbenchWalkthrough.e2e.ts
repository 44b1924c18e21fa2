/**
 * The walkthrough "Deep Learning for Vision: the labs" as a student meets it: opened from the
 * Command Palette, a step's explanation and picture, and a step's button opening the lab's model
 * with its lesson's view. Runs after workbench.e2e.ts in the same window (the files sort so), or
 * alone with `--grep walkthrough`. Every step leaves a screenshot.
 */
import * as assert from 'node:assert/strict';
import { session } from './session';

describe('the labs walkthrough in the VS Code workbench', () => {
  afterEach(async function () {
    await session().workbench.explainFailure(this.currentTest);
  });

  it('"CNN Lab: Open the Course Labs" shows the walkthrough with its four labs', async function () {
    this.timeout(180_000);
    const { workbench, url } = session();
    if (!workbench.page.url().startsWith(url.slice(0, url.indexOf('?')))) await workbench.open(url);
    const page = workbench.page;
    const title = page.locator('.gettingStartedContainer .category-title', { hasText: 'Deep Learning for Vision: the labs' });
    // The workbench registers an extension's walkthroughs seconds after the extension; until then
    // the command opens the Welcome page on another one: run it again.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await workbench.runCommand('CNN Lab: Open the Course Labs');
      if (await title.first().waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) break;
      if (Date.now() > deadline) throw new Error('the walkthrough "Deep Learning for Vision: the labs" never showed');
    }
    const steps = await page.locator('.gettingStartedContainer .getting-started-step .step-title').allInnerTexts();
    for (const t of ['MNIST with 2 conv + 2 dense layers', 'Dropout against overfitting', 'Convolution on colour images', 'CIFAR-10 with the simplified AlexNet']) {
      assert.ok(steps.some((s) => s.includes(t)), `step "${t}" is listed (steps: ${steps.join(' | ')})`);
    }
    await workbench.screenshot('walkthrough-labs');
  });

  it('the colour step explains the convolution and its button opens the shapes model, its summary and the Filters view', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    const page = workbench.page;
    const step = page.locator('.gettingStartedContainer .getting-started-step', { hasText: 'Convolution on colour images' }).first();
    await step.locator('.step-title').click();
    const body = step.locator('.step-description-container');
    await body.waitFor({ state: 'visible', timeout: 10_000 });
    assert.match(await body.innerText(), /3×3×3 \+ 1 = 28/);
    await page.waitForTimeout(1000); // the step's picture loads in its own frame
    await workbench.screenshot('walkthrough-colour-step');

    await step.locator('.button-container', { hasText: 'Open the model and the Filters view' }).first().click();
    await page.locator('.tabs-container .tab', { hasText: 'shapes-rgb.cnn.yaml' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.pane-header', { hasText: /filters/i }).first().waitFor({ state: 'visible', timeout: 30_000 });
    // Until the model is trained its summary stands beside it: 448 parameters in the first conv2d.
    await page.locator('.tabs-container .tab', { hasText: 'shapes-rgb.summary.txt' }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await workbench.screenshot('walkthrough-colour-lab-opened');
  });
});
