#!/usr/bin/env python3
"""Runs the ArgoCD sidecar image the way the sidecar runs it, for real.

The image (scripts/build-image.sh) is started read-only, as UID 999, with
only /tmp writable (a fresh directory, as the sidecar's emptyDir) and
ArgoCD's var-files volume at /var/run/argocd; the network is the host's, so
the servers this script starts on 127.0.0.1 are all it can reach here. Each
scenario runs the plugin's own generate command (argocd/plugin.yaml) in the
application's directory under /tmp/_cmp_server, with the environment
ArgoCD's CMP server sets (ARGOCD_APP_*, KUBE_VERSION, KUBE_API_VERSIONS,
ARGOCD_APP_PARAMETERS, PARAM_*, ARGOCD_ENV_*):

  prod     overlays/prod, byte-identical to tests/golden/prod.yaml, and
           with Application parameters, identical to the host binary's
  remote   a remote base from a public git server on 127.0.0.1 (smart HTTP)
  private  a remote base from a git server that wants HTTP basic auth,
           with provideGitCreds' askpass (GIT_ASKPASS=argocd, a nonce)
  helm     a chart from a chart repository on 127.0.0.1 (helm repo index)

Every scenario's expected output is the host's own nest-kz on the same tree
(the same code, outside the image), and for `prod` and `remote` also
kubectl kustomize (kustomize v5.5.0) where it is installed.

Runners: podman (`--runtime runc`, with this machine's containers.conf), and
bubblewrap over the image's exported root filesystem (`podman export`),
which needs no container runtime. Both by default; --runner picks one.
Exit status 1 on any difference or failure.
"""
import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import http.server
import functools

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = "nest-kz-sidecar:test"
failures = []


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise SystemExit(f"server on {port} exited")
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def generate_command():
    """The plugin's generate command, from argocd/plugin.yaml."""
    lines = open(os.path.join(ROOT, "argocd/plugin.yaml")).read().splitlines()
    start = lines.index("    command:") + 1
    cmd = []
    for line in lines[start:]:
        if line.startswith("    - "):
            cmd.append(line[6:].strip())
        elif line.strip().startswith("#"):
            continue
        else:
            break
    return cmd


def git(cwd, *args):
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", *args], cwd=cwd)


def bare_repo(base, name, files):
    src = os.path.join(base, name + "-src")
    os.makedirs(src)
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
        open(os.path.join(src, rel), "w").write(text)
    git(src, "init", "-q")
    git(src, "add", ".")
    git(src, "commit", "-qm", name)
    git(src, "tag", "v1")
    git(base, "clone", "-q", "--bare", src, name + ".git")
    return os.path.join(base, name + ".git")


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {}\ndata:\n  from: {}\n"


class Servers:
    """A public and a private smart-HTTP git server, and a chart repository."""

    def __init__(self, work, helm):
        self.procs = []
        repos = os.path.join(work, "repos")
        os.makedirs(repos)
        bare_repo(repos, "public", {"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": CM.format("public", "git-daemon")})
        bare_repo(repos, "private", {"kustomization.yaml": "resources: [cm.yaml]\n", "cm.yaml": CM.format("private", "basic-auth")})
        self.public = self.git_server(repos, "-", "-")
        self.private = self.git_server(repos, "reader", "s3cret")
        charts = os.path.join(work, "charts")
        os.makedirs(charts)
        self.charts = free_port()
        run([helm, "package", os.path.join(ROOT, "tests/helm/charts/demo"), "-d", charts])
        run([helm, "repo", "index", charts, "--url", f"http://127.0.0.1:{self.charts}"])
        handler = functools.partial(Quiet, directory=charts)
        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", self.charts), handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def git_server(self, repos, user, password):
        """tests/support/git_http.py on a free port; `-` asks for no credentials."""
        p = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/support/git_http.py"), repos, user, password],
                             stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        return int(p.stdout.readline())

    def stop(self):
        self.http.shutdown()
        for p in self.procs:
            p.kill()
            p.wait()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def argocd_env(app_path, repo_url, params=None):
    """What ArgoCD's CMP server sets for a plugin (parameters as both the
    JSON and the PARAM_ forms)."""
    env = {
        "ARGOCD_APP_NAME": "nest",
        "ARGOCD_APP_NAMESPACE": "nest-prod",
        "ARGOCD_APP_PROJECT_NAME": "default",
        "ARGOCD_APP_REVISION": "0123456789abcdef0123456789abcdef01234567",
        "ARGOCD_APP_REVISION_SHORT": "0123456",
        "ARGOCD_APP_SOURCE_PATH": app_path,
        "ARGOCD_APP_SOURCE_REPO_URL": repo_url,
        "ARGOCD_APP_SOURCE_TARGET_REVISION": "HEAD",
        "KUBE_VERSION": "1.31.0",
        "KUBE_API_VERSIONS": "v1,apps/v1,batch/v1,networking.k8s.io/v1,policy/v1",
        "ARGOCD_APP_PARAMETERS": json.dumps(params or []),
        "ARGOCD_ENV_TEAM": "platform",
    }
    for p in params or []:
        name = "PARAM_" + p["name"].upper()
        if "string" in p:
            env[name] = p["string"]
        for i, v in enumerate(p.get("array", [])):
            env[f"{name}_{i}"] = v
        for k, v in p.get("map", {}).items():
            env[f"{name}_{k.upper()}"] = v
    return env


