/**
 * The `*.cnn.yaml` TextMate grammar, run by the engine VS Code itself uses (vscode-textmate with the
 * Oniguruma WASM build). The expected scopes come from the `yaml` parser and the model language's
 * vocabulary (src/shared/modelSpec.ts, src/core/schema.ts), not from a hand-written token list, so
 * a grammar that drifts from either fails here.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { isMap, isPair, isScalar, isSeq, LineCounter, parse, parseDocument, Scalar, visit } from 'yaml';
import { ACTIVATIONS, BUILTIN_DATASETS, OPTIMIZERS, PADDINGS } from '../../../src/shared/modelSpec';
import { LAYER_ALIASES, LAYER_TYPES } from '../../../src/core/layers/index';
import { TOP_LEVEL_FIELDS } from '../../../src/core/schema';

const ROOT = path.resolve(__dirname, '../../..');
const GRAMMAR_PATH = path.join(ROOT, 'media/cnn-model.tmLanguage.json');
const SCOPE = 'source.cnn-model';
/** Generous per-line budget: a line that needs it has a runaway regex. */
const LINE_TIME_LIMIT_MS = 1000;

interface Token {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly scopes: readonly string[];
}

interface TokenizedLine {
  readonly line: string;
  readonly tokens: readonly Token[];
  /** Rule stack depth after the line; 1 is the grammar's root. */
  readonly depth: number;
}

let grammar: vsctm.IGrammar;

async function loadGrammar(): Promise<vsctm.IGrammar> {
  const wasm = fs.readFileSync(path.join(ROOT, 'node_modules/vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) =>
      scopeName === SCOPE ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH) : null,
  });
  const g = await registry.loadGrammar(SCOPE);
  assert.ok(g, `grammar ${SCOPE} did not load`);
  return g;
}

/** Tokenizes a document line by line, asserting on the way that no line stops early or leaves a rule open. */
function tokenize(text: string): TokenizedLine[] {
  let stack: vsctm.StateStack = vsctm.INITIAL;
  return text.split(/\r?\n/).map((line, i) => {
    const r = grammar.tokenizeLine(line, stack, LINE_TIME_LIMIT_MS);
    assert.equal(r.stoppedEarly, false, `line ${i + 1} hit the time limit: ${line}`);
    let at = 0;
    const tokens = r.tokens.map((t) => {
      assert.equal(t.startIndex, at, `line ${i + 1}: tokens must tile the line`);
      at = Math.min(t.endIndex, line.length);
      assert.equal(t.scopes[0], SCOPE);
      return { text: line.slice(t.startIndex, at), start: t.startIndex, end: at, scopes: t.scopes.slice(1) };
    });
    assert.equal(at, line.length, `line ${i + 1}: tokens must cover the line`);
    stack = r.ruleStack;
    return { line, tokens, depth: r.ruleStack.depth };
  });
}

function tokenizeLine(line: string): readonly Token[] {
  const [only] = tokenize(line);
  assert.ok(only);
  return only.tokens;
}

/** The scopes of the token that is exactly `needle` (its `nth` occurrence in the line). */
function scopesOf(tokens: readonly Token[], needle: string, nth = 0): readonly string[] {
  const hits = tokens.filter((t) => t.text === needle);
  const hit = hits[nth];
  assert.ok(hit, `no token "${needle}" (#${nth}); tokens: ${JSON.stringify(tokens.map((t) => t.text))}`);
  return hit.scopes;
}

function hasScope(scopes: readonly string[], prefix: string): boolean {
  return scopes.some((s) => s === prefix || s.startsWith(`${prefix}.`));
}

function assertScope(tokens: readonly Token[], needle: string, prefix: string, nth = 0): void {
  const scopes = scopesOf(tokens, needle, nth);
  assert.ok(hasScope(scopes, prefix), `"${needle}" should be ${prefix}; got [${scopes.join(', ')}]`);
}

function assertNotScope(tokens: readonly Token[], needle: string, prefix: string, nth = 0): void {
  const scopes = scopesOf(tokens, needle, nth);
  assert.ok(!hasScope(scopes, prefix), `"${needle}" should not be ${prefix}; got [${scopes.join(', ')}]`);
}

