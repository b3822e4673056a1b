#!/usr/bin/env python3
"""Evaluates the Tiltfile without Tilt or a cluster, then checks what it would do.

Tilt's Starlark is (for the subset the Tiltfile uses) valid Python, so the Tiltfile and the files it
load()s run here against stand-ins for Tilt's builtins that record each call. helm() runs the real
`helm template`. The checks then cover what Tilt itself would only report at `tilt up`:
  - every k8s_resource workload is a Deployment in the YAML given to k8s_yaml;
  - every docker_build image is used by a workload, its Dockerfile exists and has the target stage
    and, for a SERVICE build arg, that service's row (stage service-<name>);
  - live_update sync sources exist; port_forwards name ports the workload's containers declare;
  - resource_deps name resources that exist.

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

recorded = {"docker_builds": [], "k8s_resources": [], "yaml_docs": [], "helm": [], "enabled": None}


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
        return _ConfigResult()

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


def _noop(*args, **kwargs):
    return None


BUILTINS = {
    "os": _Os, "config": _Config(), "k8s_yaml": k8s_yaml, "helm": helm, "docker_build": docker_build,
    "k8s_resource": k8s_resource, "sync": sync, "run": run, "fall_back_on": fall_back_on,
    "listdir": listdir, "k8s_namespace": lambda: "default", "update_settings": _noop,
    "allow_k8s_contexts": _noop, "watch_file": _noop, "warn": _noop,
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
        if kind in ("Deployment", "StatefulSet", "DaemonSet"):
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
    return problems, workloads


def main():
    exec_file(os.path.join(ROOT, "Tiltfile"))
    problems, workloads = check()
    if "--json" in sys.argv:
        out = dict(recorded)
        out["workloads"] = {k: {"images": v["images"], "ports": sorted(v["ports"])} for k, v in workloads.items()}
        out["problems"] = problems
        del out["yaml_docs"]
        print(json.dumps(out, indent=2, default=str))
    for p in problems:
        print("tilt: " + p, file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