class Podman:
    name = "podman"

    def __init__(self, conf):
        self.conf = conf

    def __call__(self, tmp, varrun, cwd, cmd, env):
        args = ["podman", "--runtime", "runc", "run", "--rm", "--read-only", "--user", "999:999",
                "--network", "host", "--cap-drop", "all", "--security-opt", "no-new-privileges",
                "-v", f"{tmp}:/tmp:rw", "-v", f"{varrun}:/var/run/argocd:ro", "-w", cwd,
                "--entrypoint", cmd[0]]
        for k, v in env.items():
            args += ["-e", f"{k}={v}"]
        args += [IMAGE, *cmd[1:]]
        return subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, CONTAINERS_CONF=self.conf))


class Bwrap:
    name = "bubblewrap"

    def __init__(self, rootfs):
        self.rootfs = rootfs
        # The image's own environment (its ENV lines), then ArgoCD's.
        self.base = {"PATH": "/usr/local/bin:/usr/bin:/var/run/argocd", "HOME": "/tmp",
                     "XDG_CACHE_HOME": "/tmp/.cache", "TMPDIR": "/tmp", "GIT_CONFIG_NOSYSTEM": "1"}

    def __call__(self, tmp, varrun, cwd, cmd, env):
        args = ["bwrap", "--ro-bind", self.rootfs, "/", "--bind", tmp, "/tmp", "--ro-bind", varrun, "/var/run/argocd",
                "--proc", "/proc", "--dev", "/dev", "--unshare-user", "--uid", "999", "--gid", "999",
                "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--clearenv",
                "--chdir", cwd]
        for k, v in {**self.base, **env}.items():
            args += ["--setenv", k, v]
        return subprocess.run(args + cmd, capture_output=True, text=True)


def check(what, got, want):
    if got.returncode != 0:
        failures.append(f"{what}: exit {got.returncode}: {got.stderr.strip()[-800:]}")
        print(f"FAIL {what}: {got.stderr.strip()[-300:]}")
    elif got.stdout != want:
        failures.append(f"{what}: output differs from the expected")
        open(f"/tmp/image-test-{what.replace(' ', '-')}.out", "w").write(got.stdout)
        print(f"FAIL {what}: output differs (kept in /tmp/image-test-*.out)")
    else:
        print(f"ok   {what} ({len(want.splitlines())} lines)")


def host_nest(app, env, extra=()):
    cmd = [os.path.join(ROOT, "dist/nest-kz"), *generate_command()[1:], *extra]
    out = subprocess.run(cmd, cwd=app, capture_output=True, text=True,
                         env={**os.environ, **env, "XDG_CACHE_HOME": tempfile.mkdtemp()})
    if out.returncode != 0:
        raise SystemExit(f"host nest-kz failed in {app}: {out.stderr}")
    return out.stdout


def kubectl(app):
    if shutil.which("kubectl") is None:
        return None
    return run(["kubectl", "kustomize", app]).stdout