const LAYER_SCOPE = 'entity.name.type.layer';
const KEY_SCOPE = 'entity.name.tag';
const SECTION_SCOPE = 'entity.name.tag.section';
const NUMBER_SCOPE = 'constant.numeric';
const BOOLEAN_SCOPE = 'constant.language.boolean';
const NULL_SCOPE = 'constant.language.null';
const COMMENT_SCOPE = 'comment';

const ENUM_SCOPES: ReadonlyArray<readonly [readonly string[], string]> = [
  [ACTIVATIONS, 'support.constant.activation'],
  [PADDINGS, 'support.constant.padding'],
  [OPTIMIZERS, 'support.constant.optimizer'],
  [BUILTIN_DATASETS, 'support.constant.dataset'],
];

/** What the grammar should call a scalar the `yaml` parser resolved. */
function expectedValueScope(node: Scalar): string {
  if (typeof node.value === 'number') return NUMBER_SCOPE;
  if (typeof node.value === 'boolean') return BOOLEAN_SCOPE;
  if (node.value === null) return NULL_SCOPE;
  if (node.type === Scalar.QUOTE_DOUBLE) return 'string.quoted.double';
  if (node.type === Scalar.QUOTE_SINGLE) return 'string.quoted.single';
  // Numbers, booleans and null are handled above; the core schema leaves only strings.
  if (typeof node.value !== 'string') assert.fail(`unexpected ${typeof node.value} scalar`);
  const text = node.value;
  for (const [values, scope] of ENUM_SCOPES) if (values.includes(text)) return scope;
  return 'string.unquoted.plain';
}

/**
 * Parses `text` with the `yaml` package and checks every key and scalar value against the grammar's
 * token at the same source position. Returns how many nodes it checked.
 */
function crossCheckWithParser(text: string): number {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  assert.deepEqual(doc.errors.map((e) => e.message), [], 'the cross-check needs a document that parses');
  const lines = tokenize(text);
  const tokenAtOffset = (offset: number): Token => {
    const { line, col } = lineCounter.linePos(offset);
    const tokens = lines[line - 1]?.tokens ?? [];
    const token = tokens.find((t) => t.start === col - 1);
    assert.ok(token, `no token starts at ${line}:${col} (${JSON.stringify(lines[line - 1]?.line)})`);
    return token;
  };
  let checked = 0;
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (!node.range || node.range[0] === node.range[1]) return; // implicit null (`flatten:` with nothing after)
      const token = tokenAtOffset(node.range[0]);
      let expected: string;
      if (key === 'key') {
        const map = ancestors[ancestors.length - 2];
        const owner = ancestors[ancestors.length - 3];
        const grandOwner = ancestors[ancestors.length - 4];
        const isLayerKey = isMap(map) && isSeq(owner) && isPair(grandOwner) && isScalar(grandOwner.key)
          && grandOwner.key.value === 'layers' && (LAYER_TYPES as readonly unknown[]).includes(node.value);
        const isSection = ancestors.length === 3 && (TOP_LEVEL_FIELDS.some((f) => f.key === node.value));
        expected = isLayerKey ? LAYER_SCOPE : isSection ? SECTION_SCOPE : KEY_SCOPE;
        assert.equal(token.text, node.source, `key token should be exactly "${node.source}"`);
        if (!isLayerKey) assert.ok(!hasScope(token.scopes, LAYER_SCOPE), `${node.source} is not a layer type here`);
        if (!isSection) assert.ok(!hasScope(token.scopes, SECTION_SCOPE), `${node.source} is not a section here`);
      } else {
        expected = expectedValueScope(node);
        if (node.type === Scalar.PLAIN) assert.equal(token.text, node.source, `value token should be exactly "${node.source}"`);
      }
      assert.ok(hasScope(token.scopes, expected),
        `${JSON.stringify(node.source)} at ${JSON.stringify(lineCounter.linePos(node.range[0]))} should be ${expected}; got [${token.scopes.join(', ')}]`);
      checked++;
    },
  });
  return checked;
}

