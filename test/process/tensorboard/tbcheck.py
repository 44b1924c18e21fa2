"""TensorBoard's own side of CNN Lab's event-file tests (run in a venv with tensorboard installed).

  python tbcheck.py write OUT EVENTS.json   write the events with TensorBoard's RecordWriter and
                                            protobuf classes (the byte-exact reference)
  python tbcheck.py read DIR                print, as JSON, what TensorBoard's event loader reads
                                            from every event file under DIR (the loader TensorBoard
                                            ingests with, which migrates legacy values to tensors)
"""
import base64
import json
import os
import sys

from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.text import summary_v2 as text_summary
from tensorboard.summary.writer.record_writer import RecordWriter
from tensorboard.util import tensor_util


def build(e):
    ev = event_pb2.Event(wall_time=e["wallTime"], step=e.get("step", 0))
    kind = e["kind"]
    if kind == "fileVersion":
        ev.file_version = "brain.Event:2"
    elif kind == "scalar":
        ev.summary.value.add(tag=e["tag"], simple_value=e["value"])
    elif kind == "text":
        ev.summary.CopyFrom(text_summary.text_pb(e["tag"], e["markdown"]))
    elif kind == "image":
        img = summary_pb2.Summary.Image(height=e["height"], width=e["width"], colorspace=e["channels"],
                                        encoded_image_string=base64.b64decode(e["png"]))
        ev.summary.value.add(tag=e["tag"], image=img)
    return ev


def write(out, spec):
    with open(spec) as f:
        events = json.load(f)
    with open(out, "wb") as f:
        w = RecordWriter(f)
        for e in events:
            w.write(build(e).SerializeToString())
        w.flush()


def read(root):
    found = {}
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            if "tfevents" not in name:
                continue
            rel = os.path.relpath(dirpath, root)
            items = found.setdefault(rel, [])
            for ev in EventFileLoader(os.path.join(dirpath, name)).Load():
                if ev.HasField("file_version"):
                    items.append({"kind": "fileVersion", "value": ev.file_version})
                for v in ev.summary.value:
                    plugin = v.metadata.plugin_data.plugin_name
                    which = v.WhichOneof("value")
                    if which == "simple_value":
                        items.append({"kind": "scalar", "tag": v.tag, "step": ev.step, "value": v.simple_value})
                    elif which == "tensor" and plugin == "scalars":
                        items.append({"kind": "scalar", "tag": v.tag, "step": ev.step, "value": float(tensor_util.make_ndarray(v.tensor))})
                    elif which == "tensor" and plugin == "text":
                        items.append({"kind": "text", "tag": v.tag, "step": ev.step, "value": v.tensor.string_val[0].decode()})
                    elif which == "tensor" and plugin == "images":
                        w, h, *pngs = v.tensor.string_val
                        items.append({"kind": "image", "tag": v.tag, "step": ev.step, "height": int(h), "width": int(w),
                                      "pngBytes": len(pngs[0])})
                    elif which == "image":
                        items.append({"kind": "image", "tag": v.tag, "step": ev.step, "height": v.image.height,
                                      "width": v.image.width, "pngBytes": len(v.image.encoded_image_string)})
    print(json.dumps(found))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    else:
        read(sys.argv[2])