def scenarios(runner, servers, helm):
    tmp = tempfile.mkdtemp(prefix="nest-kz-image-")
    os.chmod(tmp, 0o777)
    varrun = tempfile.mkdtemp(prefix="nest-kz-varrun-")
    os.chmod(varrun, 0o755)
    run(["gcc", "-static", "-O2", "-o", os.path.join(varrun, "argocd"), os.path.join(ROOT, "tests/support/askpass_fixture.c")])
    nonce = "5f0c3a1e-nest-kz-image-test"
    open(os.path.join(varrun, f"askpass-{nonce}"), "w").write("reader\ns3cret\n")
    for f in os.listdir(varrun):
        os.chmod(os.path.join(varrun, f), 0o755)
    app = os.path.join(tmp, "_cmp_server", "app")
    # The repository as the CMP server unpacks it.
    for d in ["base", "components", "overlays"]:
        shutil.copytree(os.path.join(ROOT, d), os.path.join(app, d))
    for name, text in {
        "remote/kustomization.yaml": f"resources:\n- http://127.0.0.1:{servers.public}/public.git?ref=v1\nnamePrefix: r-\n",
        "private/kustomization.yaml": f"resources:\n- http://127.0.0.1:{servers.private}/private.git?ref=v1\n",
        "helm/kustomization.yaml": (
            f"helmCharts:\n- name: demo\n  repo: http://127.0.0.1:{servers.charts}\n  version: 0.2.0\n"
            "  releaseName: charted\n  valuesInline:\n    replicas: 2\n"),
    }.items():
        os.makedirs(os.path.dirname(os.path.join(app, name)), exist_ok=True)
        open(os.path.join(app, name), "w").write(text)
    os.system(f"chmod -R a+rwX {tmp}")
    cmd = generate_command()
    repo_url = "https://github.com/penguintech/nest.git"
    golden = open(os.path.join(ROOT, "tests/golden/prod.yaml")).read()

    def inside(path, env):
        return runner(tmp, varrun, f"/tmp/_cmp_server/app/{path}", cmd, env)

    env = argocd_env("overlays/prod", repo_url)
    check(f"{runner.name}: overlays/prod", inside("overlays/prod", env), golden)
    params = [{"name": "namePrefix", "string": "argo-"}, {"name": "images", "array": ["penguintech/nest=*:v9"]},
              {"name": "commonLabels", "map": {"team": "platform"}}]
    env = argocd_env("overlays/prod", repo_url, params)
    check(f"{runner.name}: overlays/prod with parameters", inside("overlays/prod", env),
          host_nest(os.path.join(app, "overlays/prod"), env))
    env = argocd_env("remote", repo_url)
    want = host_nest(os.path.join(app, "remote"), env)
    live = kubectl(os.path.join(app, "remote"))
    if live is not None and live != want:
        failures.append("remote: the host's nest-kz and kubectl kustomize differ")
    check(f"{runner.name}: remote base (public git server)", inside("remote", env), want)
    env = argocd_env("private", f"http://127.0.0.1:{servers.private}/app.git")
    env.update({"GIT_ASKPASS": "argocd", "ARGOCD_GIT_ASKPASS_NONCE": nonce, "GIT_TERMINAL_PROMPT": "0",
                "ARGOCD_BINARY_NAME": "argocd-git-ask-pass", "ARGOCD_ASK_PASS_SOCK": "/tmp/reposerver-ask-pass.sock"})
    want = "apiVersion: v1\ndata:\n  from: basic-auth\nkind: ConfigMap\nmetadata:\n  name: private\n"
    check(f"{runner.name}: private repository (provideGitCreds askpass)", inside("private", env), want)
    env = argocd_env("helm", repo_url)
    want = host_nest(os.path.join(app, "helm"), env, ["--helm-command", helm])
    check(f"{runner.name}: helm chart from a repository", inside("helm", env), want)
    # Nothing may be left in /tmp but the app and nest-kz's cache.
    left = sorted(set(os.listdir(tmp)) - {"_cmp_server", ".cache"})
    if left:
        failures.append(f"{runner.name}: left in /tmp: {left}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(varrun, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", choices=["podman", "bwrap", "both"], default="both")
    ap.add_argument("--no-build", action="store_true", help="use the image already built as " + IMAGE)
    args = ap.parse_args()
    helm_env = dict(line.split("=", 1) for line in run([os.path.join(ROOT, "scripts/install-helm.sh")]).stdout.split())
    helm = helm_env["NEST_KZ_HELM3"]
    if not args.no_build:
        print("building", run([os.path.join(ROOT, "scripts/build-image.sh"), IMAGE], cwd=ROOT).stdout.strip())
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    # This machine's kernel refuses podman's default rlimits for a rootful
    # container; none are needed.
    conf.write("[containers]\ndefault_ulimits = []\n")
    conf.close()
    work = tempfile.mkdtemp(prefix="nest-kz-image-servers-")
    servers = Servers(work, helm)
    runners = []
    try:
        if args.runner in ("podman", "both"):
            runners.append(Podman(conf.name))
        if args.runner in ("bwrap", "both"):
            rootfs = os.path.join(work, "rootfs")
            os.makedirs(rootfs)
            cid = run(["podman", "create", IMAGE], env=dict(os.environ, CONTAINERS_CONF=conf.name)).stdout.strip()
            export = subprocess.Popen(["podman", "export", cid], stdout=subprocess.PIPE)
            subprocess.run(["tar", "-x", "-C", rootfs], stdin=export.stdout, check=True)
            export.wait()
            run(["podman", "rm", cid])
            # Mount points a container runtime would make; the image has none.
            for d in ["proc", "dev"]:
                os.makedirs(os.path.join(rootfs, d), exist_ok=True)
            runners.append(Bwrap(rootfs))
        for runner in runners:
            scenarios(runner, servers, helm)
    finally:
        servers.stop()
        shutil.rmtree(work, ignore_errors=True)
        os.unlink(conf.name)
    if failures:
        print("\n".join(["image test failed:"] + failures), file=sys.stderr)
        sys.exit(1)
    print(f"image test: every scenario passed under {', '.join(r.name for r in runners)}")


if __name__ == "__main__":
    main()
