/** Types of scripts/native/binding-patch.mjs for the TypeScript tests that check it. */
export declare const PATCH_MARKER: string;
/** The binding file the patch edits, relative to the tfjs-node package. */
export declare const PATCHED_FILE: string;
/** The patched source and whether anything changed (false: already patched); throws on a source it was not written for. */
export declare function patchBindingSource(source: string): { readonly text: string; readonly applied: boolean };
