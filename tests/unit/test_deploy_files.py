"""The compose and Kubernetes files under deploy/ name only what the hub has.

Every ``HUB_*`` variable they set must be a setting of ``hub/config.py`` (or the portal's ``HUB_WEB__*``), derived
from the settings classes here, not listed by hand; every command they run must be a ``hub`` command the CLI
accepts (or the health check script the image carries, with arguments its parser accepts); and the KafkaTopic
resources must be exactly the topics the hub itself creates for the configured prefix, with its configs.
"""

from __future__ import annotations

import importlib.util
import os
import re
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from hub.api.kafka import api_topics
from hub.cli import main as hub_cli
from hub.config import ENV_PREFIX, NESTED_DELIMITER, HubSettings, LocalKafkaSettings, StreamSettings
from hub.dump.links import decisions_topic_spec
from hub.security.partner_users import partner_grant
from hub.stream.topics import hub_topics
from hub.web.settings import WebSettings
from hub.worker.group import assignment_topic

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "compose" / "Dockerfile"
HUB_IMAGE = "citsci-hub:"


# --- what the hub has ---------------------------------------------------------------------------------------------


def _names(prefix: str, fields: Mapping[str, FieldInfo]) -> Iterator[str]:
    for name, info in fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _names(f"{prefix}{name.upper()}{NESTED_DELIMITER}", annotation.model_fields)
        yield f"{prefix}{name.upper()}"  # a section may also be given whole, as JSON


def setting_names() -> set[str]:
    """Every variable the hub reads: ``HubSettings`` nested with ``__``, and the portal's ``WebSettings``."""
    names = set(_names(ENV_PREFIX, HubSettings.model_fields))
    web_prefix = str(WebSettings.model_config.get("env_prefix", ""))
    names |= {f"{web_prefix}{name.upper()}" for name in WebSettings.model_fields}
    return names


def check_command(argv: list[str]) -> None:
    """Raise ``click.UsageError`` (or ``click.BadParameter``) unless ``hub argv[1:]`` is a command the CLI takes."""
    assert argv[0] == "hub", argv
    command: click.Command = hub_cli
    args = argv[1:]
    path = ["hub"]
    while isinstance(command, click.Group):
        if not args:
            raise click.UsageError(f"{' '.join(path)} needs a subcommand")
        ctx = click.Context(command, info_name=path[-1])
        sub = command.get_command(ctx, args[0])
        if sub is None:
            raise click.UsageError(f"no such command: {' '.join([*path, args[0]])}")
        path.append(args[0])
        command, args = sub, args[1:]
    command.make_context(" ".join(path), list(args))  # parses the options: an unknown one raises


def healthcheck_module() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_healthcheck", DEPLOY / "healthcheck.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def image_script_paths() -> dict[str, Path]:
    """Files the Dockerfile copies into the image: {path in the image: path in the repository}."""
    copies = re.findall(r"^COPY (?!--from)(\S+) (\S+)$", DOCKERFILE.read_text(), flags=re.MULTILINE)
    return {target: ROOT / source for source, target in copies if target.startswith("/")}


def check_run(argv: list[str]) -> None:
    """A hub command, or ``python <script the image carries> args`` that the script's own parser accepts."""
    if argv[0] == "hub":
        check_command(argv)
        return
    assert argv[0] == "python", f"runs {argv[0]!r}: expected hub or python"
    scripts = image_script_paths()
    assert argv[1] in scripts, f"{argv[1]} is not copied into the image by {DOCKERFILE.name}"
    assert scripts[argv[1]].resolve() == (DEPLOY / "healthcheck.py").resolve()
    healthcheck_module().parser().parse_args(argv[2:])


# --- what the files say -------------------------------------------------------------------------------------------


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def k8s_files() -> list[Path]:
    return sorted(K8S.glob("*.yaml"))


def compose_env(doc: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Each service's environment as a mapping (compose takes a mapping or a list of KEY=VALUE)."""
    result: dict[str, dict[str, str]] = {}
    for name, service in doc["services"].items():
        env = service.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) for item in env)
        result[name] = {str(k): str(v) for k, v in env.items()}
    return result