describe('TextMate grammar (vscode-textmate + oniguruma)', () => {
  before(async () => {
    grammar = await loadGrammar();
  });

  it('is the grammar package.json contributes for the cnn-model language', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes: {
        languages: Array<{ id: string; extensions: string[]; configuration: string }>;
        grammars: Array<{ language: string; scopeName: string; path: string }>;
      };
    };
    const contributed = pkg.contributes.grammars.find((g) => g.language === 'cnn-model');
    assert.ok(contributed);
    assert.equal(contributed.scopeName, SCOPE);
    assert.equal(path.resolve(ROOT, contributed.path), GRAMMAR_PATH);
    const raw = JSON.parse(fs.readFileSync(GRAMMAR_PATH, 'utf8')) as { scopeName: string };
    assert.equal(raw.scopeName, SCOPE);
    const language = pkg.contributes.languages.find((l) => l.id === 'cnn-model');
    assert.ok(language);
    assert.ok(language.extensions.includes('.cnn.yaml'));
    assert.ok(fs.existsSync(path.resolve(ROOT, language.configuration)));
  });

  const examplesDir = path.join(ROOT, 'examples');
  const examples = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.cnn.yaml')).sort();

  it('finds the example models', () => {
    assert.ok(examples.length > 0, 'no examples/*.cnn.yaml');
  });

  for (const file of examples) {
    it(`tokenizes ${file} in agreement with the yaml parser`, () => {
      const text = fs.readFileSync(path.join(examplesDir, file), 'utf8');
      const lines = tokenize(text);
      lines.forEach((l, i) => assert.equal(l.depth, 1, `${file}:${i + 1} leaves a rule open`));
      // Comment lines are comments from the `#` to the end.
      for (const l of lines) {
        const hash = l.line.search(/(^|\s)#/);
        if (hash < 0 || l.line.slice(0, hash).trim() !== '') continue;
        for (const t of l.tokens.filter((x) => x.start >= hash && x.text.trim() !== '')) {
          assert.ok(hasScope(t.scopes, COMMENT_SCOPE), `${file}: "${t.text}" should be a comment`);
        }
      }
      const layerLines = lines.filter((l) => /^\s*-\s/.test(l.line));
      assert.ok(layerLines.length > 0);
      assert.ok(crossCheckWithParser(text) > 10);
    });
  }

  it('gives every layer type, and only layer types, the layer scope in both block and flow form', () => {
    for (const type of LAYER_TYPES) {
      assertScope(tokenizeLine(`  - ${type}: { }`), type, LAYER_SCOPE);
      assertScope(tokenizeLine(`  - { ${type}: {} }`), type, LAYER_SCOPE);
      assertScope(tokenizeLine(`  -   ${type}:`), type, LAYER_SCOPE);
      assertScope(tokenizeLine(`layers: [{ ${type}: {} }, { ${type}: {} }]`), type, LAYER_SCOPE, 1);
    }
    for (const alias of Object.keys(LAYER_ALIASES)) {
      const tokens = tokenizeLine(`  - ${alias}: {}`);
      assertNotScope(tokens, alias, LAYER_SCOPE);
      assertScope(tokens, alias, KEY_SCOPE);
    }
    // `activation` is both a layer type and a parameter of conv2d/dense/activation layers.
    const t = tokenizeLine('  - activation: { activation: relu }');
    assertScope(t, 'activation', LAYER_SCOPE, 0);
    assertScope(t, 'activation', KEY_SCOPE, 1);
    assertNotScope(t, 'activation', LAYER_SCOPE, 1);
    assertScope(tokenizeLine('      activation: gelu'), 'activation', KEY_SCOPE);
    // A layer word as a value is just a string.
    assertScope(tokenizeLine('  name: conv2d'), 'conv2d', 'string.unquoted');
  });

  it('scopes top-level sections and nested keys as keys', () => {
    for (const f of TOP_LEVEL_FIELDS) {
      assertScope(tokenizeLine(`${f.key}: x`), f.key, SECTION_SCOPE);
      assertScope(tokenizeLine(`  ${f.key}: x`), f.key, KEY_SCOPE);
    }
    const t = tokenizeLine('  - conv2d: { filters: 32, kernel: [3, 3], padding: same, activation: relu }');
    for (const key of ['filters', 'kernel', 'padding', 'activation']) assertScope(t, key, KEY_SCOPE);
    assertScope(tokenizeLine('  "quoted key": 1'), '"quoted key"', KEY_SCOPE);
    // Not keys: `key:value` has no space after the colon; `x/name:` has no key start.
    assertNotScope(tokenizeLine('key:value'), 'key:value', KEY_SCOPE);
    assertScope(tokenizeLine('  path: x/name: 3'), 'path', KEY_SCOPE);
  });

  it('scopes every enum value of the model language as a constant when it is the whole value', () => {
    for (const [values, scope] of ENUM_SCOPES) {
      for (const v of values) {
        assertScope(tokenizeLine(`  key: ${v}`), v, scope);
        assertScope(tokenizeLine(`  key: ${v} # why`), v, scope);
        assertScope(tokenizeLine(`  - dense: { key: ${v}, units: 3 }`), v, scope);
        assertScope(tokenizeLine(`  key: [${v}]`), v, scope);
        assertScope(tokenizeLine(`  key: ${v}-net`), `${v}-net`, 'string.unquoted');
        assertScope(tokenizeLine(`  key: my ${v}`), `my ${v}`, 'string.unquoted');
      }
    }
  });

  it('scopes numbers, booleans and nulls exactly where the YAML core schema resolves them', () => {
    const candidates = [
      '0', '7', '007', '+3', '-12', '0.5', '.5', '1.', '-2.5E+4', '1e-3', '1E3', '6.02e23', '0x1F', '0o17',
      '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '1_000', '0X1F', '-0x1F', '0b101', '+.nan', '1e', 'e3',
      '1.2.3', '3x3', '12abc', '.', '0o8', 'true', 'True', 'TRUE', 'tRue', 'false', 'FALSE', 'yes', 'on',
      'null', 'Null', 'NULL', '~', 'nil', 'None',
    ];
    for (const c of candidates) {
      const value = (parse(`v: ${c}`) as { v: unknown }).v;
      const scopes = scopesOf(tokenizeLine(`v: ${c}`), c);
      const kind = typeof value === 'number' ? NUMBER_SCOPE
        : typeof value === 'boolean' ? BOOLEAN_SCOPE : value === null ? NULL_SCOPE : 'string.unquoted.plain';
      assert.ok(hasScope(scopes, kind), `${c} (yaml: ${JSON.stringify(value)}) should be ${kind}; got [${scopes.join(', ')}]`);
      // Inside flow collections too.
      assert.ok(hasScope(scopesOf(tokenizeLine(`v: [${c}, ${c}]`), c, 1), kind), `[${c}, ${c}]`);
      assert.ok(hasScope(scopesOf(tokenizeLine(`v: { a: ${c} }`), c), kind), `{ a: ${c} }`);
    }
    // A number that is only part of a plain scalar is not a number.
    assertScope(tokenizeLine('name: my model 2'), 'my model 2', 'string.unquoted');
    assertScope(tokenizeLine('name: 2 models'), '2 models', 'string.unquoted');
  });

  it('handles comments, quoted strings, anchors, aliases, tags and document markers', () => {
    const t = tokenizeLine('name: "my #model" # trailing comment');
    assertScope(t, 'my #model', 'string.quoted.double');
    assertScope(t, '#', COMMENT_SCOPE);
    assertScope(t, ' trailing comment', COMMENT_SCOPE);
    assertScope(tokenizeLine('# whole line'), ' whole line', COMMENT_SCOPE);
    assertScope(tokenizeLine('   # indented'), ' indented', COMMENT_SCOPE);
    // `#` inside a plain scalar or right after a value character is not a comment.
    assertScope(tokenizeLine('folder: ./images/a#b'), './images/a#b', 'string.unquoted');

    const q = tokenizeLine(`name: 'it''s' "a\\"b"`);
    assertScope(q, "''", 'constant.character.escape');
    assertScope(q, "''", 'string.quoted.single');
    assertScope(q, '\\"', 'constant.character.escape');
    assertScope(q, 'b', 'string.quoted.double');

    const anchor = tokenizeLine('  - batchnorm: &bn { momentum: 0.99, epsilon: 1e-3 }');
    assertScope(anchor, 'bn', 'variable.other.anchor');
    assertScope(anchor, '1e-3', NUMBER_SCOPE);
    assertScope(anchor, '0.99', NUMBER_SCOPE);
    assertScope(tokenizeLine('  - batchnorm: *bn'), 'bn', 'variable.other.alias');
    assertScope(tokenizeLine('  kernel: !!seq [3, 3]'), '!!seq', 'storage.type.tag');
    assertScope(tokenizeLine('---'), '---', 'entity.other.document.begin');
    assertScope(tokenizeLine('...'), '...', 'entity.other.document.end');
    assertScope(tokenizeLine('%YAML 1.2'), '%YAML', 'keyword.other.directive');
    // R&D is a plain scalar, not an anchor.
    assertScope(tokenizeLine('name: R&D'), 'R&D', 'string.unquoted');
  });

  it('agrees with the yaml parser on block maps, flow maps, quoting and anchors', () => {
    const text = [
      '%YAML 1.2',
      '---',
      '# A model written every way the language allows.',
      'name: "rgb #1"   # quoted, with a hash',
      "dataset: { folder: './my images', imageSize: [32, 32], testSplit: .2 }",
      'grayscale: False',
      'input: [32, 32, 3]',
      'classes: 0x0A',
      'layers:',
      '  - conv2d: &c { filters: 32, kernel: [3, 3], padding: same, activation: relu }',
      '  - conv2d:',
      '      filters: 64',
      '      kernel: 3',
      '      strides: [1, 1]',
      '      padding: valid',
      '      activation: swish',
      '      useBias: true',
      '  - { maxpool2d: { pool: 2 } }',
      '  - batchnorm: { momentum: 0.99, epsilon: 1e-3 }',
      '  - activation: { activation: gelu }',
      '  - globalavgpool2d:',
      '  - dropout: { rate: 0.5 }',
      '  - dense: { units: 10, activation: softmax, name: head }',
      'train:',
      '  epochs: 12',
      '  batchSize: 128',
      '  optimizer: adam',
      '  learningRate: 1e-3',
      '  validationSplit: 0.1',
      '  augment: { flipHorizontal: TRUE, shift: 0.1 }',
      '  seed: ~',
      '...',
    ].join('\n');
    assert.ok(crossCheckWithParser(text) >= 60);
  });

  it('contains a YAML syntax error to its own line', () => {
    const text = [
      'layers:',
      '  - conv2d: { filters: 32, kernel: [3, 3',
      '  bad: "unterminated',
      "  worse: 'also unterminated",
      '  - dense: { units: 10, activation: relu }',
      'train: { epochs: 1e-3 }',
    ].join('\n');
    assert.ok(parseDocument(text).errors.length > 0, 'the snippet must really be invalid YAML');
    const lines = tokenize(text);
    lines.forEach((l, i) => assert.equal(l.depth, 1, `line ${i + 1} leaves a rule open`));
    const after = lines[4]?.tokens ?? [];
    assertScope(after, 'dense', LAYER_SCOPE);
    assertScope(after, '10', NUMBER_SCOPE);
    assertScope(after, 'relu', 'support.constant.activation');
    assertScope(lines[5]?.tokens ?? [], 'train', SECTION_SCOPE);
    assertScope(lines[5]?.tokens ?? [], '1e-3', NUMBER_SCOPE);
  });

  it('stays linear on very long lines', () => {
    const long = [
      `name: ${'word '.repeat(4000)}end`,
      `  - dense: { ${Array.from({ length: 2000 }, (_, i) => `k${i}: ${i}`).join(', ')} }`,
      `x: "${'\\"'.repeat(4000)}`,
      `y: ${'a:'.repeat(4000)} # ${'#'.repeat(4000)}`,
      `z: [${'['.repeat(2000)}`,
    ].join('\n');
    const lines = tokenize(long);
    lines.forEach((l, i) => assert.equal(l.depth, 1, `long line ${i + 1} leaves a rule open`));
    assert.equal(lines[1]?.tokens.filter((t) => hasScope(t.scopes, NUMBER_SCOPE)).length, 2000);
  });
});

