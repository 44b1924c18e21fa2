"""Stage libtensorflow from a TensorFlow PyPI wheel (a zip) without installing it.

Called by scripts/provision-native.mjs (python3 is needed anyway: pip downloads the wheel and
node-gyp runs gyp). Writes into DEST:
  lib/libtensorflow_cc.so.2, lib/libtensorflow_framework.so.2   the C/eager C API the addon links
  include/...                                                    only the headers the binding's
                                                                 sources reach (#include closure),
                                                                 not the wheel's 13,000 headers
Usage: python3 wheel.py WHEEL DEST ROOT_HEADER [ROOT_HEADER ...]
Prints one JSON line: {"libs": [...], "headers": N, "bytes": B}.
"""
import json
import os
import re
import shutil
import sys
import zipfile

LIBS = ("libtensorflow_cc.so.2", "libtensorflow_framework.so.2")
INCLUDE_PREFIX = "tensorflow/include/"
INCLUDE_RE = re.compile(rb'^\s*#\s*include\s*["<]([^">]+)[">]', re.M)


def main(argv):
    wheel, dest, roots = argv[1], argv[2], argv[3:]
    written = 0
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        libs = []
        for lib in LIBS:
            member = "tensorflow/" + lib
            if member not in names:
                raise SystemExit("wheel has no " + member + " (not a TensorFlow >= 2.x CPU wheel?)")
            written += extract(z, member, os.path.join(dest, "lib", lib))
            libs.append(lib)
        # Breadth-first over the quoted and angled includes that exist inside the wheel; system
        # headers (<vector>, <stdint.h>) are simply not found there and are skipped.
        seen, queue = set(), [r for r in roots if INCLUDE_PREFIX + r in names]
        missing = [r for r in roots if INCLUDE_PREFIX + r not in names]
        if missing:
            raise SystemExit("wheel lacks headers the addon includes: " + ", ".join(missing))
        while queue:
            rel = queue.pop()
            if rel in seen:
                continue
            seen.add(rel)
            data = z.read(INCLUDE_PREFIX + rel)
            for inc in INCLUDE_RE.findall(data):
                inc = inc.decode("utf-8", "replace")
                if INCLUDE_PREFIX + inc in names and inc not in seen:
                    queue.append(inc)
        for rel in sorted(seen):
            written += extract(z, INCLUDE_PREFIX + rel, os.path.join(dest, "include", rel))
    print(json.dumps({"libs": libs, "headers": len(seen), "bytes": written}))


def extract(z, member, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = target + ".part"
    with z.open(member) as src, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    os.replace(tmp, target)
    return os.path.getsize(target)


if __name__ == "__main__":
    main(sys.argv)