def k8s_env(docs: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Each container's variables: its own env, and the keys of the ConfigMaps it takes with envFrom."""
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    result: dict[str, dict[str, str]] = {}
    for doc in docs:
        if doc["kind"] != "Deployment":
            continue
        for container in doc["spec"]["template"]["spec"]["containers"]:
            env: dict[str, str] = {}
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    env.update(config_maps[source["configMapRef"]["name"]])
            for item in container.get("env", []):
                env[item["name"]] = str(item.get("value", "<from a secret>"))
            result[f"{doc['metadata']['name']}/{container['name']}"] = env
    return result


def unknown_settings(env: Mapping[str, str]) -> list[str]:
    valid = setting_names()
    return sorted(name for name in env if name.startswith(ENV_PREFIX) and name not in valid)


SECRET_PLACEHOLDER = "a-secret-value-given-at-deploy-time"
_COMPOSE_VARIABLE = re.compile(r"\$\{[^}]*\}")


def settings_of(env: Mapping[str, str]) -> HubSettings:
    """The settings a process with ``env`` gets, validated by the hub itself.

    Values the files leave to deploy time (compose's ``${...}``, Kubernetes' Secrets) stand in as placeholders.
    """
    prefixed = {k: v for k, v in env.items() if k.startswith(ENV_PREFIX) and not k.startswith("HUB_WEB__")}
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(ENV_PREFIX):
                mp.delenv(name)
        for name, value in prefixed.items():
            given = SECRET_PLACEHOLDER if value == "<from a secret>" else value
            mp.setenv(name, _COMPOSE_VARIABLE.sub(SECRET_PLACEHOLDER, given))
        return HubSettings()


def all_envs() -> dict[str, dict[str, str]]:
    envs = {f"compose:{k}": v for k, v in compose_env(yaml.safe_load(COMPOSE.read_text())).items()}
    for path in k8s_files():
        envs |= {f"{path.name}:{k}": v for k, v in k8s_env(load_all(path)).items()}
    return envs


def hub_runs() -> dict[str, list[str]]:
    """Every command the files run in the hub's image: main commands, health checks and probes."""
    runs: dict[str, list[str]] = {}
    compose = yaml.safe_load(COMPOSE.read_text())
    for name, service in compose["services"].items():
        if not str(service.get("image", "")).startswith(HUB_IMAGE):
            continue
        runs[f"compose:{name}"] = service["command"]
        test = service["healthcheck"]["test"]
        assert test[0] == "CMD", f"compose:{name}: a hub health check runs a command, not {test[0]}"
        runs[f"compose:{name}:healthcheck"] = test[1:]
    for path in k8s_files():
        for doc in load_all(path):
            if doc["kind"] != "Deployment":
                continue
            for container in doc["spec"]["template"]["spec"]["containers"]:
                where = f"{path.name}:{doc['metadata']['name']}"
                assert container["image"].startswith(HUB_IMAGE)
                runs[where] = container["command"]
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    if "exec" in container.get(probe, {}):
                        runs[f"{where}:{probe}"] = container[probe]["exec"]["command"]
    return runs


# --- the checks ---------------------------------------------------------------------------------------------------


def test_the_valid_names_come_from_the_settings_classes() -> None:
    names = setting_names()
    assert {"HUB_KAFKA_BOOTSTRAP", "HUB_KAFKA__SASL_PASSWORD", "HUB_STREAM__MIN_INSYNC_REPLICAS"} <= names
    assert "HUB_WEB__TILE_URL" in names
    assert "HUB_KAFKA__SASL_USER" not in names


def test_every_hub_variable_the_files_set_is_a_setting() -> None:
    envs = all_envs()
    assert any(k.startswith("compose:") for k in envs)
    assert any(k.startswith("hub.yaml:") for k in envs)
    problems = {where: bad for where, env in envs.items() if (bad := unknown_settings(env))}
    assert problems == {}


def test_every_service_s_settings_are_valid_values() -> None:
    # The hub validates them itself: a wrong value (a protocol it does not know, a replication factor of 0)
    # fails here as it would when the container starts.
    for where, env in all_envs().items():
        settings = settings_of(env)
        if "HUB_KAFKA_BOOTSTRAP" in env:
            assert settings.stream.replication_factor == 3, where
            assert settings.stream.min_insync_replicas == 2, where


@pytest.mark.parametrize(
    "wrong",
    [
        "HUB_KAFKA__SASL_USER",  # the setting is sasl_username
        "HUB_STREAM__REPLICAS",  # ... replication_factor
        "HUB_KAFKA__BOOTSTRAP",  # the bootstrap is top level: HUB_KAFKA_BOOTSTRAP
        "HUB_API_PORT",  # a section's fields are nested with "__"
        "HUB_WEB__NO_SUCH_THING",
    ],
)
def test_a_wrong_setting_name_is_caught(wrong: str) -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    worker = compose["services"]["worker"]
    worker["environment"] = {**worker["environment"], wrong: "3"}
    assert unknown_settings(compose_env(compose)["worker"]) == [wrong]
    docs = load_all(K8S / "hub.yaml")
    config_map = next(d for d in docs if d["kind"] == "ConfigMap")
    config_map["data"][wrong] = "3"
    envs = k8s_env(docs).values()
    assert envs
    assert all(unknown_settings(env) == [wrong] for env in envs)


def test_every_command_is_a_hub_command_or_the_image_s_health_check() -> None:
    runs = hub_runs()
    assert {"compose:api", "compose:worker", "compose:router", "compose:materialiser"} <= set(runs)
    assert {r[1] for r in runs.values() if r[0] == "hub"} == {"up", "worker", "route", "materialise"}
    for where, argv in runs.items():
        try:
            check_run(argv)
        except (click.ClickException, SystemExit) as exc:
            pytest.fail(f"{where}: {argv} is not a command the image runs: {exc!r}")


@pytest.mark.parametrize(
    "argv",
    [
        ["hub", "routes"],
        ["hub", "worker", "--replicas", "2"],
        ["hub", "kafka"],
    ],
)
def test_a_wrong_command_is_caught(argv: list[str]) -> None:
    with pytest.raises(click.UsageError):
        check_command(argv)


def test_a_wrong_health_check_is_caught() -> None:
    with pytest.raises(SystemExit):
        check_run(["python", "/opt/hub/healthcheck.py", "group", "materialiser"])
    with pytest.raises(AssertionError):
        check_run(["python", "/opt/hub/elsewhere.py", "store"])


def test_the_kafka_version_is_the_one_the_hub_runs() -> None:
    version = LocalKafkaSettings().version
    compose = yaml.safe_load(COMPOSE.read_text())
    images = {s["image"] for s in compose["services"].values() if "kafka" in s["image"]}
    assert images == {f"apache/kafka:{version}"}
    kafka = next(d for d in load_all(K8S / "kafka.yaml") if d["kind"] == "Kafka")
    assert str(kafka["spec"]["kafka"]["version"]) == version


def _k8s_settings() -> HubSettings:
    """The API pod's settings: its ConfigMap and its variables from Secrets."""
    return settings_of(k8s_env(load_all(K8S / "hub.yaml"))["citsci-hub-api/hub"])


def topic_problems(topics: list[dict[str, Any]], settings: HubSettings) -> list[str]:
    """How the KafkaTopic resources differ from the topics the hub creates itself for ``settings``' prefix."""
    expected = {spec.name: dict(spec.configs) for spec in [*hub_topics(settings), *api_topics(settings)]}
    decisions = decisions_topic_spec(settings)
    expected[decisions.name] = dict(decisions.configs)
    assignment = assignment_topic(settings)
    by_name = {d["spec"].get("topicName", d["metadata"]["name"]): d["spec"] for d in topics}
    problems = [] if len(by_name) == len(topics) else ["a topic is declared twice"]
    problems += [f"missing {name}" for name in sorted({*expected, assignment} - set(by_name))]
    problems += [f"not a hub topic: {name}" for name in sorted(set(by_name) - {*expected, assignment})]
    for name, configs in expected.items():
        spec = by_name.get(name)
        if spec is None:
            continue
        if spec["replicas"] != settings.stream.replication_factor:
            problems.append(f"{name}: replicas {spec['replicas']}, the hub asks {settings.stream.replication_factor}")
        if spec["partitions"] != settings.stream.partitions:
            problems.append(f"{name}: partitions {spec['partitions']}, the hub asks {settings.stream.partitions}")
        if (declared := {k: str(v) for k, v in spec.get("config", {}).items()}) != configs:
            problems.append(f"{name}: config {declared}, the hub checks for {configs}")
    # The hub refuses an assignment topic with another partition count than its worker slots.
    if assignment in by_name and by_name[assignment]["partitions"] != settings.api.worker_slots:
        problems.append(f"{assignment}: partitions must be HUB_API__WORKER_SLOTS ({settings.api.worker_slots})")
    return problems


def k8s_topics() -> list[dict[str, Any]]:
    return [d for path in k8s_files() for d in load_all(path) if d["kind"] == "KafkaTopic"]


def test_the_kafka_topics_are_what_the_hub_creates_for_its_prefix() -> None:
    settings = _k8s_settings()
    assert settings.stream.replication_factor == 3
    assert settings.stream.min_insync_replicas == 2
    topics = k8s_topics()
    assert len(topics) == len(hub_topics(settings)) + len(api_topics(settings)) + 2
    assert topic_problems(topics, settings) == []
    assert all(t["spec"]["config"]["min.insync.replicas"] == "2" for t in topics if "config" in t["spec"])


def _rename(topic: dict[str, Any]) -> None:
    topic["spec"]["topicName"] = topic["spec"]["topicName"].replace(".projects.", ".project.")


def _two_replicas(topic: dict[str, Any]) -> None:
    topic["spec"]["replicas"] = 2


def _no_compaction(topic: dict[str, Any]) -> None:
    topic["spec"]["config"]["cleanup.policy"] = "delete"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_rename, "missing ccs.projects.v1"),
        (_two_replicas, "ccs.projects.v1: replicas 2"),
        (_no_compaction, "ccs.projects.v1: config"),
    ],
)
def test_a_wrong_kafka_topic_is_caught(change: Any, problem: str) -> None:
    settings = _k8s_settings()
    topics = k8s_topics()
    change(next(t for t in topics if t["spec"]["topicName"] == "ccs.projects.v1"))
    assert any(p.startswith(problem) for p in topic_problems(topics, settings)), topic_problems(topics, settings)


