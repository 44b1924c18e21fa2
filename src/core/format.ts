/** The language's number formatting is the one in src/shared, which the webviews use too. */
export { bytes, compact, groupDigits } from '../shared/format';
