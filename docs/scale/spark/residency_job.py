#!/usr/bin/env python3
"""residency on Apache Spark: many sites' rotated captures, one partitioned dataset.

    spark-submit [SPARK OPTIONS] residency_job.py --binary PATH --out DIR [OPTIONS] CAPTURE...
    spark-submit [SPARK OPTIONS] residency_job.py --binary PATH --out DIR --manifest SITES.csv

What it does (guide: docs/scale.md, "Terabytes of captures: Apache Spark"):

1. The driver lists the captures (files, or folders of *.pcap, *.pcapng and *.cap files; local
   paths, file:, hdfs:// or s3a:// URIs, listed through Hadoop's FileSystem) and groups them by
   site: a capture's site is the first folder below the folder given (`sites/lund/…/p.pcap`
   under `sites` is `lund`; a file given itself, its folder's name), or the `site` column of a
   manifest (a CSV file with the columns `site,capture`).
2. Each site is one Spark task. On an executor it fetches the site's parts into a scratch
   folder (local files are read in place), orders them by their first packet (ties by URI),
   and runs the residency binary shipped with the job once over all of them:
   `residency analyze -q --sensor SITE --json … --parquet … PARTS…`, so that flows and names
   that span rotated parts stay whole, exactly as a direct run on the same files.
3. The driver reads the sites' Parquet records (schema residency.flows/2, docs/records.md) and
   writes them as one dataset partitioned by site and day (UTC), then the aggregate answers:
   every `-- name:` query of questions.sql (beside this file), each row naming the SHA-256 of
   its inputs.

The output folder (never overwritten; written as OUT.partial and renamed when complete):

    OUT/flows/site=S/day=D/*.parquet   every flow record, with columns `site` and `day`
    OUT/aggregates/NAME/*.parquet      the answer of each query in questions.sql
    OUT/reports/S.json                 each site's JSON evidence report (residency.report/2)
    OUT/report.json                    every site's report merged (residency merge: the totals
                                       summed, every input listed; residency.merge/1)
    OUT/runs.json                      per site: its parts in the order analysed (URI, SHA-256,
                                       first packet), residency's exit status and message; the
                                       binary's SHA-256 and version; the arguments
    OUT/_COMPLETE                      written last (where a rename is a copy, as on S3)

Exit status, as residency's: 0 every site was analysed completely; 3 a capture was damaged (its
site's report says where; everything before the damage is in the outputs); 1 a site could not
be analysed (runs.json says why; the other sites are in the outputs), one capture is in two
sites under different URIs (nothing is summed; OUT.partial keeps the runs and reports), or the
job failed; 2 usage.

The residency binary must be built with Parquet records (`cargo build --release --features
parquet`) for the executors' platform. Executors need Python 3.9 or later and, for captures or an
output on hdfs:// or s3a://, pyarrow (its `pyarrow.fs` reads and writes them). Local paths need
nothing in local mode; on a cluster they must name a filesystem every executor and the driver
share (NFS), or each writes to its own disk. Tested by tests/spark_job.rs in Spark's local mode against direct runs.
"""

import argparse
import csv
import hashlib
import json
import os
import posixpath
import re
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
from urllib.parse import urlparse

# A site names a folder, a partition value and a sensor (`--sensor`): kept to characters that
# are safe in all three.
SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap")
# How far into a capture its first packet is looked for: a pcapng file may start with many
# interface and statistics blocks, but a first packet later than this is not plausible.
FIRST_PACKET_SCAN_BYTES = 1 << 20
# residency's exit statuses (README, "Exit status").
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_DAMAGED = 0, 1, 2, 3


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="residency_job.py",
        description="Run residency over many sites' captures on Apache Spark.",
    )
    p.add_argument("captures", nargs="*", metavar="CAPTURE",
                   help="capture files or folders (a capture's site is its folder's name)")
    p.add_argument("--manifest", metavar="CSV",
                   help="a CSV file with the columns site,capture (instead of CAPTURE...)")
    p.add_argument("--binary", required=True, metavar="PATH",
                   help="the residency binary, built with --features parquet")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="the output folder (must not exist)")
    p.add_argument("--home", metavar="CC", help="passed to residency analyze --home")
    p.add_argument("--residency-arg", action="append", default=[], metavar="ARG",
                   help="one more argument for residency analyze (repeat: --residency-arg=--inside "
                        "--residency-arg=10.0.0.0/8)")
    p.add_argument("--questions", metavar="SQL",
                   default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "questions.sql"),
                   help="the aggregate queries (default: questions.sql beside this file)")
    p.add_argument("--master", help="Spark master when run without spark-submit (e.g. local[2])")
    args = p.parse_args(argv)
    if bool(args.manifest) == bool(args.captures):
        p.error("give either CAPTURE... or --manifest CSV")
    return args


