/**
 * A faster `Conv2DBackpropInput` for the wasm backend. The shipped kernel is a plain C++ loop;
 * the input gradient is the "full" convolution of dy (with s−1 zeros between its rows and
 * columns when the stride s is above 1) with the filter rotated by 180° and its in/out channels
 * swapped, which runs on XNNPACK's convolution. Paddings that would turn negative (only possible
 * with explicit paddings wider than the kernel) go to the shipped kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { compose, pair, WASM } from './composer';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: object; attrs?: tf.NamedAttrMap };

function makeConv2dBackpropInputWasm(shipped: tf.KernelFunc | undefined): tf.KernelFunc {
  return (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const { dy, filter } = args.inputs;
    if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput needs dy and filter');
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const [b, h, w] = attrs.inputShape;
    const [kh, kw, , co] = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad,
      attrs.dimRoundingMode, false, 'channelsLast');
    const [sh, sw] = pair(attrs.strides);
    const [oh, ow] = [dy.shape[1] ?? 0, dy.shape[2] ?? 0];
    const p = info.padInfo;
    // Padding of the (dilated) dy for a stride-1 "full" convolution whose output is h × w.
    const top = kh - 1 - p.top;
    const left = kw - 1 - p.left;
    const dilatedH = (oh - 1) * sh + 1;
    const dilatedW = (ow - 1) * sw + 1;
    const bottom = h - dilatedH - top + kh - 1;
    const right = w - dilatedW - left + kw - 1;
    const usable = attrs.dataFormat !== 'NCHW' && dy.dtype === 'float32' && filter.dtype === 'float32'
      && top >= 0 && left >= 0 && bottom >= 0 && right >= 0;
    if (!usable) {
      if (shipped === undefined) throw new Error('wasm Conv2DBackpropInput: unsupported padding or format');
      return shipped(args);
    }
    return compose(args.backend as tf.KernelBackend, (c) => {
      let src = dy;
      if (sh > 1 || sw > 1) {
        // Zero insertion as pad + reshape: [b,oh,1,ow,1,co] padded to [b,oh,sh,ow,sw,co] puts
        // s−1 zeros after every row and column; the trailing ones are cut by the slice.
        const six = c.reshape(dy, [b, oh, 1, ow, 1, co]);
        const padded = c.pad(six, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
        const spread = c.reshape(padded, [b, oh * sh, ow * sw, co]);
        src = c.slice(spread, [0, 0, 0, 0], [b, Math.min(oh * sh, dilatedH + bottom), Math.min(ow * sw, dilatedW + right), co]);
      }
      const padBottom = bottom - ((src.shape[1] ?? 0) - dilatedH);
      const padRight = right - ((src.shape[2] ?? 0) - dilatedW);
      const flipped = c.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
      const swapped = c.transpose(flipped, [0, 1, 3, 2]);
      return c.run(tf.Conv2D, { x: src, filter: swapped }, {
        strides: [1, 1],
        pad: [[0, 0], [top, padBottom], [left, padRight], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      });
    });
  };
}

/**
 * Wraps the kernel registered now (the shipped one) as the fallback. Its `setupFunc` is kept:
 * the backend runs setup functions of registered kernels when it initialises, and the shipped
 * kernel binds its wasm function there.
 */
export function conv2dBackpropInputConfig(shipped: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName: WASM,
    kernelFunc: makeConv2dBackpropInputWasm(shipped?.kernelFunc),
    ...(shipped?.setupFunc !== undefined ? { setupFunc: shipped.setupFunc } : {}),
    ...(shipped?.disposeFunc !== undefined ? { disposeFunc: shipped.disposeFunc } : {}),
  };
}
