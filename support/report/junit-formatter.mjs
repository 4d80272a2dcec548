// A cucumber formatter: JUnit XML in which each test case carries the path of its scenario's
// record as a property, and a scenario that passed only on a retry is marked flaky.
// Plain JavaScript: cucumber loads formatters before any TypeScript loader is registered.
import { Formatter } from '@cucumber/cucumber';

const esc = (s) => String(s).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]);
const RANK = { PASSED: 0, SKIPPED: 1, PENDING: 2, UNDEFINED: 3, AMBIGUOUS: 4, FAILED: 5, UNKNOWN: 1 };
const seconds = (ts) => Number(ts.seconds) + ts.nanos / 1e9;

export default class JunitWithRecords extends Formatter {
  static documentation = "JUnit XML with each scenario's record path as a property";

  constructor(options) {
    super(options);
    const features = new Map(); // uri -> feature name
    const pickles = new Map();
    const testCases = new Map(); // testCase id -> pickle id
    const attempts = new Map(); // testCaseStarted id -> attempt
    const byPickle = new Map(); // pickle id -> attempts[]
    options.eventBroadcaster.on('envelope', (env) => {
      if (env.gherkinDocument?.feature) features.set(env.gherkinDocument.uri, env.gherkinDocument.feature.name);
      if (env.pickle) pickles.set(env.pickle.id, env.pickle);
      if (env.testCase) testCases.set(env.testCase.id, env.testCase.pickleId);
      if (env.testCaseStarted) {
        const a = { pickleId: testCases.get(env.testCaseStarted.testCaseId), start: seconds(env.testCaseStarted.timestamp), status: 'PASSED', message: '', record: undefined, end: 0 };
        attempts.set(env.testCaseStarted.id, a);
        if (!byPickle.has(a.pickleId)) byPickle.set(a.pickleId, []);
        byPickle.get(a.pickleId).push(a);
      }
      if (env.testStepFinished) {
        const a = attempts.get(env.testStepFinished.testCaseStartedId);
        const r = env.testStepFinished.testStepResult;
        if (a && RANK[r.status] > RANK[a.status]) { a.status = r.status; a.message = r.message ?? r.exception?.message ?? ''; }
      }
      if (env.attachment?.testCaseStartedId && env.attachment.mediaType === 'text/plain' && env.attachment.body.startsWith('record: ')) {
        const a = attempts.get(env.attachment.testCaseStartedId);
        if (a) a.record = env.attachment.body.slice('record: '.length);
      }
      if (env.testCaseFinished) {
        const a = attempts.get(env.testCaseFinished.testCaseStartedId);
        if (a) a.end = seconds(env.testCaseFinished.timestamp);
      }
      if (env.testRunFinished) this.log(this.xml(features, pickles, byPickle));
    });
  }

  xml(features, pickles, byPickle) {
    const cases = [];
    let failures = 0, skipped = 0, total = 0;
    for (const [pickleId, tries] of byPickle) {
      const p = pickles.get(pickleId);
      const last = tries[tries.length - 1];
      const flaky = last.status === 'PASSED' && tries.some((t) => t.status === 'FAILED');
      total++;
      const props = [`<property name="record" value="${esc(last.record ?? '')}"/>`, `<property name="attempts" value="${tries.length}"/>`];
      if (flaky) props.push('<property name="flaky" value="true"/>');
      let body = `<properties>${props.join('')}</properties>`;
      if (['FAILED', 'AMBIGUOUS', 'UNDEFINED'].includes(last.status)) { failures++; body += `<failure message="${esc(last.status.toLowerCase())}">${esc(last.message)}</failure>`; }
      else if (last.status !== 'PASSED') { skipped++; body += '<skipped/>'; }
      cases.push(`  <testcase classname="${esc(features.get(p.uri) ?? p.uri)}" name="${esc(p.name)}" time="${(last.end - last.start).toFixed(3)}">${body}</testcase>`);
    }
    return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n <testsuite name="c8y-hil" tests="${total}" failures="${failures}" skipped="${skipped}">\n${cases.join('\n')}\n </testsuite>\n</testsuites>\n`;
  }
}