# ---- Paths: local files directly, anything else through Hadoop (driver) or pyarrow (executors).

# A URI's scheme and authority (`hdfs://namenode:8020`, `file:`): what comes after is the path,
# taken as it is (a `#` or `?` in a file name is part of it, not a fragment or a query).
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//[^/]*)?")


def is_local(uri):
    m = SCHEME.match(uri)
    return m is None or uri[:m.end()].lower() in ("file:", "file://")


def path_of(uri):
    """The path part of a URI (the whole of a plain path)."""
    m = SCHEME.match(uri)
    return uri[m.end():] if m else uri


def arrow_fs(uri):
    """pyarrow's filesystem for a remote URI and the path inside it."""
    try:
        from pyarrow import fs
    except ImportError as e:
        raise RuntimeError(f"{uri}: reading or writing hdfs:// or s3a:// from an executor needs "
                           "pyarrow there (pip install pyarrow)") from e
    # pyarrow names S3 `s3://`; Hadoop names it `s3a://`.
    return fs.FileSystem.from_uri(re.sub(r"^s3a://", "s3://", uri))


def fetch(uri, folder, index):
    """A capture as a local file: local ones in place, others copied into `folder`."""
    if is_local(uri):
        return path_of(uri)
    filesystem, path = arrow_fs(uri)
    target = os.path.join(folder, f"{index:05d}-{os.path.basename(path)}")
    with filesystem.open_input_stream(path) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return target


def put(local, uri):
    """Copy a local file to `uri` (a path in the output folder), whole or not at all: written
    under a temporary name, then renamed."""
    if is_local(uri):
        dst = path_of(uri)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(local, dst + ".part")
        os.replace(dst + ".part", dst)
        return
    filesystem, path = arrow_fs(uri)
    with open(local, "rb") as src, filesystem.open_output_stream(path + ".part") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    filesystem.move(path + ".part", path)


class Hadoop:
    """The driver's view of any filesystem Spark can read, through the JVM's Hadoop FileSystem."""

    def __init__(self, spark):
        self.jvm = spark.sparkContext._jvm
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()

    def _fs(self, uri):
        path = self.jvm.org.apache.hadoop.fs.Path(uri)
        return path.getFileSystem(self.conf), path

    def qualified(self, uri):
        fs, path = self._fs(uri)
        return fs.makeQualified(path).toString()

    def exists(self, uri):
        fs, path = self._fs(uri)
        return fs.exists(path)

    def captures(self, uri):
        """The capture files at `uri`: itself, or those in the folder (recursively), sorted."""
        fs, path = self._fs(uri)
        if not fs.exists(path):
            raise UsageError(f"{uri}: no such file or folder")
        if fs.getFileStatus(path).isFile():
            return [fs.makeQualified(path).toString()]
        found, files = [], fs.listFiles(path, True)
        while files.hasNext():
            name = files.next().getPath().toString()
            if name.lower().endswith(CAPTURE_SUFFIXES):
                found.append(name)
        return sorted(found)

    def write(self, uri, data):
        fs, path = self._fs(uri)
        out = fs.create(path, False)
        try:
            out.write(bytearray(data))
        finally:
            out.close()

    def delete(self, uri):
        fs, path = self._fs(uri)
        fs.delete(path, True)

    def fetch(self, uri, local):
        fs, path = self._fs(uri)
        fs.copyToLocalFile(False, path, self.jvm.org.apache.hadoop.fs.Path(local), True)

    def upload(self, local, uri):
        fs, path = self._fs(uri)
        fs.copyFromLocalFile(False, False, self.jvm.org.apache.hadoop.fs.Path(local), path)

    def rename(self, src, dst):
        fs, path = self._fs(src)
        if not fs.rename(path, self.jvm.org.apache.hadoop.fs.Path(dst)):
            raise RuntimeError(f"could not rename {src} to {dst}")


class UsageError(Exception):
    pass


# ---- Grouping by site.

def site_of(root, uri):
    """A capture's site when no manifest names it: the first folder below `root` (the path
    given) on the way to the capture, or, for a capture directly in `root` or given itself, the
    name of its folder. `captures/lund/2026-11-01/p.pcap` under `captures` is `lund`."""
    root, path = path_of(root).rstrip("/"), path_of(uri)
    if path != root and path.startswith(root + "/"):
        below = path[len(root) + 1:].split("/")
        if len(below) > 1:
            return below[0]
        return posixpath.basename(root)
    return posixpath.basename(posixpath.dirname(path))