describe('language-configuration.json', () => {
  interface LanguageConfiguration {
    comments: { lineComment: string; blockComment?: unknown };
    brackets: Array<[string, string]>;
    autoClosingPairs: Array<{ open: string; close: string; notIn?: string[] } | [string, string]>;
    surroundingPairs: Array<[string, string] | { open: string; close: string }>;
    folding?: { offSide?: boolean; markers?: { start: string; end: string } };
    indentationRules?: { increaseIndentPattern: string; decreaseIndentPattern: string };
    wordPattern?: string;
    onEnterRules?: Array<{ beforeText: string; afterText?: string; action: { indent: string } }>;
  }
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'media/language-configuration.json'), 'utf8')) as LanguageConfiguration;

  it('uses # comments and YAML flow brackets', () => {
    assert.equal(config.comments.lineComment, '#');
    assert.equal(config.comments.blockComment, undefined, 'YAML has no block comments');
    assert.deepEqual([...config.brackets].sort(), [['[', ']'], ['{', '}']]);
  });

  it('auto-closes brackets and quotes, never inside strings or comments', () => {
    const pairs = config.autoClosingPairs.map((p) => (Array.isArray(p) ? { open: p[0], close: p[1], notIn: undefined } : p));
    const byOpen = new Map(pairs.map((p) => [p.open, p]));
    for (const [open, close] of [['{', '}'], ['[', ']'], ['"', '"'], ["'", "'"]] as const) {
      assert.equal(byOpen.get(open)?.close, close, `auto-close ${open}`);
    }
    for (const quote of ['"', "'"]) {
      const notIn = byOpen.get(quote)?.notIn ?? [];
      assert.ok(notIn.includes('string') && notIn.includes('comment'), `${quote} must not auto-close in strings/comments`);
    }
    // The notIn token types are computed from the grammar's scopes: the places we type an
    // apostrophe in prose (comments, plain scalars) must carry them.
    assertScope(tokenizeLine("# don't"), " don't", 'comment');
    assertScope(tokenizeLine("name: don't"), "don't", 'string');
    const surround = config.surroundingPairs.map((p) => (Array.isArray(p) ? p.join('') : p.open + p.close));
    for (const pair of ['{}', '[]', '""', "''"]) assert.ok(surround.includes(pair), `surround with ${pair}`);
  });

  it('folds by indentation and has regexes that compile and fit model files', () => {
    assert.equal(config.folding?.offSide, true, 'YAML blocks fold by indentation');
    const markers = config.folding?.markers;
    assert.ok(markers);
    assert.ok(new RegExp(markers.start).test('  # region layers'));
    assert.ok(new RegExp(markers.end).test('  # endregion'));
    const rules = config.indentationRules;
    assert.ok(rules);
    const increase = new RegExp(rules.increaseIndentPattern);
    for (const line of ['layers:', 'train:', '  - conv2d:', '  - dense: {', '  - batchnorm: &bn']) {
      assert.ok(increase.test(line), `indent after ${JSON.stringify(line)}`);
    }
    for (const line of ['name: mnist', '  - flatten: {}', '  - dense: { units: 10 }', '  epochs: 12']) {
      assert.ok(!increase.test(line), `no indent after ${JSON.stringify(line)}`);
    }
    assert.ok(new RegExp(rules.decreaseIndentPattern).test('  }'));
    assert.ok(config.wordPattern);
    const word = new RegExp(config.wordPattern, 'g');
    assert.deepEqual('activation: fashion-mnist, rate: 0.001'.match(word), ['activation', 'fashion-mnist', 'rate', '0.001']);
    for (const rule of config.onEnterRules ?? []) {
      assert.ok(new RegExp(rule.beforeText).test('  - conv2d:'), 'Enter after a layer key indents its parameters');
      assert.ok(['indent', 'indentOutdent', 'outdent', 'none'].includes(rule.action.indent));
    }
  });
});
