"""How a tool runs in its container: cwltool's Docker and Podman jobs, with Swath's containment and image policy.

cwltool already runs a container with a read-only root filesystem, inputs mounted read-only, the job's output and
temporary directories the only writable mounts, and `--net=none` unless the tool declares NetworkAccess. Swath adds,
through cwltool's one extension point for this (the job class a `CommandLineTool` picks, `make_job_runner`):

- a non-root user: cwltool passes the caller's uid, `--user=0:0` when Swath runs as root; then the tool runs as
  `SWATH_CONTAINER_USER`, and the directories it writes are handed to that user first;
- CPU and memory limits from the tool's ResourceRequirement (`--cpus`, `--memory`, no swap beyond it);
- a name and a `swath.job` label on every container, so that the supervisor can stop a dismissed or timed-out job's
  containers (`stop_job_containers`): killing cwltool's `docker run` client does not stop the container;
- the pull policy, the image's digest in the job log, and a missing image failing the job at once with the image
  name and the engine's reason;
- a container that was killed for exceeding its memory limit fails the job with that reason;
- rootful Podman without `--userns=keep-id`, which it refuses (DESIGN.md).

A tool with no DockerRequirement runs on the host: only where the operator allows host tools, and the log says so.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import math
import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cwl_utils.errors import WorkflowException
from cwltool.command_line_tool import CommandLineTool
from cwltool.context import LoadingContext, RuntimeContext
from cwltool.docker import DockerCommandLineJob, PodmanCommandLineJob
from cwltool.job import CommandLineJob, JobBase
from cwltool.process import Process
from cwltool.workflow import default_make_tool
from ruamel.yaml.comments import CommentedMap

from swath.runner.joblog import runner_logger

__all__ = [
    "CANNOT_RUN_IN_CONTAINER",
    "MEMORY_LIMIT_EXCEEDED",
    "ContainerPolicy",
    "make_tool",
    "set_policy",
    "stop_job_containers",
]

# Log records the job watcher (runner/cwl.py) turns into the job's message.
CANNOT_RUN_IN_CONTAINER = "[job %s] cannot run in its container: %s"
MEMORY_LIMIT_EXCEEDED = "[job %s] exceeded its memory limit of %d MiB and was stopped"
JOB_LABEL = "swath.job"
_POLICY_ATTRIBUTE = "swath_container_policy"
_ENGINE_TIMEOUT = 30.0
_log = logging.getLogger("cwltool")


@dataclass(frozen=True)
class ContainerPolicy:
    """What one job's tools may do, handed to cwltool's jobs through the job's RuntimeContext."""

    job_id: str
    # "docker", "podman", or None: tools run on the host.
    engine: str | None
    pull_policy: str
    # uid:gid for tools when Swath runs as root.
    user: str
    host_tools_allowed: bool
    # The engine network of tools that declare NetworkAccess (empty: the engine's default); others get none.
    network: str
    # Where the jobs of this worker take turns to pull an image (one lock file per image): one pull per worker,
    # the other jobs that need it wait for it and then find it present.
    pull_locks: Path


def set_policy(runtime: RuntimeContext, policy: ContainerPolicy) -> None:
    # cwltool copies its RuntimeContext (copy.copy) for every step and job; an attribute set here travels along.
    setattr(runtime, _POLICY_ATTRIBUTE, policy)


def _policy(runtime: RuntimeContext) -> ContainerPolicy | None:
    policy = getattr(runtime, _POLICY_ATTRIBUTE, None)
    return policy if isinstance(policy, ContainerPolicy) else None


def make_tool(document: Any, loading: LoadingContext) -> Process:
    """cwltool's `construct_tool_object`, with Swath's CommandLineTool (every other class as cwltool makes it)."""
    if isinstance(document, CommentedMap) and document.get("class") == "CommandLineTool":
        return _SwathCommandLineTool(document, loading)
    return default_make_tool(document, loading)


class _SwathCommandLineTool(CommandLineTool):
    def make_job_runner(self, runtimeContext: RuntimeContext) -> type[JobBase]:
        runner = super().make_job_runner(runtimeContext)
        policy = _policy(runtimeContext)
        if policy is None:  # a run that did not come through Swath's runner: cwltool's own behaviour
            return runner
        if runner is PodmanCommandLineJob:
            return _SwathPodmanJob
        if runner is DockerCommandLineJob:
            return _SwathDockerJob
        if runner is CommandLineJob:
            return _SwathHostJob
        return runner