def group(args, hadoop):
    """site -> its capture URIs (each capture in one site only)."""
    pairs = []
    if args.manifest:
        with open(args.manifest, newline="") as f:
            rows = list(csv.DictReader(f))
        if rows and not {"site", "capture"} <= set(rows[0]):
            raise UsageError(f"{args.manifest}: the header must name the columns site,capture")
        for n, row in enumerate(rows, start=2):
            if not row.get("site") or not row.get("capture"):
                raise UsageError(f"{args.manifest}, line {n}: a site and a capture are needed")
            pairs += [(row["site"], c) for c in hadoop.captures(row["capture"])]
    else:
        for given in args.captures:
            root = hadoop.qualified(given)
            pairs += [(site_of(root, c), c) for c in hadoop.captures(given)]
    sites, seen = {}, {}
    for site, uri in pairs:
        if not SITE_NAME.match(site):
            raise UsageError(f"{uri}: its site {site!r} is not a usable name (letters, digits, '.', "
                             "'_' and '-', at most 128; give a --manifest to name sites)")
        if uri in seen and seen[uri] != site:
            raise UsageError(f"{uri} is in two sites ({seen[uri]} and {site}): its flows would "
                             "be counted twice")
        if uri not in seen:
            seen[uri] = site
            sites.setdefault(site, []).append(uri)
    if not sites:
        raise UsageError("no capture files found (*.pcap, *.pcapng, *.cap)")
    return sites


# ---- A capture's first packet, to order rotated parts.

def first_packet_ns(path):
    """Nanoseconds since the epoch of the file's first packet; None when none is found."""
    with open(path, "rb") as f:
        head = f.read(FIRST_PACKET_SCAN_BYTES)
        size = os.fstat(f.fileno()).st_size
    if len(head) < 4:
        return None
    magic = head[:4]
    for order in ("<", ">"):
        (m,) = struct.unpack(order + "I", magic)
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            return _pcap_first(head, size, order, m == 0xA1B23C4D)
    if magic == b"\x0a\x0d\x0d\x0a":
        return _pcapng_first(head)
    return None


def _pcap_first(head, size, order, nanos):
    """The first record's time, when the whole record is in the file (as residency reads it)."""
    if len(head) < 24 + 16:
        return None
    sec, frac, kept = struct.unpack_from(order + "III", head, 24)
    if 24 + 16 + kept > size:
        return None
    return sec * 1_000_000_000 + (frac if nanos else frac * 1000)


