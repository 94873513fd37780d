"""Provisioned concurrency: execution environments initialised ahead of traffic on a version
or alias (Put/Get/Delete/ListProvisionedConcurrencyConfig(s)).

The rules are AWS's ("Configuring provisioned concurrency" in the Developer Guide): never on
$LATEST; the environments run INIT when the configuration is made, with
AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency, and are never reclaimed for being
idle; requests that name that qualifier use them first (no cold start) and spill over to
on-demand environments; an alias with weighted routing has its environments split between
its two versions by weight. Which pool admits a request is lambdakit.scale.concurrency's
decision; this module keeps the environments and the configurations' state.

Status is IN_PROGRESS until every environment has finished INIT (on the virtual clock INIT
takes its virtual time from the moment of the Put), then READY; FAILED if INIT failed.
An environment stopped by a fault (timeout, crash) is replaced at once.
"""

import concurrent.futures
from dataclasses import dataclass

from ..core.config import function_arn
from ..core.errors import ProvisionedConcurrencyConfigNotFoundException, ResourceNotFoundException
from .functions import LATEST

INITIALIZATION_TYPE = "provisioned-concurrency"
IN_PROGRESS, READY, FAILED = "IN_PROGRESS", "READY", "FAILED"
# StatusReason when INIT fails (AWS reports the function's INIT failure under this code).
INIT_FAILURE = "FUNCTION_ERROR_INIT_FAILURE"
# Real clock: environments initialised side by side at most this many at a time.
PARALLEL_INITS = 8


def _not_found():
    return ProvisionedConcurrencyConfigNotFoundException("No Provisioned Concurrency Config found for this function")


@dataclass
class ProvisionedConfig:
    function: str
    qualifier: str
    requested: int
    last_modified: str
    failure: str | None = None