class _SwathHostJob(CommandLineJob):
    """A tool on the host: only where the operator allows it, and the log says so (a tool never runs there silently)."""

    def run(self, runtimeContext: RuntimeContext, tmpdir_lock: Any = None) -> None:
        policy = _policy(runtimeContext)
        if policy is not None and not policy.host_tools_allowed:
            raise WorkflowException(
                f"Tool '{self.name}' would run on the host, and this service runs no tool on the host "
                "(SWATH_ALLOW_HOST_TOOLS is off)."
            )
        engine = policy.engine if policy is not None else None
        why = "no container runtime" if engine is None else "it names no image (no DockerRequirement)"
        runner_logger().info("Tool '%s' runs on the host: %s.", self.name, why)
        super().run(runtimeContext, tmpdir_lock)


class _SwathDockerJob(DockerCommandLineJob):
    """One tool run in one container, contained and labelled as the module docstring says."""

    def run(self, runtimeContext: RuntimeContext, tmpdir_lock: Any = None) -> None:
        policy = _policy(runtimeContext)
        assert policy is not None and policy.engine is not None  # chosen by make_job_runner above
        self.policy = policy
        self.engine = policy.engine
        self.container_name = f"swath-{policy.job_id}-{uuid.uuid4().hex[:8]}"
        # MiB, when the tool's ResourceRequirement set one (`_resource_limits`).
        self._memory_limit: int | None = None
        self.progress: IO[Any] | None = runtimeContext.default_stderr
        try:
            super().run(runtimeContext, tmpdir_lock)
        finally:
            self._end_container()

    def get_from_requirements(
        self,
        r: Any,
        pull_image: bool,
        force_pull: bool,
        tmp_outdir_prefix: str,
        image_base_path: str | None = None,
    ) -> str | None:
        image = r.get("dockerImageId") or r.get("dockerPull")
        if not isinstance(image, str) or any(key in r for key in ("dockerFile", "dockerLoad", "dockerImport")):
            # Images built or loaded from the package are cwltool's business, as the CWL spec has it.
            return super().get_from_requirements(r, pull_image, force_pull, tmp_outdir_prefix, image_base_path)
        try:
            digest = self._ensure_image(image)
        except _ImageUnavailable as missing:
            _log.error(CANNOT_RUN_IN_CONTAINER, self.name, str(missing))
            raise WorkflowException(str(missing)) from None
        runner_logger().info("Tool '%s' runs in %s image %s (%s).", self.name, self.engine, image, digest)
        return image

    def _ensure_image(self, image: str) -> str:
        """The image's id and repository digests, pulling it as the policy says; raises _ImageUnavailable."""
        pull = self.policy.pull_policy
        found = self._inspect(image)
        if pull == "always" or (found.returncode != 0 and pull == "if-not-present"):
            self.policy.pull_locks.mkdir(parents=True, exist_ok=True)
            lock_path = self.policy.pull_locks / (hashlib.sha256(image.encode()).hexdigest()[:32] + ".lock")
            with lock_path.open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
                found = self._inspect(image)
                if pull == "always" or found.returncode != 0:
                    self._pull(image)
                    found = self._inspect(image)
        if found.returncode != 0:
            raise _ImageUnavailable(
                f"image '{image}' is not on this worker and the pull policy is {pull} ({self.engine}: "
                f"{_last_line(found)})"
            )
        identity, _, digests = found.stdout.decode().strip().partition(" ")
        return f"id {identity}, digests {digests}" if digests.strip("[]") else f"id {identity}"

    def _inspect(self, image: str) -> subprocess.CompletedProcess[bytes]:
        return _engine(self.engine, "image", "inspect", "--format", "{{.Id}} {{.RepoDigests}}", image)

    def _pull(self, image: str) -> None:
        """Pull with the engine's progress in the job log; raises _ImageUnavailable with the engine's reason."""
        runner_logger().info("Pulling image %s with %s.", image, self.engine)
        pulled = subprocess.run(
            [self.engine, "pull", image], stdout=self.progress, stderr=subprocess.PIPE, timeout=None, check=False
        )
        if pulled.returncode != 0:
            raise _ImageUnavailable(f"image '{image}' could not be pulled ({self.engine}: {_last_line(pulled)})")

    def create_runtime(self, env: Any, runtime_context: RuntimeContext) -> tuple[list[str], str | None]:
        runtime, _ = super().create_runtime(env, runtime_context)
        # No cidfile: cwltool's monitor of it sleeps a whole second before every container's first poll (job.py,
        # docker_monitor); the container is found by its name and label instead. No --rm: the container is
        # inspected after it exits (was it killed for memory?) and removed then.
        kept = [argument for argument in runtime if not argument.startswith("--cidfile=") and argument != "--rm"]
        if self.engine == "podman" and os.geteuid() == 0:
            # Rootful Podman refuses keep-id (DESIGN.md); root's containers map no user namespace anyway.
            kept = [argument for argument in kept if argument != "--userns=keep-id"]
        if os.geteuid() == 0:
            kept = [f"--user={self.policy.user}" if argument == "--user=0:0" else argument for argument in kept]
            self._hand_over_writable_directories()
        # The image was made present above, by the pull policy; the engine must never fetch it again itself.
        kept += [f"--name={self.container_name}", f"--label={JOB_LABEL}={self.policy.job_id}", "--pull=never"]
        return kept + self._resource_limits(), None

    def _resource_limits(self) -> list[str]:
        requirement, _ = self.builder.get_requirement("ResourceRequirement")
        if not requirement:
            return []
        limits = []
        if "ramMin" in requirement or "ramMax" in requirement:
            memory = self._memory_limit = math.ceil(self.builder.resources["ram"])
            limits += [f"--memory={memory}m", f"--memory-swap={memory}m"]
        if "coresMin" in requirement or "coresMax" in requirement:
            limits.append(f"--cpus={self.builder.resources['cores']:g}")
        return limits

    def _hand_over_writable_directories(self) -> None:
        """Give the tool's user the directories it writes: cwltool made them as root."""
        uid, gid = (int(part) for part in self.policy.user.split(":"))
        for top in (self.outdir, self.tmpdir):
            for folder, directories, files in os.walk(top):
                os.chown(folder, uid, gid)
                for name in [*directories, *files]:
                    os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)

    def _end_container(self) -> None:
        """Note a memory kill, then remove the container (it ran without --rm)."""
        state = _engine(
            self.engine, "inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}}", self.container_name
        )
        oom_killed, _, exit_code = state.stdout.decode().strip().partition(" ")
        # Podman 4.3 on cgroup v1 never sets OOMKilled (measured: false, exit 137); under a memory limit, a SIGKILL
        # that Swath did not send (a stop kills the job's process first, whose message then wins) is the kernel's.
        killed_for_memory = oom_killed == "true" or (exit_code == "137" and self._memory_limit is not None)
        if state.returncode == 0 and killed_for_memory:
            _log.error(MEMORY_LIMIT_EXCEEDED, self.name, self._memory_limit or 0)
        if state.returncode == 0:
            _engine(self.engine, "rm", "--force", self.container_name)


class _SwathPodmanJob(_SwathDockerJob, PodmanCommandLineJob):
    pass


class _ImageUnavailable(Exception):
    pass


def stop_job_containers(engine: str | None, job_id: str) -> int:
    """Remove (killing first) every container of the job; returns how many there were.

    The supervisor calls this when it stops a job and when a job's process ended badly: the containers belong to
    the engine's daemon, not to the job's process tree, so killing that tree leaves them running.
    """
    if engine is None:
        return 0
    listed = _engine(engine, "ps", "--all", "--quiet", "--filter", f"label={JOB_LABEL}={job_id}")
    containers = listed.stdout.decode().split() if listed.returncode == 0 else []
    if containers:
        # SIGKILL first: Podman's `rm --force` sends SIGTERM and waits its stop timeout (10 s) before it kills.
        _engine(engine, "kill", *containers)
        _engine(engine, "rm", "--force", *containers)
    return len(containers)


def _engine(engine: str, *arguments: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run([engine, *arguments], capture_output=True, timeout=_ENGINE_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess([engine, *arguments], 1, b"", str(error).encode())


def _last_line(finished: subprocess.CompletedProcess[bytes]) -> str:
    lines = [line.strip() for line in finished.stderr.decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {finished.returncode}"