def _pcapng_first(head):
    """The first Enhanced (or obsolete) Packet Block's time, by its interface's resolution."""
    pos, order, resolutions = 0, "<", []
    while pos + 12 <= len(head):
        (kind,) = struct.unpack_from("<I", head, pos)
        if kind == 0x0A0D0D0A:
            order = "<" if head[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            resolutions = []
        else:
            (kind,) = struct.unpack_from(order + "I", head, pos)
        (length,) = struct.unpack_from(order + "I", head, pos + 4)
        if length < 12 or length % 4 or pos + length > len(head):
            return None
        body = head[pos + 8:pos + length - 4]
        if kind == 1 and len(body) >= 8:
            resolutions.append(_if_time(body[8:], order))
        elif kind in (2, 6) and len(body) >= 12:
            if kind == 6:
                interface, high, low = struct.unpack_from(order + "III", body, 0)
            else:
                interface, _, high, low = struct.unpack_from(order + "HHII", body, 0)
            if interface >= len(resolutions):
                return None
            ticks, (base, exponent, offset) = (high << 32) | low, resolutions[interface]
            if base == 10:
                return offset * 10**9 + ticks * 10**9 // 10**exponent
            return offset * 10**9 + (ticks * 10**9 >> exponent)
        pos += length
    return None


def _if_time(options, order):
    """An interface's clock, as residency reads it: (10, n) or (2, n) for a resolution of 10^-n
    or 2^-n seconds (if_tsresol, default microseconds), and if_tsoffset's seconds."""
    pos, base, exponent, offset = 0, 10, 6, 0
    while pos + 4 <= len(options):
        code, length = struct.unpack_from(order + "HH", options, pos)
        value = options[pos + 4:pos + 4 + length]
        if code == 0 or len(value) < length:
            break
        if code == 9 and length == 1:
            base, exponent = (2, value[0] & 0x7F) if value[0] & 0x80 else (10, value[0])
        elif code == 14 and length == 8:
            (offset,) = struct.unpack(order + "q", value)
        pos += 4 + (length + 3) // 4 * 4
    return (base, exponent, offset)


# ---- One site, on an executor.

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def executable(name, folder):
    """The shipped binary, copied into `folder` to be run (files Spark ships lose their x bit)."""
    from pyspark import SparkFiles
    path = os.path.join(folder, "bin-" + name)
    shutil.copyfile(SparkFiles.get(name), path)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def run_site(site, uris, job):
    """Analyse one site's parts in one residency run; what happened, for runs.json."""
    result = {"site": site, "parts": [], "status": None, "message": "", "flows": None}
    scratch = tempfile.mkdtemp(prefix=f"residency-{site}-")
    try:
        binary = executable(job["binary_name"], scratch)
        parts = []
        for index, uri in enumerate(uris):
            path = fetch(uri, scratch, index)
            try:
                first = first_packet_ns(path)
            except (OSError, struct.error, ValueError):
                first = None  # residency reports what is wrong with the file
            parts.append({"uri": uri, "path": path, "first_packet_ns": first})
        # Parts without a readable first packet go last: residency reports them as it finds them.
        parts.sort(key=lambda p: (p["first_packet_ns"] is None, p["first_packet_ns"] or 0, p["uri"]))
        report, records = os.path.join(scratch, "report.json"), os.path.join(scratch, "flows.parquet")
        command = [binary, "analyze", "-q", "--sensor", site, "--json", report,
                   "--parquet", records] + job["residency_args"] + [p["path"] for p in parts]
        run = subprocess.run(command, capture_output=True, text=True)
        result["status"] = run.returncode
        result["message"] = run.stderr.strip()[-4000:]
        if run.returncode in (EXIT_OK, EXIT_DAMAGED) and os.path.exists(records):
            with open(report) as f:
                doc = json.load(f)
            inputs = doc["inputs"]
            for part, entry in zip(parts, inputs):
                part["sha256"] = entry["sha256"]
                part["packets"] = entry["packets"]
                part["complete"] = entry["complete"]
            put(report, f"{job['partial']}/reports/{site}.json")
            put(records, f"{job['partial']}/_staging/{site}.parquet")
            # Only now is the site analysed: both of its files are in place.
            result["flows"] = doc["summary"]["flows"]["total"]
            result["report_sha256"] = sha256_file(report)
        for part in parts:
            del part["path"]
        result["parts"] = parts
    except Exception as e:  # noqa: BLE001 - one site's failure is reported, the others go on
        result["message"] = f"{type(e).__name__}: {e}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


# ---- The driver.

def questions(path):
    """The `-- name:` queries of a questions.sql file, in order."""
    found, name, lines = [], None, []
    with open(path) as f:
        for line in f:
            m = re.match(r"--\s*name:\s*(\S+)", line)
            if m:
                if name:
                    found.append((name, "".join(lines).strip().rstrip(";")))
                name, lines = m.group(1), []
            elif name and not line.lstrip().startswith("--"):
                lines.append(line)
    if name:
        found.append((name, "".join(lines).strip().rstrip(";")))
    return found


def captures_in_two_sites(runs):
    """Captures (by SHA-256) that two sites analysed, under different URIs."""
    seen, twice = {}, []
    for r in runs:
        for part in r["parts"]:
            sha = part.get("sha256")
            if not sha:
                continue
            if sha in seen and seen[sha][0] != r["site"]:
                site, uri = seen[sha]
                twice.append({"sha256": sha, "sites": [site, r["site"]], "uris": [uri, part["uri"]]})
            else:
                seen.setdefault(sha, (r["site"], part["uri"]))
    return twice


def merge_reports(hadoop, binary, partial, sites):
    """`residency merge` of the sites' reports into OUT/report.json (residency.merge/1): the
    totals over all sites, every input listed; refused if one capture is in two sites."""
    if not sites:
        return {"status": None, "message": "no site was analysed"}
    folder = tempfile.mkdtemp(prefix="residency-merge-")
    try:
        # Named as in OUT (reports/S.json), so that the merged document's paths are OUT's.
        local = []
        os.makedirs(os.path.join(folder, "reports"))
        for site in sites:
            name = f"reports/{site}.json"
            hadoop.fetch(f"{partial}/{name}", os.path.join(folder, name))
            local.append(name)
        merged = os.path.join(folder, "report.json")
        run = subprocess.run([os.path.abspath(binary), "merge", "--json", merged] + local,
                             capture_output=True, text=True, cwd=folder)
        if os.path.exists(merged):
            hadoop.upload(merged, f"{partial}/report.json")
        return {"status": run.returncode, "message": run.stderr.strip()[-4000:]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def binary_version(path):
    out = subprocess.run([path, "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def main(argv):
    args = parse_args(argv)
    from pyspark.sql import SparkSession, functions as F

    # Days in UTC; partition values read back as written (a site named `001` stays a string).
    builder = (SparkSession.builder.appName("residency")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false"))
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    try:
        return job(spark, args, F)
    except UsageError as e:
        print(f"residency_job: {e}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        spark.stop()


def job(spark, args, F):
    hadoop = Hadoop(spark)
    if not os.path.isfile(args.binary):
        raise UsageError(f"{args.binary}: no such binary (cargo build --release --features parquet)")
    queries = questions(args.questions)
    out = hadoop.qualified(args.out)
    partial = out.rstrip("/") + ".partial"
    for taken in (out, partial):
        if hadoop.exists(taken):
            raise UsageError(f"{taken} exists: give a new --out (outputs are never written over; "
                             "a .partial folder is a run that did not finish: remove it)")
    sites = group(args, hadoop)
    residency_args = (["--home", args.home] if args.home else []) + args.residency_arg

    spark.sparkContext.addFile(os.path.abspath(args.binary))
    shared = {"binary_name": os.path.basename(args.binary), "partial": partial,
              "residency_args": residency_args}
    work = sorted(sites.items())
    runs = (spark.sparkContext.parallelize(work, len(work))
            .map(lambda site: run_site(site[0], site[1], shared)).collect())

    analysed = [r for r in runs if r["flows"] is not None]
    twice = captures_in_two_sites(analysed)
    if twice:
        # Nothing is summed: the runs and the sites' reports stay in OUT.partial to look at.
        hadoop.write(f"{partial}/runs.json", (json.dumps(
            {"schema": "residency.spark-run/1", "sites": runs, "captures_in_two_sites": twice},
            indent=2) + "\n").encode())
        for t in twice:
            print(f"residency_job: the capture with SHA-256 {t['sha256']} is in two sites "
                  f"({t['sites'][0]}: {t['uris'][0]}; {t['sites'][1]}: {t['uris'][1]}): its flows "
                  "would be counted twice; give it to one site", file=sys.stderr)
        print(f"residency_job: nothing was written but the sites' reports, in {partial}",
              file=sys.stderr)
        return EXIT_ERROR
    written = [f"{partial}/_staging/{r['site']}.parquet" for r in analysed]
    if written:
        records = (spark.read.parquet(*written)
                   .withColumn("site", F.col("`observer.name`"))
                   .withColumn("day", F.to_date(F.col("`@timestamp`"))))
        records.write.partitionBy("site", "day").parquet(f"{partial}/flows")
        spark.read.parquet(f"{partial}/flows").createOrReplaceTempView("flows")
        for name, sql in queries:
            spark.sql(sql).coalesce(1).write.parquet(f"{partial}/aggregates/{name}")
        hadoop.delete(f"{partial}/_staging")

    merged = merge_reports(hadoop, args.binary, partial, [r["site"] for r in analysed])

    summary = {
        "schema": "residency.spark-run/1",
        "binary": {"name": shared["binary_name"], "sha256": sha256_file(args.binary),
                   "version": binary_version(os.path.abspath(args.binary))},
        "residency_args": residency_args,
        "questions": [name for name, _ in queries],
        "sites": runs,
        "merge": merged,
    }
    hadoop.write(f"{partial}/runs.json", (json.dumps(summary, indent=2) + "\n").encode())
    hadoop.rename(partial, out)
    # Where a rename is a copy (S3), OUT appears file by file: this one comes last.
    hadoop.write(f"{out}/_COMPLETE", b"")

    worst = EXIT_OK
    for r in runs:
        state = {EXIT_OK: "complete", EXIT_DAMAGED: "damaged input (see its report)"}.get(
            r["status"], f"FAILED (exit status {r['status']}): {r['message']}"
            if r["status"] is not None else f"FAILED: {r['message']}")
        print(f"{r['site']}: {len(r['parts'])} parts, {r['flows'] if r['flows'] is not None else 0}"
              f" flows, {state}")
        if r["flows"] is None:
            worst = EXIT_ERROR
        elif r["status"] == EXIT_DAMAGED and worst == EXIT_OK:
            worst = EXIT_DAMAGED
    if merged["status"] not in (EXIT_OK, EXIT_DAMAGED):
        print(f"residency merge failed (exit status {merged['status']}): {merged['message']}")
        worst = EXIT_ERROR
    print(f"{len(analysed)} of {len(runs)} sites analysed; outputs in {out}")
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