class ProvisionedConcurrency:
    """The provisioned-concurrency configurations of one Runtime and their environments."""

    def __init__(self, runtime):
        self.runtime = runtime
        self._configs = {}          # (function, qualifier) -> ProvisionedConfig

    # ---------------------------------------------------------------- the API
    def put(self, name, qualifier, count):
        rt = self.runtime
        with rt._lock:
            function = rt._function(name)
            if qualifier not in (None, "", LATEST) and qualifier not in function.versions \
                    and qualifier not in function.aliases:
                raise ResourceNotFoundException(f"Function not found: {function_arn(name, qualifier)}")
            rt._account.put_provisioned(name, qualifier or None, count)
            self._configs[(name, qualifier)] = ProvisionedConfig(name, qualifier, count, rt._timestamp())
            function.provisioned[qualifier] = count
            self._retire_surplus(name, qualifier)
        self.replenish(name, qualifier)
        return self.get(name, qualifier)

    def get(self, name, qualifier):
        with self.runtime._lock:
            self.runtime._function(name)
            config = self._configs.get((name, qualifier))
            if config is None:
                raise _not_found()
            return self._describe(config)

    def list(self, name):
        with self.runtime._lock:
            self.runtime._function(name)
            return [{"FunctionArn": function_arn(name, c.qualifier), **self._describe(c)}
                    for (fn, _), c in sorted(self._configs.items()) if fn == name]

    def delete(self, name, qualifier):
        rt = self.runtime
        with rt._lock:
            function = rt._function(name)
            if self._configs.pop((name, qualifier), None) is None:
                raise _not_found()
            rt._account.delete_provisioned(name, qualifier)
            function.provisioned.pop(qualifier, None)
            self._retire_surplus(name, qualifier)

    def forget(self, name, qualifier):
        """The alias or version is gone: so is its configuration, if it had one."""
        with self.runtime._lock:
            if (name, qualifier) in self._configs:
                self.delete(name, qualifier)

    def realign(self, name, qualifier):
        """The alias moved: environments of versions it no longer routes to go, new ones start."""
        with self.runtime._lock:
            if (name, qualifier) not in self._configs:
                return
            self._retire_surplus(name, qualifier)
        self.replenish(name, qualifier)

    def remove_function(self, name):
        """DeleteFunction: its configurations go (the runtime stops the environments)."""
        for key in [key for key in self._configs if key[0] == name]:
            del self._configs[key]

    # ------------------------------------------------------------ environments
    def environments(self, name, qualifier):
        rt = self.runtime
        return [env for (fn, _), envs in rt._pool.environments_by_version.items() if fn == name for env in envs
                if env.initialization_type == INITIALIZATION_TYPE and env.provisioned_qualifier == qualifier]

    def idle(self, name, qualifier, version, arrival_ms):
        """An initialised, idle provisioned environment of `version` for requests that name
        `qualifier`, or None. Call with the runtime's lock held."""
        if (name, qualifier) not in self._configs:
            return None
        for env in self.runtime._pool.environments_by_version.get((name, version), ()):
            if env.initialization_type == INITIALIZATION_TYPE and env.provisioned_qualifier == qualifier \
                    and not env.busy and env.alive and env.free_at_ms <= arrival_ms:
                return env
        return None

    def replenish(self, name, qualifier):
        """Initialise environments until each version has its share of the configuration."""
        rt = self.runtime
        with rt._lock:
            config = self._configs.get((name, qualifier))
            if config is None or config.failure:
                return
            function = rt._function(name)
            have = {}
            for env in self.environments(name, qualifier):
                have[env.version] = have.get(env.version, 0) + 1
            missing = [version for version, share in self._shares(function, qualifier, config.requested)
                       for _ in range(share - have.get(version, 0))]
            at_ms = rt.clock.now_ms()
            plans = [(function, function.version(number)) for number in missing]
        if not plans:
            return
        workers = 1 if rt.clock.virtual else min(PARALLEL_INITS, len(plans))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            errors = [error for error in pool.map(
                lambda plan: rt._pool.initialise_environment(*plan, at_ms, INITIALIZATION_TYPE, qualifier), plans)
                if error is not None]
        if errors:
            with rt._lock:
                config.failure = f"{INIT_FAILURE}: {errors[0].get('errorType')}"

    def _shares(self, function, qualifier, count):
        """[(version, environments)]: an alias's weighted routing splits them by weight."""
        alias = function.aliases.get(qualifier)
        if alias is None:
            return [(qualifier, count)]
        shares, left = [], count
        for version, weight in alias.weights:
            share = round(count * weight)
            shares.append((version, share))
            left -= share
        return [(alias.version, left)] + shares

    def _retire_surplus(self, name, qualifier):
        """Stop environments beyond the configuration (all of them once it is deleted)."""
        rt = self.runtime
        config = self._configs.get((name, qualifier))
        wanted = dict(self._shares(rt._function(name), qualifier, config.requested)) if config else {}
        envs = sorted(self.environments(name, qualifier), key=lambda e: e.busy)  # idle ones first
        for env in envs:
            if wanted.get(env.version, 0) > 0:
                wanted[env.version] -= 1
            elif env.busy:
                env.retire_when_done = True
            else:
                rt._pool.stop(env, "retired", rt.clock.now_ms())

    # ------------------------------------------------------------------ state
    def _describe(self, config):
        envs = [env for env in self.environments(config.function, config.qualifier) if env.alive]
        now = self.runtime.clock.now_ms()
        available = sum(1 for env in envs if env.ready_ms <= now)
        status = FAILED if config.failure else READY if available >= config.requested else IN_PROGRESS
        description = {"RequestedProvisionedConcurrentExecutions": config.requested,
                       "AvailableProvisionedConcurrentExecutions": min(available, config.requested),
                       "AllocatedProvisionedConcurrentExecutions": min(available, config.requested),
                       "Status": status, "LastModified": config.last_modified}
        if config.failure:
            description["StatusReason"] = config.failure
        return description
