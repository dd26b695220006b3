"""Reads a Prometheus text exposition (0.0.4) on stdin with prometheus_client's own parser and
prints its samples as JSON [[series, value], ...]. The parser judges the format; the few rules
node-exporter's textfile collector adds that it does not check are checked here over what it
parsed. Any violation exits 1 with the reason on stderr."""

import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def fail(reason):
    print(reason, file=sys.stderr)
    sys.exit(1)


def series(sample):
    labels = ",".join(
        '%s="%s"' % (k, v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"))
        for k, v in sample.labels.items()
    )
    return sample.name + ("{%s}" % labels if labels else "")


text = sys.stdin.read()
# The format: "Lines are separated by a line feed character (\n). The last line must end with a
# line feed character."
if not text.endswith("\n"):
    fail("the last line must end with a newline")
try:
    families = list(text_string_to_metric_families(text))
except Exception as err:  # the parser raises ValueError, IndexError, ... on malformed lines
    fail("not exposition text: %r" % (err,))

samples = {}
for family in families:
    # A family without TYPE is "unknown" (untyped): legal, but pullkey declares every family.
    if family.type == "unknown":
        fail("%s: a sample without a TYPE line" % family.name)
    for sample in family.samples:
        key = series(sample)
        if key in samples:
            fail("%s: duplicate series" % key)
        samples[key] = sample.value
    if family.type == "histogram":
        groups = {}
        for sample in family.samples:
            rest = tuple((k, v) for k, v in sample.labels.items() if k != "le")
            groups.setdefault(rest, {"buckets": [], "count": None})
            if sample.name == family.name + "_bucket":
                groups[rest]["buckets"].append((float(sample.labels["le"]), sample.value))
            elif sample.name == family.name + "_count":
                groups[rest]["count"] = sample.value
        for rest, group in groups.items():
            buckets = group["buckets"]
            for (le1, c1), (le2, c2) in zip(buckets, buckets[1:]):
                if le2 <= le1 or c2 < c1:
                    fail("%s%r: buckets not cumulative" % (family.name, rest))
            if not buckets or buckets[-1][0] != math.inf or buckets[-1][1] != group["count"]:
                fail("%s%r: the +Inf bucket is not _count" % (family.name, rest))

json.dump([[k, "+Inf" if v == math.inf else v] for k, v in samples.items()], sys.stdout)
