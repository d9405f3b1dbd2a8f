#!/usr/bin/env python3
"""Parses Prometheus text (a file, or stdin when no path is given) with prometheus_client's parser, an
implementation of the exposition format independent of pageoutd, and prints what it read as JSON:
{"families": {name: {"type": ..., "help": ..., "samples": [{"name": ..., "labels": {...}, "value": ...}]}}}.
A text the parser rejects exits with status 1 and the parser's message on stderr."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
    families = {}
    try:
        for family in text_string_to_metric_families(text):
            families[family.name] = {
                "type": family.type,
                "help": family.documentation,
                "samples": [
                    {"name": sample.name, "labels": sample.labels, "value": sample.value}
                    for sample in family.samples
                ],
            }
    except Exception as error:  # the parser raises ValueError and others for malformed text
        print(f"prometheus_client cannot parse the text: {error!r}", file=sys.stderr)
        sys.exit(1)
    json.dump({"families": families}, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