def test_another_prefix_needs_other_topics() -> None:
    # The names are derived from the prefix, so the same files are wrong for a hub with another one.
    other = _k8s_settings().model_copy(update={"stream": StreamSettings(topic_prefix="x1", replication_factor=3)})
    assert "missing x1.projects.v1" in topic_problems(k8s_topics(), other)


#: Kafka's authorizer lets each of these operations imply Describe on the same resource.
_IMPLY_DESCRIBE = {"Read", "Write", "Delete", "Alter"}


def _acls(user: Mapping[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (acl["resource"]["type"], acl["resource"].get("name", ""), acl["resource"].get("patternType", ""), op)
        for acl in user["spec"]["authorization"]["acls"]
        for op in acl["operations"]
    }


def _effective(acls: set[tuple[str, str, str, str]]) -> set[tuple[str, str, str, str]]:
    """The operations the ACLs allow, with the Describe that Read, Write, Delete and Alter imply."""
    return acls | {(t, n, p, "Describe") for t, n, p, op in acls if op in _IMPLY_DESCRIBE}


def test_the_partner_user_gets_what_the_hub_grants_a_partner() -> None:
    settings = _k8s_settings()
    users = {d["metadata"]["name"]: d for d in load_all(K8S / "users.yaml") if d["kind"] == "KafkaUser"}
    grant = partner_grant(settings, "ecsa")
    partner = users[grant.username]
    assert partner["spec"]["authentication"]["type"] == "scram-sha-512"
    wanted = {
        (
            str(getattr(b.restype, "name", b.restype)).lower(),
            b.name,
            "prefix",
            str(getattr(b.operation, "name", b.operation)).capitalize(),
        )
        for b in grant.acls()
    }
    # Kafka's READ implies DESCRIBE on the same resource: the file may spell the implied one out, nothing more.
    implied = {(t, n, p, "Describe") for t, n, p, op in wanted if op == "Read"}
    assert wanted <= _acls(partner) <= wanted | implied


def test_the_hub_user_is_the_one_the_hub_logs_in_as_and_owns_only_its_prefix() -> None:
    settings = _k8s_settings()
    users = {d["metadata"]["name"]: d for d in load_all(K8S / "users.yaml") if d["kind"] == "KafkaUser"}
    hub = users[str(settings.kafka.sasl_username)]
    prefix = f"{settings.stream.topic_prefix}."
    acls = _acls(hub)
    assert {(t, n, p) for t, n, p, _ in acls if t != "cluster"} == {
        ("topic", prefix, "prefix"),
        ("group", prefix, "prefix"),
        ("transactionalId", prefix, "prefix"),
    }
    assert ("topic", prefix, "prefix", "Write") in acls
    assert ("transactionalId", prefix, "prefix", "Write") in acls
    assert not any(op in ("All", "Alter", "AlterConfigs") for *_, op in acls), "more than the hub needs"


def test_the_health_check_knows_its_own_container() -> None:
    module = healthcheck_module()
    assert module.is_member(["/10.0.0.7", "/10.0.0.9"], {"10.0.0.9"})
    assert not module.is_member(["/10.0.0.7"], {"10.0.0.9", "127.0.0.1"})
    assert not module.is_member([], {"127.0.0.1"})
    settings = HubSettings.model_validate({"stream": {"topic_prefix": "x1"}})
    assert module.group_id(settings, "router") == "x1.router"
    assert module.group_id(settings, "workers") == "x1.hub.workers"
