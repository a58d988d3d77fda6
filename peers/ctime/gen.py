#!/usr/bin/env python3
"""Generates the compile-time benchmark of issue 15: a crate with a 50-table schema
(groups of 10 tables: a chain, a fan-out and a cross link per group: 100 `one`
relations, each with a `many` field on its target whose keys are inferred), in two variants:

  plain/  the same structs without Rel (the baseline)
  rel/    the structs with #[derive(Table)] and their relations

Usage: gen.py OUT_DIR [TABLES] [uniform]   (then measure.sh OUT_DIR)

`uniform` gives every group the same links, so that 200 tables have 4x the relations
of 50 (400 and 100): the cross link of tables 2 to 9 of each group, the first group's
to the last group (a nullable key), none for tables 0 and 1. Without it the first
group has no cross links and every other table has one, so 200 tables have 430
relations to 50 tables' 100 (issue 27's "200 tables at most 4x the 50-table time"
is then a comparison of 4.3x the relations).
"""
import os
import sys

out = sys.argv[1]
tables = int(sys.argv[2]) if len(sys.argv) > 2 else 50
uniform = len(sys.argv) > 3 and sys.argv[3] == "uniform"
if uniform and (tables % 10 != 0 or tables < 20):
    sys.exit("uniform needs a multiple of 10 tables, at least 20")
repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def relations(i):
    """The tables table i points at (each is a `one` relation on its own column)."""
    targets = []
    if i % 10 != 0:
        targets.append(i - 1)  # the chain inside a group
    if i % 10 >= 7:
        targets.append(i - 2 - (i % 2))  # a fan-out inside a group
    if uniform:
        if i % 10 >= 2:
            targets.append((i - 10) % tables)  # the previous group, or the last
    elif i >= 10:
        targets.append(i - 10)  # a cross link to the previous group
    return targets


def key_type(i, t):
    """A wrapped cross link (first group to last) is nullable: no required cycle."""
    return "Option<i64>" if t > i else "i64"


def crate(kind):
    children = {i: [c for c in range(tables) if i in relations(c)] for i in range(tables)}
    lines = []
    if kind == "rel":
        lines.append("use rel::prelude::*;\n")
    total = 0
    for i in range(tables):
        targets = relations(i)
        total += len(targets)
        if kind == "rel":
            lines.append("#[derive(Table, Debug, Clone)]")
            lines.append(f'#[table(name = "t{i}")]')
        else:
            lines.append("#[derive(Debug, Clone)]")
        lines.append(f"pub struct T{i} {{")
        if kind == "rel":
            lines.append("    #[column(primary_key)]")
        lines.append("    pub id: i64,")
        lines.append("    pub name: String,")
        lines.append("    pub score: Option<f64>,")
        for t in targets:
            lines.append(f"    pub t{t}_id: {key_type(i, t)},")
            if kind == "rel":
                lines.append(f"    #[relation(one, from = t{t}_id, to = T{t}::id)]")
                target = f"Option<T{t}>" if t > i else f"T{t}"
                lines.append(f"    pub t{t}: One<{target}>,")
        if kind == "rel":
            # The inverse side of each `one` pointing here, from/to inferred.
            for c in children[i]:
                lines.append("    #[relation(many)]")
                lines.append(f"    pub t{c}s: Many<T{c}>,")
        lines.append("}\n")
    path = os.path.join(out, kind)
    os.makedirs(os.path.join(path, "src"), exist_ok=True)
    deps = f'rel = {{ path = "{repo}" }}\n' if kind == "rel" else ""
    with open(os.path.join(path, "Cargo.toml"), "w") as f:
        f.write(
            f'[package]\nname = "ctime_{kind}"\nversion = "0.0.0"\nedition = "2024"\n'
            f"[workspace]\n[dependencies]\n{deps}"
        )
    with open(os.path.join(path, "src", "lib.rs"), "w") as f:
        f.write("#![allow(dead_code)]\n" + "\n".join(lines))
    return total


n = crate("rel")
crate("plain")
print(f"{tables} tables, {n} one relations, in {out}/rel and {out}/plain")
