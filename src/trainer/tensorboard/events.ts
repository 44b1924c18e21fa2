/**
 * TensorFlow `Event` messages for TensorBoard (event.proto / summary.proto field numbers):
 * the file-version header, scalars, markdown text (the text plugin) and PNG images, written the
 * way Keras's TensorBoard callback writes them, so CNN Lab runs sit beside Keras runs.
 */
import { ProtoWriter } from './protobuf';

// Event: wall_time = 1 (double), step = 2 (int64), file_version = 3, summary = 5.
// Summary: value = 1. Summary.Value: tag = 1, simple_value = 2 (float), image = 4, tensor = 8, metadata = 9.
// Summary.Image: height = 1, width = 2, colorspace = 3, encoded_image_string = 4.
// SummaryMetadata: plugin_data = 1 { plugin_name = 1, content = 2 }, display_name = 2, summary_description = 3.
// TensorProto: dtype = 1 (DT_STRING = 7), tensor_shape = 2, string_val = 8.

function event(wallTime: number, step: number): ProtoWriter {
  return new ProtoWriter().double(1, wallTime).int(2, step);
}

function withSummary(wallTime: number, step: number, value: ProtoWriter): Uint8Array {
  return event(wallTime, step).message(5, new ProtoWriter().message(1, value)).finish();
}

/**
 * `SessionLog.START` at `step` (Event field 6; status START = 1): TensorBoard then drops the
 * events of earlier sessions at and after `step` ("orphaned" data), so a resumed run's curves do
 * not show the partly trained epoch twice.
 */
export function sessionStartEvent(wallTime: number, step: number): Uint8Array {
  return event(wallTime, step).message(6, new ProtoWriter().int(1, 1)).finish();
}

/** The first record of every event file. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).string(3, 'brain.Event:2').finish();
}

/** A scalar (`simple_value`, which TensorBoard's scalars dashboard reads). */
export function scalarEvent(wallTime: number, step: number, tag: string, value: number): Uint8Array {
  // `simple_value` is a member of a oneof: written even when 0.
  return withSummary(wallTime, step, new ProtoWriter().string(1, tag).float(2, value, true));
}

/** Markdown text for TensorBoard's Text dashboard: a scalar string tensor tagged for the `text` plugin. */
export function textEvent(wallTime: number, step: number, tag: string, markdown: string): Uint8Array {
  const metadata = new ProtoWriter().message(1, new ProtoWriter().string(1, 'text'));
  const tensor = new ProtoWriter().int(1, 7).message(2, new ProtoWriter()).bytes(8, new TextEncoder().encode(markdown));
  // Fields in number order, as protobuf serialises them: tag, tensor, metadata.
  return withSummary(wallTime, step, new ProtoWriter().string(1, tag).message(8, tensor).message(9, metadata));
}

/** An image (PNG bytes, `channels` 1 or 3 as its colourspace) for TensorBoard's Images dashboard. */
export function imageEvent(wallTime: number, step: number, tag: string, png: Uint8Array, height: number, width: number, channels: 1 | 3 | 4): Uint8Array {
  const image = new ProtoWriter().int(1, height).int(2, width).int(3, channels).bytes(4, png);
  return withSummary(wallTime, step, new ProtoWriter().string(1, tag).message(4, image));
}
