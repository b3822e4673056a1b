#!/usr/bin/env python3
"""Evaluates the Tiltfile without Tilt or a cluster, then checks what it would do.

Tilt's Starlark is (for the subset the Tiltfile uses) valid Python, so the Tiltfile and the files it
load()s run here against stand-ins for Tilt's builtins that record each call. helm() runs the real
`helm template`. The checks then cover what Tilt itself would only report at `tilt up`:
  - every k8s_resource workload is a Deployment in the YAML given to k8s_yaml;
  - every docker_build image is used by a workload, its Dockerfile exists and has the target stage
    and, for a SERVICE build arg, that service's row (stage service-<name>);
  - live_update sync sources exist; port_forwards name ports the workload's containers declare;
  - resource_deps name resources that exist; every resource has a label (the Tilt UI groups by them),
    and every object other than a workload or a Service belongs to a resource (none "uncategorized");
  - every services/<name> folder is a resource named <name> with labels, a port_forward of its ops port,
    and a docker_build fraiseql/<name> whose live_update syncs services/<name>/src, runs
    `npx tsc -b services/<name>`, and whose context does not leave out a lib it syncs;
  - `tilt up <names>` (the Tiltfile's to-run args): for each of SUBSETS the enabled set is exactly the
    expected one, and for every evaluation it is closed under resource_deps (nothing waits forever).

Usage: tiltfile-dry-run.py <repo-root> [--json]   (HELM=/path/to/helm; default: helm on PATH)
Exit status 1 with one line per problem when a check fails.
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else ".")
HELM = os.environ.get("HELM", "helm")

recorded = {}


def _reset():
    recorded.clear()
    recorded.update({"docker_builds": [], "k8s_resources": [], "yaml_docs": [], "helm": [], "enabled": None})


_reset()

# `tilt up <args>` -> the resources it must enable: the services named, the services they need, and
# the stores and config they wait for. "provision" (and the stores it waits for) joins every set when the chart
# renders the provisioning Job.
SUBSETS = [
    (["gateway", "flight-server"],
     ["gateway", "query-executor", "flight-server", "postgres", "nats", "redis", "clickhouse", "fraiseql-config"]),
    (["sink"], ["sink", "postgres", "nats", "clickhouse", "fraiseql-config"]),
    (["observer-worker"], ["observer-worker", "nats", "redis", "dev-inbox", "fraiseql-config"]),
]
# Set per evaluation: the to-run args config.parse() returns.
_args = []


class _Path:
    join = staticmethod(os.path.join)
    basename = staticmethod(os.path.basename)
    dirname = staticmethod(os.path.dirname)
    exists = staticmethod(os.path.exists)
    abspath = staticmethod(os.path.abspath)


class _Os:
    path = _Path

    @staticmethod
    def getcwd():
        return ROOT

    @staticmethod
    def getenv(key, default=None):
        return os.environ.get(key, default)


class _ConfigResult(dict):
    pass


class _Config:
    def __init__(self):
        self.defined = {}

    def define_string_list(self, name, args=False, usage=""):
        self.defined[name] = []

    def define_string(self, name, args=False, usage=""):
        self.defined[name] = ""

    def define_bool(self, name, args=False, usage=""):
        self.defined[name] = False

    def parse(self):
        result = _ConfigResult()
        if _args:
            result["to-run"] = list(_args)
        return result

    def set_enabled_resources(self, names):
        recorded["enabled"] = list(names)


def _split_docs(text):
    return [d for d in re.split(r"^---\s*$", text, flags=re.M) if re.search(r"^kind:", d, flags=re.M)]


def k8s_yaml(value, allow_duplicates=False):
    if isinstance(value, str) and os.path.isfile(value):
        with open(value) as f:
            value = f.read()
    recorded["yaml_docs"].extend(_split_docs(value))


def helm(path, name="", namespace="", values=None, set=None, **_):
    args = [HELM, "template", name or "chart", path]
    if namespace:
        args += ["--namespace", namespace]
    for v in values or []:
        args += ["--values", v]
    for s in set or []:
        args += ["--set", s]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("helm template failed: " + out.stderr.strip())
    recorded["helm"].append({"path": path, "name": name, "values": values or []})
    return out.stdout


def docker_build(ref, context, dockerfile="Dockerfile", target="", build_args=None, live_update=None, ignore=None, only=None, **kw):
    recorded["docker_builds"].append({
        "ref": ref, "context": context, "dockerfile": dockerfile, "target": target, "build_args": build_args or {},
        "ignore": ignore or [], "only": only or [], "live_update": live_update or [],
    })


def k8s_resource(workload="", new_name="", port_forwards=None, resource_deps=None, objects=None, labels=None, **kw):
    recorded["k8s_resources"].append({
        "workload": workload, "new_name": new_name or workload, "port_forwards": port_forwards or [],
        "resource_deps": resource_deps or [], "objects": objects or [], "labels": labels or [],
    })


def sync(local, remote):
    return {"step": "sync", "local": local, "remote": remote}


def run(cmd, trigger=None, echo_off=False):
    return {"step": "run", "cmd": cmd, "trigger": trigger if isinstance(trigger, list) else [trigger] if trigger else []}


def fall_back_on(files):
    return {"step": "fall_back_on", "files": files if isinstance(files, list) else [files]}


def listdir(directory, recursive=False):
    out = []
    for base, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if d not in ("node_modules", ".git")]
        out.extend(os.path.join(base, f) for f in files)
        if not recursive:
            break
    return sorted(out)


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        if default is None:
            raise
        return default


def decode_yaml_stream(text):
    # Only what the Tiltfile reads of the objects: kind and metadata.name.
    out = []
    for doc in _split_docs(str(text)):
        kind = re.search(r"^kind: *(\S+)", doc, flags=re.M)
        out.append({"kind": kind.group(1) if kind else None, "metadata": {"name": _meta_name(doc)}})
    return out


def _noop(*args, **kwargs):
    return None


BUILTINS = {
    "os": _Os, "config": _Config(), "k8s_yaml": k8s_yaml, "helm": helm, "docker_build": docker_build,
    "k8s_resource": k8s_resource, "sync": sync, "run": run, "fall_back_on": fall_back_on,
    "listdir": listdir, "k8s_namespace": lambda: "default", "update_settings": _noop,
    "allow_k8s_contexts": _noop, "watch_file": _noop, "warn": _noop,
    "read_json": read_json, "decode_yaml_stream": decode_yaml_stream,
}


def exec_file(path):
    scope = dict(BUILTINS)
    base = os.path.dirname(path)

    def load(target, *names, **aliases):
        # Starlark's load(): paths relative to the loading file; binds the named globals.
        module = exec_file(os.path.normpath(os.path.join(base, target)))
        for n in names:
            scope[n] = module[n]
        for alias, n in aliases.items():
            scope[alias] = module[n]

    scope["load"] = load
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    exec(code, scope)
    return scope


def _meta_name(doc):
    m = re.search(r"^metadata:\s*\n(?:^[ ]+.*\n)*?^  name: *\"?([^\s\"]+)", doc, flags=re.M)
    return m.group(1) if m else None


def check():
    problems = []
    workloads = {}
    for doc in recorded["yaml_docs"]:
        kind = re.search(r"^kind: *(\S+)", doc, flags=re.M).group(1)
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            workloads[_meta_name(doc)] = {
                "images": re.findall(r"image: *\"?([^\s\"]+)", doc),
                "ports": {int(p) for p in re.findall(r"containerPort: *(\d+)", doc)},
            }
    names = {r["new_name"] for r in recorded["k8s_resources"]}
    for r in recorded["k8s_resources"]:
        if r["workload"] and r["workload"] not in workloads:
            problems.append("k8s_resource %s: no workload named %s in the YAML" % (r["new_name"], r["workload"]))
        if not r["workload"] and not r["objects"]:
            problems.append("k8s_resource %s has neither a workload nor objects" % r["new_name"])
        for pf in r["port_forwards"]:
            container = int(str(pf).split(":")[-1])
            if r["workload"] in workloads and container not in workloads[r["workload"]]["ports"]:
                problems.append("k8s_resource %s: port_forward %s targets a port %s does not declare" % (r["new_name"], pf, r["workload"]))
        for dep in r["resource_deps"]:
            if dep not in names:
                problems.append("k8s_resource %s: resource_dep %s is not a resource" % (r["new_name"], dep))
    for b in recorded["docker_builds"]:
        used = any(img == b["ref"] or img.startswith(b["ref"] + ":") or img.startswith(b["ref"] + "@")
                   for w in workloads.values() for img in w["images"])
        if not used:
            problems.append("docker_build %s: no workload uses this image" % b["ref"])
        if not os.path.isfile(b["dockerfile"]):
            problems.append("docker_build %s: Dockerfile %s does not exist" % (b["ref"], b["dockerfile"]))
        else:
            with open(b["dockerfile"]) as f:
                text = f.read()
            if b["target"] and not re.search(r"^FROM\s+\S+\s+AS\s+%s\s*$" % re.escape(b["target"]), text, flags=re.M | re.I):
                problems.append("docker_build %s: Dockerfile has no stage %s" % (b["ref"], b["target"]))
            # The one Dockerfile builds the service SERVICE names; it needs that service's row.
            service = b["build_args"].get("SERVICE")
            if service is not None and not re.search(r"^FROM\s+\S+\s+AS\s+service-%s\s*$" % re.escape(service), text, flags=re.M | re.I):
                problems.append("docker_build %s: Dockerfile has no row (stage service-%s) for SERVICE=%s" % (b["ref"], service, service))
        for step in b["live_update"]:
            if step["step"] == "sync" and not os.path.exists(step["local"]):
                problems.append("docker_build %s: sync source %s does not exist" % (b["ref"], step["local"]))
    # Tilt groups a workload's Services by selector; every other object must be named in a resource's `objects`, or
    # the Tilt UI lists it under "uncategorized".
    attached = {str(o).lower() for r in recorded["k8s_resources"] for o in r["objects"]}
    for doc in recorded["yaml_docs"]:
        kind = re.search(r"^kind: *(\S+)", doc, flags=re.M).group(1)
        if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "Service"):
            continue
        name = _meta_name(doc)
        if ("%s:%s" % (name, kind)).lower() not in attached:
            problems.append("%s %s is in no resource's objects (Tilt would list it as uncategorized)" % (kind, name))
    for r in recorded["k8s_resources"]:
        if not r["labels"]:
            problems.append("k8s_resource %s has no labels (the Tilt UI would list it under unlabeled)" % r["new_name"])
    by_name = {r["new_name"]: r for r in recorded["k8s_resources"]}
    builds = {b["ref"]: b for b in recorded["docker_builds"]}
    for service in _service_folders():
        r = by_name.get(service)
        if r is None:
            problems.append("service %s: no k8s_resource named %s" % (service, service))
            continue
        if r["workload"] and r["workload"] in workloads:
            ops = _ops_port(service)
            if ops is not None and not any(int(str(pf).split(":")[-1]) == ops for pf in r["port_forwards"]):
                problems.append("service %s: no port_forward of its ops port %d" % (service, ops))
        b = builds.get("fraiseql/" + service)
        if b is None:
            problems.append("service %s: no docker_build fraiseql/%s" % (service, service))
            continue
        src = os.path.join(ROOT, "services", service, "src")
        syncs = [st for st in b["live_update"] if st["step"] == "sync"]
        runs = [st for st in b["live_update"] if st["step"] == "run"]
        if not any(st["local"] == src for st in syncs):
            problems.append("service %s: live_update does not sync services/%s/src" % (service, service))
        if not any(st["cmd"] == "npx tsc -b services/%s" % service for st in runs):
            problems.append("service %s: live_update does not run `npx tsc -b services/%s`" % (service, service))
        for st in syncs:
            rel = os.path.relpath(st["local"], ROOT)
            if rel.startswith("libs" + os.sep) and (rel + "/src") in b["ignore"]:
                problems.append("docker_build %s: syncs %s but leaves %s/src out of its context" % (b["ref"], rel, rel))
            if not any(st["local"] in run["trigger"] for run in runs):
                problems.append("docker_build %s: no run step is triggered by the sync of %s" % (b["ref"], rel))
    problems.extend(_closure_problems(by_name))
    return problems, workloads


def _service_folders():
    base = os.path.join(ROOT, "services")
    return sorted(d for d in os.listdir(base) if os.path.isdir(os.path.join(base, d))) if os.path.isdir(base) else []


def _ops_port(service):
    # The Dockerfile row's HEALTHCHECK_PORT_DEFAULT (the ops port, checked against the chart by check-packaging.sh).
    path = os.path.join(ROOT, "Dockerfile")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        m = re.search(r"^FROM\s+\S+\s+AS\s+service-%s\s*\n(?:(?!FROM ).*\n)*?.*HEALTHCHECK_PORT_DEFAULT=(\d+)" % re.escape(service), f.read(), flags=re.M)
    return int(m.group(1)) if m else None


def _closure_problems(by_name):
    """The enabled set (all resources when the Tiltfile enables none) holds every resource_dep of its members."""
    enabled = recorded["enabled"] if recorded["enabled"] is not None else list(by_name)
    out = []
    for name in enabled:
        if name not in by_name:
            out.append("enabled resource %s is not a resource" % name)
            continue
        for dep in by_name[name]["resource_deps"]:
            if dep not in enabled:
                out.append("enabled resource %s waits for %s, which is not enabled" % (name, dep))
    return out


def evaluate(args):
    global _args
    _reset()
    _args = list(args)
    exec_file(os.path.join(ROOT, "Tiltfile"))


def subset_problems():
    """`tilt up <args>` for each of SUBSETS: the enabled set, exactly (plus provision and its stores when there is one)."""
    problems, results = [], {}
    for args, expected in SUBSETS:
        # A copy of the repository that lacks one of these services (check-packaging.sh's tests) skips it.
        if not all(os.path.isdir(os.path.join(ROOT, "services", a)) for a in args):
            continue
        evaluate(args)
        provision = [r for r in recorded["k8s_resources"] if r["new_name"] == "provision"]
        # The chart's provisioning Job (when it has one): every service waits for it, and it for the stores it writes.
        want = set(expected) | (({"provision"} | set(provision[0]["resource_deps"])) if provision else set())
        got = recorded["enabled"]
        results[" ".join(args)] = got
        label = "tilt up %s" % " ".join(args)
        if got is None:
            problems.append("%s: the Tiltfile enables no subset (every resource would run)" % label)
            continue
        if set(got) != want:
            problems.append("%s: enables %s; expected %s" % (label, sorted(got), sorted(want)))
        problems.extend("%s: %s" % (label, p) for p in _closure_problems({r["new_name"]: r for r in recorded["k8s_resources"]}))
    return problems, results


def main():
    subset_issues, subsets = subset_problems()
    evaluate([])
    problems, workloads = check()
    if recorded["enabled"] is not None:
        problems.append("tilt up (no args): the Tiltfile enables %s; expected every resource" % sorted(recorded["enabled"]))
    problems += subset_issues
    if "--json" in sys.argv:
        out = dict(recorded)
        out["workloads"] = {k: {"images": v["images"], "ports": sorted(v["ports"])} for k, v in workloads.items()}
        out["subsets"] = subsets
        out["problems"] = problems
        del out["yaml_docs"]
        print(json.dumps(out, indent=2, default=str))
    for p in problems:
        print("tilt: " + p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
