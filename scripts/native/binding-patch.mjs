// The source patch scripts/provision-native.mjs applies to tfjs-node's N-API binding before it
// compiles it: list-valued op attributes.
//
// tfjs-node 4.22.0's `AssignOpAttr` (binding/tfjs_backend.cc) reads an attribute `{ name, type,
// value }` and accepts a JavaScript array as `value` for TF_ATTR_INT, TF_ATTR_FLOAT and
// TF_ATTR_BOOL (lists of ints, floats, bools), but not for TF_ATTR_STRING or TF_ATTR_TYPE. So ops
// with a `list(string)` or `list(type)` attribute cannot be called from JavaScript, among them
// TensorFlow's fused kernels: `_FusedConv2D` (`fused_ops: list(string)` such as ["BiasAdd",
// "Relu"], `TArgs: list(type)`), `_FusedMatMul` and oneDNN's `_MklNativeFusedConv2D` /
// `_MklNativeFusedMatMul`. This patch adds, with the binding's own helpers and error handling:
//   TF_ATTR_STRING + array of strings  -> TFE_OpSetAttrStringList   (list(string))
//   TF_ATTR_TYPE   + array of numbers  -> TFE_OpSetAttrTypeList     (list(type), TF_DataType codes)
// Scalars take the original code paths unchanged, so every existing caller behaves as before.
// An empty array sets an empty list.
//
// It is a source transformation rather than a .patch file so that it needs no `patch` tool and
// fails with a clear message: each edit replaces one exact, unique block of the 4.22.0 source
// (checked before anything is written), and the patched text carries a marker line, so applying it
// to already-patched text changes nothing (idempotent). The provisioning script patches a copy of
// the sources in its build folder (node_modules keeps tfjs-node's originals) and makes a hash of
// this file part of the addon's cache key: editing this file rebuilds the addon once.

/** Marker line in the patched source; its presence means "already patched". */
export const PATCH_MARKER = '// cnn-lab: list-valued attributes (scripts/native/binding-patch.mjs)';

const ORIGINAL_STRING_CASE = `    case TF_ATTR_STRING: {
      // NOTE: String attribute values do not have to be utf8 encoded strings
      // (could be arbitrary byte sequences).
      std::string str_value;
      nstatus = GetStringParam(env, js_value, str_value);
      ENSURE_NAPI_OK(env, nstatus);

      TFE_OpSetAttrString(tfe_op, attr_name, str_value.c_str(),
                          str_value.size());
      break;
    }
`;

const PATCHED_STRING_CASE = `    case TF_ATTR_STRING: {
      ${PATCH_MARKER}
      // An array of strings sets a list(string) attribute (e.g. fused_ops).
      if (IsArray(env, nstatus, &js_value)) {
        uint32_t length;
        nstatus = napi_get_array_length(env, js_value, &length);
        ENSURE_NAPI_OK(env, nstatus);
        std::vector<std::string> strings(length);
        std::vector<const void *> values(length);
        std::vector<size_t> lengths(length);
        for (uint32_t i = 0; i < length; ++i) {
          napi_value element;
          nstatus = napi_get_element(env, js_value, i, &element);
          ENSURE_NAPI_OK(env, nstatus);
          nstatus = GetStringParam(env, element, strings[i]);
          ENSURE_NAPI_OK(env, nstatus);
        }
        for (uint32_t i = 0; i < length; ++i) {
          values[i] = strings[i].data();
          lengths[i] = strings[i].size();
        }
        // TensorFlow copies the strings into the op's attribute value.
        TFE_OpSetAttrStringList(tfe_op, attr_name, values.data(), lengths.data(),
                                static_cast<int>(length));
        break;
      }
      // NOTE: String attribute values do not have to be utf8 encoded strings
      // (could be arbitrary byte sequences).
      std::string str_value;
      nstatus = GetStringParam(env, js_value, str_value);
      ENSURE_NAPI_OK(env, nstatus);

      TFE_OpSetAttrString(tfe_op, attr_name, str_value.c_str(),
                          str_value.size());
      break;
    }
`;

const ORIGINAL_TYPE_CASE = `    case TF_ATTR_TYPE: {
      TF_DataType tf_data_type;
`;

const PATCHED_TYPE_CASE = `    case TF_ATTR_TYPE: {
      // cnn-lab: an array of TF_DataType codes sets a list(type) attribute
      // (e.g. _FusedConv2D's TArgs).
      if (IsArray(env, nstatus, &js_value)) {
        uint32_t length;
        nstatus = napi_get_array_length(env, js_value, &length);
        ENSURE_NAPI_OK(env, nstatus);
        std::vector<TF_DataType> types(length);
        for (uint32_t i = 0; i < length; ++i) {
          napi_value element;
          nstatus = napi_get_element(env, js_value, i, &element);
          ENSURE_NAPI_OK(env, nstatus);
          int32_t value;
          nstatus = napi_get_value_int32(env, element, &value);
          ENSURE_NAPI_OK(env, nstatus);
          types[i] = static_cast<TF_DataType>(value);
        }
        TFE_OpSetAttrTypeList(tfe_op, attr_name, types.data(),
                              static_cast<int>(length));
        break;
      }
      TF_DataType tf_data_type;
`;

const ORIGINAL_INCLUDE = '#include <string>\n';
const PATCHED_INCLUDE = '#include <string>\n#include <vector>\n';

/** The edits, each an exact block of tfjs-node 4.22.0's binding/tfjs_backend.cc and its replacement. */
const EDITS = [
  { what: 'the <vector> include', from: ORIGINAL_INCLUDE, to: PATCHED_INCLUDE },
  { what: 'the TF_ATTR_STRING case of AssignOpAttr', from: ORIGINAL_STRING_CASE, to: PATCHED_STRING_CASE },
  { what: 'the TF_ATTR_TYPE case of AssignOpAttr', from: ORIGINAL_TYPE_CASE, to: PATCHED_TYPE_CASE },
];

/** The file of the binding this patch edits, relative to the tfjs-node package. */
export const PATCHED_FILE = 'binding/tfjs_backend.cc';

function count(text, needle) {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/**
 * Returns `{ text, applied }`: the patched source and whether it changed anything (false when the
 * marker shows it is patched already). Throws, naming the block, when the source is not the
 * 4.22.0 one this patch was written for (nothing is half-applied: all blocks are checked first).
 * Line endings are kept as found.
 */
export function patchBindingSource(source) {
  if (source.includes(PATCH_MARKER)) return { text: source, applied: false };
  const crlf = source.includes('\r\n');
  let text = crlf ? source.replace(/\r\n/g, '\n') : source;
  for (const e of EDITS) {
    const n = count(text, e.from);
    if (n !== 1) {
      throw new Error(`cannot patch ${PATCHED_FILE}: ${e.what} was found ${n} times where exactly one was expected `
        + '(tfjs-node\'s binding changed; update scripts/native/binding-patch.mjs)');
    }
  }
  for (const e of EDITS) text = text.replace(e.from, () => e.to);
  return { text: crlf ? text.replace(/\n/g, '\r\n') : text, applied: true };
}
