/**
 * `@glovebox/redact/testing` — the labeled corpus generator, the evaluator and the regression
 * corpus, for tests and benchmarks. Not for production code (a lint rule keeps it out of `src/`
 * files other than tests).
 */
export { generateCorpus, generateLogText } from './generate.js';
export type { CorpusDocument, CorpusOptions, HardNegative, LabeledSecret } from './generate.js';
export { evaluateRedaction, leaked, splitIntoChunks } from './evaluate.js';
export { everyWay } from './every-way.js';
export type { EvaluationResult, TypeScore } from './evaluate.js';
export { REGRESSION_CORPUS } from './regression.js';
export type { RegressionCase } from './regression.js';
